"""Functional module checks (evomod.measures.functional) on a hand-built modular circuit."""

import numpy as np
import pytest

from evomod.measures import functional as F
from evomod.problems import goals
from evomod.representations.nand.kernels import CircuitSpec
from evomod.representations.nand.representation import NandCircuits
from evomod.testing import reference

INPUTS = ["x", "y", "z", "w"]


def xor_gates(a, b, first):
    """Four NANDs computing a XOR b; gate addresses start at ``4 + first``."""
    n1 = 4 + first
    return [(a, b), (a, n1), (b, n1), (n1 + 1, n1 + 2)]


# G1 = (x ^ y) & (z ^ w): two XOR modules (gates 0-3, 4-7), NAND (8), NOT (9)
MODULAR_G1 = xor_gates(0, 1, 0) + xor_gates(2, 3, 4) + [(7, 11), (12, 12)]


def g1_circuit():
    spec = CircuitSpec(4, len(MODULAR_G1), 1, feedforward=True)
    genome = np.array([a for pair in MODULAR_G1 for a in pair] + [13])
    return genome, NandCircuits(spec)


def test_the_hand_built_circuit_computes_g1():
    genome, rep = g1_circuit()
    outputs, _ = reference.evaluate_circuit(genome.tolist(), 4, 10, 1)
    want = goals.unpack(goals.parse("(x ^ y) & (z ^ w)", INPUTS), 4)
    assert [o[0] for o in outputs] == want.astype(int).tolist()


def test_subgoals_of_parallel_and_serial_goals():
    g1 = F.subgoals("(x ^ y) & (z ^ w)", INPUTS)
    assert [(g.text, set(g.inputs), g.top) for g in g1] == [("x ^ y", {"x", "y"}, True),
                                                           ("z ^ w", {"z", "w"}, True)]
    serial = F.subgoals("(x ^ y) ? (z & w) : (z | w)", INPUTS)
    assert [g.text for g in serial] == ["x ^ y", "z & w", "z | w"]
    # a sub-goal and its complement count once; a negated input is no sub-goal
    assert [g.text for g in F.subgoals("~(x ^ y) | (x ^ y) & ~z", INPUTS)] == ["~(x ^ y)", "(x ^ y) & ~z"]
    nested = F.subgoals("((x ^ y) & z) | w", INPUTS)
    assert [(g.text, g.top) for g in nested] == [("(x ^ y) & z", True), ("x ^ y", False)]
    assert F.subgoals("x & y", INPUTS) == []


def test_coverage_finds_both_xors_in_their_modules():
    genome, rep = g1_circuit()
    names = rep.to_graph(genome, INPUTS)[1]
    labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    program = rep.program(genome, INPUTS)
    out = F.coverage(program, F.subgoals("(x ^ y) & (z ^ w)", INPUTS), np.array(labels))
    assert out["coverage"] == 1.0
    assert out["subgoals"][0]["nodes"] == [names[7]] and out["subgoals"][0]["modules"] == [0]
    assert out["subgoals"][1]["nodes"] == [names[11]] and out["subgoals"][1]["modules"] == [1]


def test_task_labels_and_agreement_of_the_modular_partition():
    genome, rep = g1_circuit()
    labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    out = F.check(genome, rep, INPUTS, "(x ^ y) & (z ^ w)", labels)
    assert out["task_labels"] == labels
    assert out["nmi"] == pytest.approx(1.0) and out["ari"] == pytest.approx(1.0)
    relabelled = [{0: 2, 1: 0, 2: 1}[v] for v in labels]
    assert F.agreement(relabelled, labels)["ari"] == pytest.approx(1.0)
    # a textbook case: two pairs split across each other, ARI = -1/2, NMI = 0
    assert F.agreement([0, 1, 0, 1], [0, 0, 1, 1]) == pytest.approx({"nmi": 0.0, "ari": -0.5})


def literal_mutation_effects(genome, labels_of_gate, n_gates):
    """Every single-locus rewiring of every gate, tables by the literal rule."""
    high = CircuitSpec(4, n_gates, 1, feedforward=True).locus_high()

    def tables(g):
        wide = list(g[: 2 * n_gates]) + [4 + h for h in range(n_gates)]
        outs, _ = reference.evaluate_circuit(wide, 4, n_gates, n_gates)
        return np.array(outs)  # (rows, gates)

    before = tables(genome)
    inside, across = [], []
    for g in range(n_gates):
        for locus in (2 * g, 2 * g + 1):
            for a in range(int(high[locus])):
                if a == genome[locus]:
                    continue
                m = genome.copy()
                m[locus] = a
                change = (tables(m) != before).mean(axis=0)
                inside.append(np.mean([change[h] for h in range(n_gates) if h != g
                                       and labels_of_gate[h] == labels_of_gate[g]]))
                across.append(np.mean([change[h] for h in range(n_gates) if labels_of_gate[h] != labels_of_gate[g]]))
    return np.mean(inside), np.mean(across)


def test_mutation_effects_match_the_literal_rule_and_stay_inside_modules():
    genome, rep = g1_circuit()
    names = rep.to_graph(genome, INPUTS)[1]
    labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    got = F.mutation_effects(genome, rep.spec, names, labels)
    gate_labels = {int(n[1:]): labels[i] for i, n in enumerate(names) if n.startswith("g")}
    inside, across = literal_mutation_effects(genome, [gate_labels[h] for h in range(10)], 10)
    assert got["inside"] == pytest.approx(inside) and got["across"] == pytest.approx(across)
    assert got["inside"] > got["across"]

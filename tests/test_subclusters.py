"""Importance and coherence of sub-clusters (evomod.measures.subclusters) on a hand-built modular circuit.

The circuit computes G1 = (x ^ y) & (z ^ w) from two 4-gate XOR modules and
an AND (a NAND and a NOT); every value below is worked out on paper from
the gates' formulas:

    g0 = NAND(x, y)            g4 = NAND(z, w)            layer 1
    g1 = NAND(x, g0) = ~x | y  g5 = NAND(z, g4) = ~z | w  layer 2
    g2 = NAND(y, g0) = x | ~y  g6 = NAND(w, g4) = z | ~w  layer 2
    g3 = NAND(g1, g2) = x ^ y  g7 = NAND(g5, g6) = z ^ w  layer 3
    g8 = NAND(g3, g7)                                     layer 4
    g9 = NAND(g8, g8) = G1                                layer 5
"""

import itertools
import math

import numpy as np
import pytest

from evomod.measures import subclusters as S
from evomod.problems import goals
from evomod.representations.nand.kernels import CircuitSpec
from evomod.representations.nand.representation import NandCircuits

INPUTS = ["x", "y", "z", "w"]
GATES = [(0, 1), (0, 4), (1, 4), (5, 6), (2, 3), (2, 8), (3, 8), (9, 10), (7, 11), (12, 12)]
MODULES = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]  # inputs, g0-g3, g4-g7, g8 g9 out0


def g1_program():
    spec = CircuitSpec(4, len(GATES), 1, feedforward=True)
    genome = np.array([a for pair in GATES for a in pair] + [13])
    rep = NandCircuits(spec)
    program = rep.program(genome, INPUTS)
    assert program.names == INPUTS + [f"g{i}" for i in range(10)] + ["out0"]  # node v = gate v - 4
    return program


TARGET = goals.unpack(goals.parse("(x ^ y) & (z ^ w)", INPUTS), 4)


def literal_performance(forced: dict) -> float:
    """G1 rows right when each gate in ``forced`` reads as ``forced[gate](row)`` to its readers (plain Python)."""
    right = 0
    for r, (x, y, z, w) in enumerate(itertools.product([0, 1], repeat=4)):
        val = {0: x, 1: y, 2: z, 3: w}
        for g, (a, b) in enumerate(GATES):
            read = [forced[s - 4](r) if s - 4 in forced else val[s] for s in (a, b)]
            val[4 + g] = 1 - (read[0] & read[1])
        out = forced[9](r) if 9 in forced else val[13]
        right += out == TARGET[r]
    return right / 16


def test_layers_are_depths_from_the_inputs():
    program = g1_program()
    assert S.depths(program).tolist() == [0, 0, 0, 0, 1, 2, 2, 3, 1, 2, 2, 3, 4, 5, 6]
    assert S.measured(program, 1).tolist() == [False] * 4 + [True] * 10 + [False]


def test_constant_ablation_matches_the_hand_values():
    program = g1_program()
    found = S.importance(program, MODULES, TARGET, "constant")
    assert found.performance == 1.0
    rows = [(s.module, s.layer, [program.names[v] for v in s.nodes], s.value, s.n_sets) for s in found.subclusters]
    # g0 fixed at 1 (its common value) turns XOR into OR: wrong where x = y = 1 and z ^ w, 2 rows
    # {g1, g2} at 1 turn XOR into 0: the 4 rows where G1 = 1 go wrong
    # g3 at 0 (XOR is balanced; ties take the smaller value): output 0, 4 rows wrong
    assert rows == [(0, 1, ["g0"], 2 / 16, 2), (0, 2, ["g1", "g2"], 4 / 16, 6), (0, 3, ["g3"], 4 / 16, 2),
                    (1, 1, ["g4"], 2 / 16, 2), (1, 2, ["g5", "g6"], 4 / 16, 6), (1, 3, ["g7"], 4 / 16, 2),
                    (2, 4, ["g8"], 4 / 16, 0), (2, 5, ["g9"], 4 / 16, 0)]
    pct = [s.percentile for s in found.subclusters]
    # layer 2's mixed pairs, e.g. {g1, g5}: XORs become ~x & y and ~z & w, 3 of G1's 4 rows lost (3/16)
    assert pct[:6] == pytest.approx([0.5, (4 + 2 / 2) / 6, 0.5] * 2)
    assert math.isnan(pct[6]) and math.isnan(pct[7])  # a whole layer: nothing to compare with
    assert found.score == pytest.approx((0.5 + 5 / 6 + 0.5) / 3)
    assert len(found.tested) == 6


def test_ablated_performance_matches_a_literal_evaluation():
    program = g1_program()
    one = {0: lambda r: 1}
    sets = [[4], [5, 6], [5, 9], [4, 8], [7, 11], [12]]
    common = {0: 1, 1: 1, 2: 1, 3: 0, 4: 1, 5: 1, 6: 1, 7: 0, 8: 1, 9: 0}  # by the formulas above
    want = [literal_performance({v - 4: (lambda r, c=common[v - 4]: c) for v in s}) for s in sets]
    assert S.ablated_performance(program, TARGET, sets, "constant").tolist() == pytest.approx(want)
    assert literal_performance(one) == pytest.approx(14 / 16)
    # shuffled: gate values taken from row perm[r], averaged over the permutations
    base = program.values()
    rng = np.random.default_rng(5)
    perms = [rng.permutation(16) for _ in range(4)]
    for s in sets:
        literal = np.mean([literal_performance({v - 4: (lambda r, v=v, p=p: int(base[p[r], v])) for v in s})
                           for p in perms])
        assert S.ablated_performance(program, TARGET, [s], "shuffle", n_shuffles=4, seed=5)[0] == pytest.approx(literal)


def test_shuffling_one_xor_costs_a_quarter_of_the_rows_on_average():
    # output = XOR1(row pi(r)) & XOR2(r): wrong when XOR2 = 1 (1/2) and XOR1 differs (1/2 under a random pi)
    program = g1_program()
    drop = 1 - S.ablated_performance(program, TARGET, [[7]], "shuffle", n_shuffles=400, seed=2)[0]
    assert drop == pytest.approx(0.25, abs=0.02)


def test_input_coherence_matches_the_hand_profiles():
    program = g1_program()
    d = S.input_profiles(program)
    # flipping x flips NAND(x, y) when y = 1 (half the rows); XOR always; g8 when z ^ w = 1
    assert d[4].tolist() == [0.5, 0.5, 0, 0] and d[5].tolist() == [0.5, 0.5, 0, 0]
    assert d[7].tolist() == [1, 1, 0, 0] and d[11].tolist() == [0, 0, 1, 1]
    assert d[12].tolist() == [0.5] * 4 and d[13].tolist() == [0.5] * 4
    assert d[:4].tolist() == np.eye(4).tolist()  # an input depends on itself only
    found = S.coherence(program, MODULES, TARGET, "input")
    two = [s for s in found.subclusters if len(s.nodes) == 2]
    assert [(round(s.value, 12), s.n_sets) for s in two] == [(1.0, 6), (1.0, 6)]  # mixed pairs: cosine 0
    assert [s.percentile for s in two] == pytest.approx([5 / 6, 5 / 6])
    assert all(math.isnan(s.percentile) for s in found.subclusters if len(s.nodes) == 1)
    assert found.score == pytest.approx(5 / 6)


def test_output_profiles_match_the_hand_values():
    program = g1_program()
    # flipping an XOR gate flips the output wherever the other XOR is 1: all 4 rows with G1 = 1
    # and 4 of the 12 rows with G1 = 0; flipping g8 or g9 flips the output on every row
    prof = S.output_profiles(program, TARGET, [7, 11, 12, 13])
    assert np.allclose(prof, [[1 / 3, 1], [1 / 3, 1], [1, 1], [1, 1]])
    found = S.coherence(program, MODULES, TARGET, "output")
    assert [s.value for s in found.subclusters if len(s.nodes) == 2] == pytest.approx([1.0, 1.0])


def test_whole_modules_against_every_same_size_set():
    program = g1_program()
    common = {0: 1, 1: 1, 2: 1, 3: 0, 4: 1, 5: 1, 6: 1, 7: 0, 8: 1, 9: 0}

    def drop(gates):
        return 1 - literal_performance({g: (lambda r, c=common[g]: c) for g in gates})

    found = S.importance(program, MODULES, TARGET, "constant", n_random=300, unit="module")
    assert [(s.module, s.layer, s.nodes, s.n_sets, s.exact) for s in found.subclusters] == [
        (0, -1, (4, 5, 6, 7), 210, True), (1, -1, (8, 9, 10, 11), 210, True), (2, -1, (12, 13), 45, True)]
    # an XOR module fixed: its XOR is 0, so is the output: G1's 4 rows lost
    assert found.subclusters[0].value == pytest.approx(drop([0, 1, 2, 3])) == pytest.approx(4 / 16)
    for s in found.subclusters:  # the percentile among every same-size set of the ten gates, by the literal rule
        others = [drop(c) for c in itertools.combinations(range(10), len(s.nodes))]
        assert s.percentile == pytest.approx(S.percentile(drop([v - 4 for v in s.nodes]), others))
    # input coherence: each XOR module's four gates depend on its two inputs alone (cosine 1); of the
    # 210 four-gate sets only the two modules reach 1, so the percentile is (208 + 2 / 2) / 210
    coh = S.coherence(program, MODULES, TARGET, "input", n_random=300, unit="module")
    assert [round(s.value, 9) for s in coh.subclusters] == [1.0, 1.0, 1.0]
    assert [s.percentile for s in coh.subclusters[:2]] == pytest.approx([209 / 210] * 2)
    with pytest.raises(ValueError, match="unit 'layer'"):
        S.importance(program, MODULES, TARGET, unit="layer")


def test_percentile_counts_ties_half():
    assert S.percentile(2.0, [1, 2, 3, 2]) == pytest.approx((1 + 2 / 2) / 4)
    assert S.percentile(5.0, [1, 2]) == 1.0 and S.percentile(0.0, [1, 2]) == 0.0
    assert S.mean_cosine(np.array([[1.0, 0], [0, 1.0], [1, 1]])) == pytest.approx((0 + 2 ** -0.5 * 2) / 3)
    assert S.mean_cosine(np.array([[0.0, 0], [1.0, 0]])) == 0.0
    assert math.isnan(S.mean_cosine(np.ones((1, 3))))


def test_bad_arguments_are_refused():
    program = g1_program()
    with pytest.raises(ValueError, match="ablation 'zero'"):
        S.importance(program, MODULES, TARGET, "zero")
    with pytest.raises(ValueError, match="coherence kind"):
        S.coherence(program, MODULES, TARGET, "middle")
    with pytest.raises(ValueError, match="targets: 8 rows"):
        S.importance(program, MODULES, TARGET[:8])

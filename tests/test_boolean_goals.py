"""The boolean benchmark goals and their presets, against literal Python definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from evomod import config as _config
from evomod.problems import goals as G
from evomod.problems.boolean import BOOLEAN_GOALS, majority, multiplexer, preset_gates
from evomod.problems.tasks import build
from evomod.representations.nand import kernels as C
from evomod.testing.kernels import evaluate_one


def _rows(n):
    """Every input row in textbook order: the first input is the most significant bit."""
    return list(itertools.product((0, 1), repeat=n))


def _mux(row, k):  # address a_{k-1}..a0 first, then d0..d_{2^k - 1}
    address = int("".join(map(str, row[:k])), 2)
    return row[k + address]


LITERAL = {  # name -> (number of inputs, per-row tuple of outputs), written without the expression parser
    "mux6": (6, lambda r: (_mux(r, 2),)),
    "mux11": (11, lambda r: (_mux(r, 3),)),
    **{f"parity{n}": (n, lambda r: (int(sum(r) % 2 == 0),)) for n in range(4, 9)},
    "majority5": (5, lambda r: (int(sum(r) >= 3),)),
    "majority7": (7, lambda r: (int(sum(r) >= 4),)),
    "fulladder": (3, lambda r: ((sum(r) >> 1) & 1, sum(r) & 1)),
    "adder2": (4, lambda r: tuple(int(b) for b in format(2 * r[0] + r[1] + 2 * r[2] + r[3], "03b"))),
}


def _literal_tables(name):
    n, fn = LITERAL[name]
    outs = np.array([fn(r) for r in _rows(n)])  # (rows, K)
    return np.stack([G.pack(outs[:, k]) for k in range(outs.shape[1])])


@pytest.mark.parametrize("name", sorted(BOOLEAN_GOALS))
def test_goal_tables_match_literal_definitions(name):
    goal = BOOLEAN_GOALS[name]
    got = np.stack([G.parse(e, goal.inputs) for e in goal.expressions])
    assert np.array_equal(got, _literal_tables(name))


@pytest.mark.parametrize("name", sorted(BOOLEAN_GOALS))
def test_presets_build_the_same_tables(name):
    config = _config.load(f"bool-{name}")
    task = build(config.task)
    assert np.array_equal(task.goals[name], _literal_tables(name))
    assert config.schedule.name == "fixed" and config.schedule.goals == [name]
    gates = preset_gates(BOOLEAN_GOALS[name].nand)
    assert config.representation.gates == gates == config.fitness.free_gates
    assert config.representation.feedforward


def test_spot_values():
    # a few rows by hand: 6-mux with a1 a0 = 10 reads d2; 2-bit adder 3 + 3 = 6 = 110
    t = G.unpack(G.parse(multiplexer(2).expressions[0], multiplexer(2).inputs), 6)
    assert t[0b10_0010] == 1 and t[0b10_1101] == 0
    add = BOOLEAN_GOALS["adder2"]
    bits = [G.unpack(G.parse(e, add.inputs), 4)[0b1111] for e in add.expressions]
    assert bits == [1, 1, 0]
    assert preset_gates(11) == 17 and preset_gates(30) == 45


def test_bad_sizes():
    with pytest.raises(ValueError):
        majority(6)
    with pytest.raises(ValueError):
        multiplexer(4)


def _mux_tree_genome(k):
    """A feed-forward NAND circuit of the 2^k:1 multiplexer, 3 (2^k - 1) + k gates:
    NOT of each address bit, then a tree of 2:1 muxes NAND(NAND(s, b), NAND(~s, a))."""
    n = k + (1 << k)
    loci: list[int] = []

    def gate(a, b):
        loci.extend([a, b])
        return n + len(loci) // 2 - 1

    nots = {j: gate(j, j) for j in range(k)}  # input j is a_{k-1-j}
    level = list(range(k, n))  # d0..d_{2^k-1}
    for j in reversed(range(k)):  # least significant address bit (input k-1) first
        level = [gate(gate(j, hi), gate(nots[j], lo)) for lo, hi in zip(level[::2], level[1::2])]
    return np.array(loci + [level[0]], dtype=C.GENOME_DTYPE), n, len(loci) // 2


def test_kernels_evaluate_eleven_inputs():
    """2048 rows (32 words): a hand-built 24-gate 11-multiplexer computes the goal on every row."""
    genome, n, gates = _mux_tree_genome(3)
    assert (n, gates) == (11, 24)
    spec = C.CircuitSpec(n, gates, 1, feedforward=True)
    assert np.all(genome[:-1] < spec.locus_high()[:-1])
    out, settled, n_eff = evaluate_one(genome, spec, G.input_tables(n), G.row_mask(n))
    assert out.shape == (1, 32) and n_eff == 24
    assert np.array_equal(out, _literal_tables("mux11"))
    assert np.array_equal(settled, G.row_mask(n))


def test_eleven_input_run_with_lexicase():
    """A short run of the 11-multiplexer preset: lexicase filters on 2048 cases over 32 words."""
    from evomod import engine

    config = _config.load("bool-mux11", ["selection.name=lexicase", "modularity.every=0"], population=40,
                          generations=3)
    result = engine.run(config)
    perf = result.records.columns()["best_performance"]
    assert perf.shape == (3,) and np.all((perf >= 0.5) & (perf <= 1.0))  # a best circuit beats the coin
    assert perf[-1] * 2048 == round(perf[-1] * 2048)  # a whole number of the 2048 cases

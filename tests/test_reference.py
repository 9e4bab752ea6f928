"""Check the pure-Python reference against facts worked out independently."""

import random

import networkx as nx
import pytest

from evomod.testing import reference as ref

# --- hand-built circuits ----------------------------------------------------

def _xor(a, b, base):
    """Gate loci of the 4-NAND XOR; its gates have addresses base..base+3.

    m = NAND(a, b); p = NAND(a, m); q = NAND(b, m); out = NAND(p, q).
    """
    m, p, q = base, base + 1, base + 2
    return [a, b, a, m, b, m, p, q]


def g1_circuit():
    """10 gates: XOR(x, y), XOR(z, w), then AND as NAND + NAND-as-NOT.

    Inputs x, y, z, w are addresses 0..3; gate g is address 4 + g.
    """
    loci = _xor(0, 1, 4)           # gates 0..3, XOR(x, y) at gate 3 (addr 7)
    loci += _xor(2, 3, 8)          # gates 4..7, XOR(z, w) at gate 7 (addr 11)
    loci += [7, 11]                # gate 8 = NAND of the two XORs (addr 12)
    loci += [12, 12]               # gate 9 = NOT gate 8 = AND (addr 13)
    return loci + [13]             # output reads gate 9


G1, G2 = ref.kashtan_alon_goals()


def test_input_row_convention():
    # Output k reads input k: its column must be bit N-1-k of the row index.
    n = 3
    outputs, settled = ref.evaluate_circuit([0, 1, 2], n, 0, 3, 1)
    assert all(settled)
    assert outputs == [((r >> 2) & 1, (r >> 1) & 1, r & 1) for r in range(8)]
    assert ref.input_values(0b100, 3) == (1, 0, 0)


def test_goal_tables():
    # Written out by hand, rows r = xyzw in binary.
    xor_xy = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    xor_zw = [0, 1, 1, 0] * 4
    assert [r[0] for r in G1] == [a & b for a, b in zip(xor_xy, xor_zw)]
    assert [r[0] for r in G2] == [a | b for a, b in zip(xor_xy, xor_zw)]
    assert sum(r[0] for r in G1) == 4 and sum(r[0] for r in G2) == 12


def test_xor_from_four_nands():
    genome = _xor(0, 1, 2) + [5]
    outputs, settled = ref.evaluate_circuit(genome, 2, 4, 1, 5)
    assert all(settled)
    assert outputs == [(0,), (1,), (1,), (0,)]
    assert ref.effective_gates(genome, 2, 4, 1) == {0, 1, 2, 3}
    assert ref.performance(genome, [0, 1, 1, 0], 2, 4, 1, 5) == 1.0
    assert ref.performance(genome, [1, 0, 0, 1], 2, 4, 1, 5) == 0.0


def test_g1_circuit_is_perfect_with_ten_effective_gates():
    genome = g1_circuit()
    assert ref.effective_gates(genome, 4, 10, 1) == set(range(10))
    assert ref.performance(genome, G1, 4, 10, 1, 11) == 1.0
    # 10 effective gates is under the threshold of 11: no cost.
    assert ref.fitness(genome, G1, 4, 10, 1, 11) == 1.0
    # G1 and G2 differ exactly where one XOR is 1 and the other 0: 8 of 16.
    assert ref.performance(genome, G2, 4, 10, 1, 11) == 0.5


def test_unused_gates_are_not_effective():
    # Two extra gates (10, 11) that nothing reads; gate 11 even reads gate 9.
    genome = g1_circuit()
    genome = genome[:-1] + [0, 1, 13, 14] + [13]
    assert ref.effective_gates(genome, 4, 12, 1) == set(range(10))
    assert ref.fitness(genome, G1, 4, 12, 1, 13) == 1.0


def test_size_penalty():
    # Route the output through two extra NOTs: same function, 12 effective.
    genome = g1_circuit()[:-1] + [13, 13, 14, 14] + [15]
    assert ref.effective_gates(genome, 4, 12, 1) == set(range(12))
    assert ref.performance(genome, G1, 4, 12, 1, 13) == 1.0
    assert ref.fitness(genome, G1, 4, 12, 1, 13) == pytest.approx(0.8)
    assert ref.fitness(genome, G1, 4, 12, 1, 13, penalty=0.5, threshold=10) == pytest.approx(0.0)


def test_self_loop_oscillator_never_settles():
    # N=1, G=1: g0 = NAND(g0, g0) alternates 1, 0, 1, ... in every row.
    genome = [1, 1, 1]
    for steps in (2, 3, 10, 11):
        outputs, settled = ref.evaluate_circuit(genome, 1, 1, 1, steps)
        assert settled == [False, False]
        assert outputs == [(steps % 2,)] * 2
        for goal in ([0, 0], [1, 1], [0, 1]):
            assert ref.performance(genome, goal, 1, 1, 1, steps) == 0.0


def test_unused_oscillator_does_not_block_settling():
    # Gate 1 oscillates but nothing reads it; output reads gate 0 = NOT a.
    genome = [0, 0, 2, 2, 1]
    outputs, settled = ref.evaluate_circuit(genome, 1, 2, 1, 3)
    assert settled == [True, True]
    assert outputs == [(1,), (0,)]


def test_cycle_that_settles():
    # N=1 (input a = addr 0), G=3 (addresses 1, 2, 3):
    #   g0 = NAND(a, a)   = NOT a
    #   g1 = NAND(a, g2)  } a real cycle g1 <-> g2
    #   g2 = NAND(g0, g1) }
    # output reads g1.
    # Row a=0, states (g0, g1, g2) from (0,0,0):
    #   step1 (1,1,1)  step2 (1,1,0)  step3 (1,1,0)  step4 (1,1,0)
    # Row a=1:
    #   step1 (0,1,1)  step2 (0,0,1)  step3 (0,0,1)  step4 (0,0,1)
    # Both rows stop changing after step 2 (step2 == step3): output is NOT a.
    genome = [0, 0, 0, 3, 1, 2, 2]
    assert ref.effective_gates(genome, 1, 3, 1) == {0, 1, 2}
    outputs, settled = ref.evaluate_circuit(genome, 1, 3, 1, 4)
    assert settled == [True, True]
    assert outputs == [(1,), (0,)]
    assert ref.performance(genome, [1, 0], 1, 3, 1, 4) == 1.0
    # T = 2 is too early in both rows (step1 != step2); T = 3 is enough.
    assert ref.evaluate_circuit(genome, 1, 3, 1, 2)[1] == [False, False]
    assert ref.evaluate_circuit(genome, 1, 3, 1, 3)[1] == [True, True]


def test_nand_latch_hold_row_oscillates():
    # Cross-coupled NAND (SR) latch, inputs a = addr 0, b = addr 1:
    #   g0 = NAND(a, g1), g1 = NAND(b, g0); output reads g0.
    # Trace of (g0, g1) from (0, 0):
    #   a=0 b=0: (1,1) (1,1) (1,1)          settled, out 1
    #   a=0 b=1: (1,1) (1,0) (1,0)          settled, out 1
    #   a=1 b=0: (1,1) (0,1) (0,1)          settled, out 0
    #   a=1 b=1: (1,1) (0,0) (1,1) ...      period 2: the synchronous
    #            start is symmetric, so the hold row never settles.
    genome = [0, 3, 1, 2, 2]
    outputs, settled = ref.evaluate_circuit(genome, 2, 2, 1, 3)
    assert settled == [True, True, True, False]
    assert outputs == [(1,), (1,), (0,), (1,)]
    # Row 3's value matches this goal, but an unsettled row is always wrong.
    assert ref.performance(genome, [1, 1, 0, 1], 2, 2, 1, 3) == 0.75
    assert ref.performance(genome, [0, 0, 1, 0], 2, 2, 1, 3) == 0.0


def test_multi_output_performance_counts_pairs():
    # K=2: output 0 = NAND(a, b), output 1 = input a; goal right on 3 of 8 pairs.
    genome = [0, 1, 2, 0]
    outputs, _ = ref.evaluate_circuit(genome, 2, 1, 2, 2)
    assert outputs == [(1, 0), (1, 0), (1, 1), (0, 1)]
    goal = [(1, 1), (0, 1), (1, 0), (0, 0)]
    assert ref.performance(genome, goal, 2, 1, 2, 2) == 3 / 8


def test_bad_inputs_raise():
    with pytest.raises(ValueError):
        ref.evaluate_circuit([0, 0], 1, 1, 1, 2)          # wrong length
    with pytest.raises(ValueError):
        ref.evaluate_circuit([0, 0, 2], 1, 1, 1, 2)       # address 2 >= N + G
    with pytest.raises(ValueError):
        ref.performance([0, 0, 1], [0, 1, 1], 1, 1, 1, 2)  # wrong goal length
    with pytest.raises(ValueError):
        ref.evaluate_circuit([0, 0, 1], 1, 1, 1, 0)       # no steps


# --- random genomes against independent computations --------------------------

def random_genome(rnd, n, g, k, feedforward=False):
    return [rnd.randrange(h) for h in ref.locus_upper_bounds(n, g, k, feedforward)]


def read_graph(genome, n, g, k):
    """Directed graph with an edge source -> reader for every locus."""
    graph = nx.DiGraph()
    graph.add_nodes_from(("addr", a) for a in range(n + g))
    for gate in range(g):
        for src in genome[2 * gate: 2 * gate + 2]:
            graph.add_edge(("addr", src), ("addr", n + gate))
    for out in range(k):
        graph.add_edge(("addr", genome[2 * g + out]), ("out", out))
    return graph


SHAPES = [(1, 1, 1), (2, 3, 1), (4, 12, 1), (4, 15, 2), (6, 20, 3), (10, 8, 1)]


@pytest.mark.parametrize("n,g,k", SHAPES)
def test_effective_gates_match_networkx_ancestors(n, g, k):
    rnd = random.Random(1000 * n + g)
    for _ in range(200):
        genome = random_genome(rnd, n, g, k)
        graph = read_graph(genome, n, g, k)
        expected = set()
        for out in range(k):
            for kind, a in nx.ancestors(graph, ("out", out)):
                if kind == "addr" and a >= n:
                    expected.add(a - n)
        assert ref.effective_gates(genome, n, g, k) == expected


def topological_outputs(genome, n, g, k, inputs):
    """Direct recursive evaluation of a feedforward circuit (no time steps)."""
    cache = {}

    def val(a):
        if a < n:
            return inputs[a]
        if a not in cache:
            gate = a - n
            cache[a] = 1 - (val(genome[2 * gate]) & val(genome[2 * gate + 1]))
        return cache[a]

    return tuple(val(genome[2 * g + out]) for out in range(k))


@pytest.mark.parametrize("n,g,k", [(2, 3, 1), (4, 12, 1), (4, 15, 2), (5, 10, 3)])
def test_feedforward_circuits_settle_to_topological_values(n, g, k):
    # An acyclic circuit's depth is at most G, so T = G + 1 must settle every
    # row on the combinational value.
    rnd = random.Random(7 * n + g)
    for _ in range(100):
        genome = random_genome(rnd, n, g, k, feedforward=True)
        outputs, settled = ref.evaluate_circuit(genome, n, g, k, g + 1)
        assert all(settled)
        for row in range(2**n):
            assert outputs[row] == topological_outputs(
                genome, n, g, k, ref.input_values(row, n))


def test_feedforward_bounds():
    assert ref.locus_upper_bounds(2, 3, 2, feedforward=True) == [2, 2, 3, 3, 4, 4, 5, 5]
    assert ref.locus_upper_bounds(2, 3, 2) == [5] * 8


def test_default_settle_steps_is_g_plus_one():
    rnd = random.Random(3)
    for _ in range(50):
        genome = random_genome(rnd, 4, 12, 1)
        assert ref.evaluate_circuit(genome, 4, 12, 1) == ref.evaluate_circuit(genome, 4, 12, 1, 13)

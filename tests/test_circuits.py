"""evomod.representations.nand.kernels: the bit-parallel kernels against evomod.testing.reference (the
literal rule), networkx, hand-built circuits and binomial expectations."""

import networkx as nx
import numpy as np
import pytest
from conftest import evaluate_population, mutate_population

from evomod import rng
from evomod.problems.goals import input_tables, parse, row_mask
from evomod.representations.nand import kernels as C
from evomod.testing import reference as ref
from evomod.testing.kernels import count_correct, evaluate_one

XYZW = ["x", "y", "z", "w"]


# --- helpers (independent of the kernels) ---------------------------------------

def random_population(seed, size, n, g, k, feedforward=False):
    """Genomes drawn with numpy inside reference.locus_upper_bounds."""
    gen = np.random.default_rng(seed)
    high = ref.locus_upper_bounds(n, g, k, feedforward)
    pop = np.stack([gen.integers(0, h, size) for h in high], axis=1)
    return pop.astype(np.int16)


def cyclic_population(seed, size, n, g, k):
    """Genomes biased towards feedback: gates read gates 90% of the time."""
    gen = np.random.default_rng(seed)
    pop = np.empty((size, 2 * g + k), dtype=np.int16)
    for i in range(size):
        for j in range(2 * g + k):
            if gen.random() < 0.9 or j >= 2 * g:
                pop[i, j] = n + gen.integers(0, g)
            else:
                pop[i, j] = gen.integers(0, n)
    return pop


def bit(words, r):
    return int((int(words[r // 64]) >> (r % 64)) & 1)


def run_evaluate(pop, n, g, k, t, todo=None):
    a = evaluate_population(pop, n, g, k, t, todo=todo)
    return a["out_tables"], a["settled"], a["n_effective"], a["todo"]


def is_cyclic_effective(genome, n, g, k):
    eff = ref.effective_gates(list(genome), n, g, k)
    graph = nx.DiGraph()
    graph.add_nodes_from(eff)
    for gate in eff:
        for src in genome[2 * gate: 2 * gate + 2]:
            if src >= n:
                graph.add_edge(int(src) - n, gate)
    return not nx.is_directed_acyclic_graph(graph)


# --- kernel == literal reference ----------------------------------------------------

CASES = [
    # (N, G, K, T, feedforward, size)
    (1, 1, 1, 2, False, 20),
    (1, 3, 1, 4, False, 60),
    (1, 3, 2, 9, False, 60),
    (2, 4, 2, 5, False, 60),
    (2, 4, 1, 6, False, 60),
    (3, 5, 1, 8, False, 60),
    (3, 5, 1, 21, False, 60),     # T far above G + 1: long oscillations resolved by parity
    (4, 12, 1, 13, False, 60),    # the paper's shape, T = G + 1 (odd)
    (4, 12, 3, 14, False, 40),    # even T, K > 1
    (4, 12, 1, 13, True, 40),
    (5, 6, 2, 7, True, 30),
    (7, 8, 2, 9, False, 25),      # N = 7: two words
    (7, 8, 1, 12, False, 20),
    (10, 6, 1, 7, False, 6),      # 16 words
    (10, 6, 2, 8, True, 4),
]


@pytest.mark.parametrize("n,g,k,t,ff,size", CASES)
def test_evaluate_matches_reference(n, g, k, t, ff, size):
    seed = 1000 * n + 100 * g + 10 * k + t + ff
    pop = random_population(seed, size, n, g, k, ff)
    if not ff:  # make sure plenty of the circuits have feedback
        pop = np.concatenate([pop, cyclic_population(seed + 1, size // 2, n, g, k)])
    out, settled, n_eff, todo = run_evaluate(pop, n, g, k, t)
    assert not todo.any()
    mask = row_mask(n)
    n_cyclic = n_unsettled = 0
    for i, genome in enumerate(pop):
        gl = [int(v) for v in genome]
        outputs, ok = ref.evaluate_circuit(gl, n, g, k, t)
        assert int(n_eff[i]) == len(ref.effective_gates(gl, n, g, k)), gl
        for r in range(1 << n):
            assert bit(settled[i], r) == int(ok[r]), (gl, r)
            for o in range(k):
                assert bit(out[i, o], r) == outputs[r][o], (gl, r, o)
        # Padding bits beyond 2**N stay 0.
        assert not (settled[i] & ~mask).any()
        assert not (out[i] & ~mask).any()
        n_cyclic += is_cyclic_effective(gl, n, g, k)
        n_unsettled += not all(ok)
    if ff:
        assert n_cyclic == 0 and n_unsettled == 0
    elif g > 1:
        assert n_cyclic > 0 and n_unsettled > 0  # the hard cases were exercised


@pytest.mark.parametrize("n,g,k,t,ff,size", [c for c in CASES if c[0] <= 7])
def test_score_counts_match_reference_performance(n, g, k, t, ff, size):
    seed = 7 * n + g + t
    pop = random_population(seed, size, n, g, k, ff)
    if not ff:
        pop = np.concatenate([pop, cyclic_population(seed + 1, size // 2, n, g, k)])
    gen = np.random.default_rng(seed)
    goal_bits = gen.integers(0, 2, (1 << n, k))
    goal_rows = [tuple(int(v) for v in row) for row in goal_bits]
    # Pack the goal by hand: bit r of word r // 64.
    w = ((1 << n) + 63) // 64
    target = np.zeros((k, w), dtype=np.uint64)
    for r in range(1 << n):
        for o in range(k):
            if goal_bits[r, o]:
                target[o, r // 64] |= np.uint64(1 << (r % 64))
    out, settled, _, _ = run_evaluate(pop, n, g, k, t)
    correct = count_correct(out, settled, target)
    for i, genome in enumerate(pop):
        perf = ref.performance([int(v) for v in genome], goal_rows, n, g, k, t)
        assert correct[i] == round(perf * (1 << n) * k)


def test_evaluate_only_todo_rows_and_clears_flag():
    n, g, k, t = 4, 12, 1, 13
    pop = random_population(3, 30, n, g, k)
    todo = np.zeros(30, dtype=np.bool_)
    todo[::3] = True
    w = 1
    sentinel = np.uint64(0xDEADBEEF)
    out = np.full((30, k, w), sentinel, dtype=np.uint64)
    settled = np.full((30, w), sentinel, dtype=np.uint64)
    n_eff = np.full(30, -7, dtype=np.int64)
    evaluate_population(pop, n, g, k, t, todo=todo, out_tables=out, settled=settled, n_effective=n_eff)
    assert not todo.any()
    for i in range(30):
        if i % 3:
            assert (out[i] == sentinel).all() and (settled[i] == sentinel).all() and n_eff[i] == -7
        else:
            outputs, ok = ref.evaluate_circuit([int(v) for v in pop[i]], n, g, k, t)
            assert [bit(out[i, 0], r) for r in range(16)] == [o[0] for o in outputs]
            assert [bit(settled[i], r) for r in range(16)] == [int(v) for v in ok]
            assert n_eff[i] == len(ref.effective_gates([int(v) for v in pop[i]], n, g, k))


# --- hand-built circuits ----------------------------------------------------------------

def _xor(a, b, base):
    """m = NAND(a,b); p = NAND(a,m); q = NAND(b,m); out = NAND(p,q) at base+3."""
    m, p, q = base, base + 1, base + 2
    return [a, b, a, m, b, m, p, q]


def g1_genome():
    loci = _xor(0, 1, 4) + _xor(2, 3, 8) + [7, 11] + [12, 12]
    return np.array(loci + [13], dtype=np.int16)


def test_xor_from_four_nands():
    genome = np.array(_xor(0, 1, 2) + [5], dtype=np.int16)
    spec = C.CircuitSpec(2, 4, 1)
    out, settled, n_eff = evaluate_one(genome, spec, input_tables(2), row_mask(2))
    # Rows (x, y) = 00, 01, 10, 11 -> 0, 1, 1, 0 -> bits 1 and 2 -> 0b0110.
    assert out.tolist() == [[0b0110]]
    assert settled.tolist() == [0b1111]
    assert n_eff == 4


def test_g1_circuit_is_perfect():
    genome = g1_genome()
    spec = C.CircuitSpec(4, 10, 1)
    out, settled, n_eff = evaluate_one(genome, spec, input_tables(4), row_mask(4))
    target = parse("(x ^ y) & (w ^ z)", XYZW).reshape(1, 1)
    correct = count_correct(out.reshape(1, 1, 1), settled.reshape(1, 1), target)
    assert correct[0] == 16
    assert n_eff == 10
    # G2 differs from G1 on exactly 8 rows (one XOR 1, the other 0).
    correct = count_correct(out.reshape(1, 1, 1), settled.reshape(1, 1),
                            parse("(x ^ y) | (w ^ z)", XYZW).reshape(1, 1))
    assert correct[0] == 8


@pytest.mark.parametrize("t", [2, 3, 8, 11])
def test_self_loop_oscillator_never_settles(t):
    genome = np.array([1, 1, 1], dtype=np.int16)  # g0 = NAND(g0, g0)
    spec = C.CircuitSpec(1, 1, 1, settle_steps=t)
    out, settled, n_eff = evaluate_one(genome, spec, input_tables(1), row_mask(1))
    assert settled.tolist() == [0]
    assert n_eff == 1
    # Alternates 1, 0, 1, ...: after step T it is T % 2, in both rows.
    assert out.tolist() == [[0b11 if t % 2 else 0]]
    for goal in (0b00, 0b11, 0b01, 0b10):
        correct = count_correct(out.reshape(1, 1, 1), settled.reshape(1, 1), np.array([[goal]], dtype=np.uint64))
        assert correct[0] == 0


def test_nand_latch_hold_row_never_settles():
    # g0 = NAND(a, g1), g1 = NAND(b, g0); (a, b) = (1, 1) oscillates (0,0) <-> (1,1)
    # from the symmetric all-zero start; the other rows settle (out 1, 1, 0).
    genome = np.array([0, 3, 1, 2, 2], dtype=np.int16)
    for t in (3, 4, 9, 10):
        spec = C.CircuitSpec(2, 2, 1, settle_steps=t)
        out, settled, _ = evaluate_one(genome, spec, input_tables(2), row_mask(2))
        assert settled.tolist() == [0b0111]
        # Row 3 after step T: (0,0) at even steps, (1,1) at odd steps.
        assert out.tolist() == [[0b0011 | ((t % 2) << 3)]]


def test_unused_oscillator_does_not_block_settling():
    genome = np.array([0, 0, 2, 2, 1], dtype=np.int16)  # g1 oscillates, unread
    spec = C.CircuitSpec(1, 2, 1)
    out, settled, n_eff = evaluate_one(genome, spec, input_tables(1), row_mask(1))
    assert settled.tolist() == [0b11] and out.tolist() == [[0b01]] and n_eff == 1


# --- effective gates and describe -----------------------------------------------------------

def test_effective_gates_match_networkx():
    gen = np.random.default_rng(11)
    for n, g, k, ff in [(4, 12, 1, False), (3, 20, 3, False), (10, 8, 2, True), (1, 5, 1, False)]:
        spec = C.CircuitSpec(n, g, k, ff)
        for genome in random_population(int(gen.integers(1 << 30)), 100, n, g, k, ff):
            graph = nx.DiGraph()
            graph.add_nodes_from(range(n + g + k))
            for gate in range(g):
                for src in genome[2 * gate: 2 * gate + 2]:
                    graph.add_edge(int(src), n + gate)
            for o in range(k):
                graph.add_edge(int(genome[2 * g + o]), n + g + o)
            want = set()
            for o in range(k):
                want |= {a - n for a in nx.ancestors(graph, n + g + o) if n <= a < n + g}
            got = C.effective_gates(genome, spec)
            assert len(got) == len(set(got))
            assert set(got) == want
            if not is_cyclic_effective(genome, n, g, k):
                # "sources first": every effective gate comes after the gates it reads
                pos = {gate: i for i, gate in enumerate(got)}
                for gate in got:
                    for src in genome[2 * gate: 2 * gate + 2]:
                        if src >= n:
                            assert pos[int(src) - n] < pos[gate]


def test_describe_hand_built_genome():
    # N=2 (a, b), G=5: XOR in gates 0..3, gate 4 unused (reads gate 3).
    genome = np.array(_xor(0, 1, 2) + [5, 0] + [5], dtype=np.int16)
    spec = C.CircuitSpec(2, 5, 1)
    assert C.effective_gates(genome, spec)[0] == 0
    assert C.effective_gates(genome, spec)[-1] == 3
    assert sorted(C.effective_gates(genome, spec)) == [0, 1, 2, 3]
    lines = C.describe(genome, spec, ["a", "b"])
    assert lines[-1] == "out0 = g3"
    assert sorted(lines[:-1]) == sorted([
        "g0 = NAND(a, b)", "g1 = NAND(a, g0)", "g2 = NAND(b, g0)", "g3 = NAND(g1, g2)"])
    assert lines[3] == "g3 = NAND(g1, g2)" and lines[0] == "g0 = NAND(a, b)"
    # Without names, inputs are in0, in1; an output reading an input directly.
    genome2 = np.array([0, 1, 1], dtype=np.int16)
    assert C.describe(genome2, C.CircuitSpec(2, 1, 1), None) == ["out0 = in1"]


# --- spec ---------------------------------------------------------------------------------------

def test_circuit_spec_rules():
    spec = C.CircuitSpec(4, 12, 1)
    assert spec.settle_steps == 13
    assert (spec.n_loci, spec.n_rows, spec.n_words) == (25, 16, 1)
    assert C.CircuitSpec(7, 3, 2).n_words == 2
    assert C.CircuitSpec(10, 3, 2).n_words == 16
    assert C.CircuitSpec(11, 3, 2).n_words == 32
    assert C.CircuitSpec(4, 12, 1, settle_steps=13).settle_steps == 13
    with pytest.raises(ValueError):
        C.CircuitSpec(4, 12, 1, settle_steps=12)
    with pytest.raises(ValueError):
        C.CircuitSpec(4, 12, 1, settle_steps=5)
    with pytest.raises(ValueError):
        C.CircuitSpec(12, 3, 1)
    with pytest.raises(ValueError):
        C.CircuitSpec(0, 3, 1)


@pytest.mark.parametrize("n,g,k,ff", [(4, 12, 1, False), (4, 12, 1, True), (2, 3, 4, True), (10, 7, 2, False)])
def test_locus_high_matches_reference(n, g, k, ff):
    assert C.CircuitSpec(n, g, k, ff).locus_high().tolist() == ref.locus_upper_bounds(n, g, k, ff)


def test_random_genomes_cover_range_uniformly():
    spec = C.CircuitSpec(3, 5, 2, feedforward=True)
    high = spec.locus_high()
    pop = C.random_genomes(20_000, high, rng.new_state(np.random.SeedSequence(8)))
    assert pop.dtype == np.int16 and pop.shape == (20_000, spec.n_loci)
    for j, h in enumerate(ref.locus_upper_bounds(3, 5, 2, True)):
        counts = np.bincount(pop[:, j], minlength=h)
        assert counts.shape == (h,)  # nothing >= h
        # each value 20000/h, within 5 binomial sigmas
        p = 1 / h
        sigma = np.sqrt(20_000 * p * (1 - p))
        assert np.all(np.abs(counts - 20_000 * p) < 5 * sigma + 1e-9), (j, counts)


# --- variation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("ff", [False, True])
def test_mutate_pm_one(ff):
    n, g, k = 4, 12, 1
    spec = C.CircuitSpec(n, g, k, ff)
    high = spec.locus_high()
    size = 4000
    pop = random_population(5, size, n, g, k, ff)
    orig = pop.copy()
    keep = np.random.default_rng(6).random(size) < 0.3
    stale = np.zeros(size, dtype=np.bool_)
    mutate_population(pop, keep, 1.0, high, rng.new_state(np.random.SeedSequence(1)), stale, g)
    bounds = np.array(ref.locus_upper_bounds(n, g, k, ff))
    assert (pop >= 0).all() and (pop < bounds).all()
    diff = (pop != orig).sum(axis=1)
    assert (diff[keep] == 0).all()
    assert (diff[~keep] <= 1).all()
    # every row not kept is redrawn; stale are exactly those whose genome changed
    # (a redraw to the address the locus held leaves the row's evaluation valid)
    assert np.array_equal(stale, diff > 0)
    # A redraw can land on the old value: P(changed) = mean over loci of 1 - 1/high.
    p_change = float(np.mean(1 - 1 / bounds))
    m = int((~keep).sum())
    changed = int((diff[~keep] == 1).sum())
    assert abs(changed - m * p_change) < 5 * np.sqrt(m * p_change * (1 - p_change))
    # The mutated locus is uniform over loci (25 loci, ~ changed/25 each).
    which = np.argmax(pop != orig, axis=1)[diff == 1]
    counts = np.bincount(which, minlength=spec.n_loci)
    # (feed-forward gate 0 reads only inputs: same bound for all, still > 0 hits)
    assert (counts > 0).all()


def test_mutate_pm_fraction_and_zero():
    n, g, k = 4, 12, 1
    high = C.CircuitSpec(n, g, k).locus_high()
    size = 40_000
    pop = random_population(9, size, n, g, k)
    orig = pop.copy()
    keep = np.zeros(size, dtype=np.bool_)
    stale = np.zeros(size, dtype=np.bool_)
    mutate_population(pop, keep, 0.7, high, rng.new_state(np.random.SeedSequence(2)), stale, g)
    changed = (pop != orig).any(axis=1)
    assert np.array_equal(changed, stale)  # exactly the rows whose genome changed are stale
    # P(changed) = pm * P(the redraw differs) = 0.7 * (1 - 1/16): every locus has 16 addresses
    p = 0.7 * (1 - 1 / 16)
    sigma = np.sqrt(p * (1 - p) / size)  # ~0.0024
    assert abs(stale.mean() - p) < 5 * sigma
    assert ((pop != orig).sum(axis=1) <= 1).all()
    # pm = 0: nothing happens
    pop2 = orig.copy()
    stale2 = np.zeros(size, dtype=np.bool_)
    mutate_population(pop2, keep, 0.0, high, rng.new_state(np.random.SeedSequence(2)), stale2, g)
    assert np.array_equal(pop2, orig) and not stale2.any()


def test_crossover_pc_zero_is_identity():
    pop = random_population(4, 500, 4, 12, 1)
    orig = pop.copy()
    stale = np.zeros(500, dtype=np.bool_)
    C.crossover(pop, np.zeros(500, dtype=np.bool_), 0.0, rng.new_state(np.random.SeedSequence(3)), stale)
    assert np.array_equal(pop, orig) and not stale.any()


def test_crossover_pc_one_prefix_suffix():
    size = 300
    pop = random_population(12, size, 4, 12, 1)
    orig = pop.copy()
    keep = np.zeros(size, dtype=np.bool_)
    keep[:50] = True
    stale = np.zeros(size, dtype=np.bool_)
    C.crossover(pop, keep, 1.0, rng.new_state(np.random.SeedSequence(4)), stale)
    n_loci = pop.shape[1]
    assert np.array_equal(pop[keep], orig[keep])
    assert np.array_equal(stale, ~keep)
    n_changed = 0
    for i in np.flatnonzero(~keep):
        ok = False
        for cut in range(1, n_loci):
            if not np.array_equal(pop[i, :cut], orig[i, :cut]):
                break
            if (orig[:, cut:] == pop[i, cut:]).all(axis=1).any():
                ok = True
                break
        assert ok, i
        n_changed += not np.array_equal(pop[i], orig[i])
    assert n_changed > 0.8 * (size - 50)  # random partners: almost always a change


def test_evaluate_more_than_64_gates_matches_reference():
    # G > 64 cannot use a one-word bit set of gates; check that path too.
    n, g, k, t = 2, 70, 2, 71
    pop = np.concatenate([random_population(70, 12, n, g, k), cyclic_population(71, 6, n, g, k),
                          random_population(72, 6, n, g, k, True)])
    out, settled, n_eff, _ = run_evaluate(pop, n, g, k, t)
    for i, genome in enumerate(pop):
        gl = [int(v) for v in genome]
        outputs, ok = ref.evaluate_circuit(gl, n, g, k, t)
        assert n_eff[i] == len(ref.effective_gates(gl, n, g, k))
        assert [bit(settled[i], r) for r in range(4)] == [int(v) for v in ok]
        assert [[bit(out[i, o], r) for o in range(k)] for r in range(4)] == [list(o) for o in outputs]


@pytest.mark.parametrize("n,g,k,ff", [(4, 12, 1, False), (3, 8, 2, True), (2, 70, 1, False)])
def test_incremental_evaluation_stays_exact(n, g, k, ff):
    """Evaluate once, then repeatedly mutate (pm = 1) and re-evaluate only the
    rows flagged stale: every row's tables must equal the reference's for its
    current genome (a mutation may be skipped only if it cannot matter)."""
    t = g + 1
    size = 60 if g < 64 else 15
    pop = random_population(n * g, size, n, g, k, ff)
    arrays = evaluate_population(pop, n, g, k, t)
    high = C.CircuitSpec(n, g, k, ff).locus_high()
    state = rng.new_state(np.random.SeedSequence(n + g))
    keep = np.zeros(size, dtype=np.bool_)
    keep[:5] = True
    for _ in range(8):
        before = pop.copy()
        stale = arrays["todo"]
        assert not stale.any()
        mutate_population(pop, keep, 1.0, high, state, stale, g, effective=arrays["effective"])
        for i in range(size):
            changed = np.flatnonzero(pop[i] != before[i])
            if changed.size:
                j = int(changed[0])
                eff = ref.effective_gates([int(v) for v in before[i]], n, g, k)
                if j >= 2 * g or j // 2 in eff:  # a read of an effective gate or an output moved
                    assert stale[i], (i, j)
        evaluate_population(pop, n, g, k, t, **{key: arrays[key] for key in
                            ("todo", "out_tables", "settled", "n_effective", "effective")})
        for i in range(size):
            gl = [int(v) for v in pop[i]]
            outputs, ok = ref.evaluate_circuit(gl, n, g, k, t)
            assert arrays["n_effective"][i] == len(ref.effective_gates(gl, n, g, k))
            for r in range(1 << n):
                assert bit(arrays["settled"][i], r) == int(ok[r])
                for o in range(k):
                    assert bit(arrays["out_tables"][i, o], r) == outputs[r][o]


def test_mutate_never_clears_stale_flags():
    n, g, k = 4, 12, 1
    pop = random_population(21, 200, n, g, k)
    high = C.CircuitSpec(n, g, k).locus_high()
    keep = np.zeros(200, dtype=np.bool_)
    keep[::2] = True
    stale = np.ones(200, dtype=np.bool_)
    mutate_population(pop, keep, 1.0, high, rng.new_state(np.random.SeedSequence(0)), stale, g,
                      effective=np.zeros(200, dtype=np.uint64))
    assert stale.all()

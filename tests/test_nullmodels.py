"""evomod.modularity (null models): the swap chain against brute-force enumeration of every
realisation of small degree sequences and against networkx; Q_rand and Q_max
against exhaustive search on small graphs; Q_m's known values, cache and
edge cases."""

import json
import math
import warnings
from collections import Counter

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evomod import modularity, rng
from evomod.modularity import normalised, nullmodel, swaps


def state(seed=0):
    return rng.new_state(np.random.SeedSequence(seed))


def random_graph(n, p, directed, seed):
    r = np.random.default_rng(seed)
    A = (r.random((n, n)) < p).astype(np.float64)
    np.fill_diagonal(A, 0.0)
    if not directed:
        A = np.triu(A, 1)
        A = A + A.T
    return A


def degrees(A):
    """(out, in) with self-loops left out: what the null model must keep."""
    A = np.asarray(A, dtype=np.float64)
    off = A - np.diag(np.diagonal(A))
    return off.sum(axis=1), off.sum(axis=0)


def two_cliques(k, directed=False):
    return np.kron(np.eye(2), np.ones((k, k)) - np.eye(k))


# --- brute force: every simple graph on a few nodes ------------------------------------

def all_graphs(n, directed):
    """Every simple graph on n nodes: (pairs, bits (G, P) uint8, out (G, n), in (G, n))."""
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j and (directed or i < j)]
    masks = np.arange(2 ** len(pairs), dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(len(pairs))) & 1).astype(np.int32)
    inc_out = np.zeros((len(pairs), n), dtype=np.int32)
    inc_in = np.zeros((len(pairs), n), dtype=np.int32)
    for k, (i, j) in enumerate(pairs):
        inc_out[k, i] = inc_in[k, j] = 1
        if not directed:
            inc_out[k, j] = inc_in[k, i] = 1
    return pairs, bits, bits @ inc_out, bits @ inc_in


def to_matrix(n, pairs, row, directed):
    A = np.zeros((n, n))
    for k, (i, j) in enumerate(pairs):
        if row[k]:
            A[i, j] = 1.0
            if not directed:
                A[j, i] = 1.0
    return A


def code(A, pairs):
    return tuple(int(A[i, j]) for i, j in pairs)


def sequence_ids(dout, din):
    """One integer per graph naming its (labelled) degree sequence."""
    n = dout.shape[1]
    base = (n + 1) ** np.arange(2 * n, dtype=np.int64)
    return np.concatenate([dout, din], axis=1).astype(np.int64) @ base


def realisations(n, directed, first):
    """Every realisation (as edge-bit tuples) of the degree sequence of graph ``first``."""
    pairs, bits, dout, din = all_graphs(n, directed)
    ids = sequence_ids(dout, din)
    return pairs, [tuple(r) for r in bits[ids == ids[first]]]


def chi2_pvalue(stat, df):
    """P(X > stat), X ~ chi-square(df), by the Wilson–Hilferty cube-root normal
    approximation (accurate to ~1e-3 in p for df >= 3)."""
    z = ((stat / df) ** (1.0 / 3.0) - (1.0 - 2.0 / (9.0 * df))) / math.sqrt(2.0 / (9.0 * df))
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# --- randomise -----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(2, 20), st.floats(0.0, 0.9), st.booleans(), st.integers(0, 2**31),
       st.integers(-1, 400))
def test_randomise_keeps_every_degree_and_stays_simple(n, p, directed, seed, n_swaps):
    A = random_graph(n, p, directed, seed)
    B = modularity.randomise(A, directed, n_swaps, state(seed))
    assert B.shape == A.shape and B.dtype == A.dtype
    assert set(np.unique(B)) <= {0.0, 1.0}  # no multi-edges in a 0/1 matrix
    assert not np.diagonal(B).any()  # no self-loops made
    if not directed:
        assert np.array_equal(B, B.T)
    for before, after in zip(degrees(A), degrees(B)):
        assert np.array_equal(before, after)
    assert B.sum() == A.sum()


def test_randomise_does_not_touch_input_and_binarises_weights():
    A = random_graph(12, 0.3, True, 1) * 2.5
    keep = A.copy()
    B = modularity.randomise(A, True, -1, state(1))
    assert np.array_equal(A, keep)
    assert set(np.unique(B)) <= {0.0, 1.0}
    assert np.array_equal(degrees(B)[0], degrees(A > 0)[0])


def test_randomise_pins_self_loops():
    A = random_graph(10, 0.4, False, 2)
    A[3, 3] = A[7, 7] = 1.0
    B = modularity.randomise(A, False, 500, state(2))
    assert np.array_equal(np.diagonal(B), np.diagonal(A))
    assert np.array_equal(degrees(B)[0], degrees(A)[0])


@pytest.mark.parametrize("directed", [False, True])
def test_randomise_moves_away_from_the_input(directed):
    A = random_graph(16, 0.2, directed, 3)
    B = modularity.randomise(A, directed, -1, state(3))
    # 10 m swap attempts on a sparse graph: most edges move
    assert (A != B).sum() > 0.3 * A.sum()


@pytest.mark.parametrize("directed", [False, True])
def test_same_state_same_graph(directed):
    A = random_graph(14, 0.3, directed, 4)
    B1 = modularity.randomise(A, directed, -1, state(9))
    B2 = modularity.randomise(A, directed, -1, state(9))
    assert np.array_equal(B1, B2)


def test_degrees_match_networkx_edge_swaps():
    """networkx's swaps (a slow but correct oracle) keep exactly what ours keep."""
    for seed in range(5):
        A = random_graph(16, 0.15, True, 10 + seed)
        G = nx.from_numpy_array(A, create_using=nx.DiGraph)
        m = G.number_of_edges()
        H = nx.directed_edge_swap(G.copy(), nswap=m, max_tries=100 * m, seed=seed)
        ref = nx.to_numpy_array(H, nodelist=range(16))
        B = modularity.randomise(A, True, -1, state(seed))
        assert np.array_equal(B.sum(axis=1), ref.sum(axis=1))
        assert np.array_equal(B.sum(axis=0), ref.sum(axis=0))

        U = random_graph(16, 0.25, False, 20 + seed)
        G = nx.from_numpy_array(U)
        m = G.number_of_edges()
        H = nx.double_edge_swap(G.copy(), nswap=m, max_tries=100 * m, seed=seed)
        ref = nx.to_numpy_array(H, nodelist=range(16))
        B = modularity.randomise(U, False, -1, state(seed))
        assert np.array_equal(B.sum(axis=1), ref.sum(axis=1))


@pytest.mark.parametrize("n,directed", [(5, False), (4, True)])
def test_chain_reaches_every_realisation_of_every_sequence(n, directed):
    """For every degree sequence on n nodes with several realisations, enough
    independent chains visit all of them (realisations found by brute force)."""
    pairs, bits, dout, din = all_graphs(n, directed)
    ids = sequence_ids(dout, din)
    order = np.argsort(ids, kind="stable")
    st_ = state(5)
    checked = 0
    for members in np.split(order, np.flatnonzero(np.diff(ids[order])) + 1):
        if len(members) < 2:
            continue
        want = {tuple(bits[g]) for g in members}
        A = to_matrix(n, pairs, bits[members[0]], directed)
        seen = set()
        for _ in range(40 * len(want)):
            seen.add(code(modularity.randomise(A, directed, 30, st_), pairs))
            if seen == want:
                break
        assert seen == want, (A, len(want), len(seen))
        checked += 1
    assert checked > 20


def test_directed_triangle_needs_the_triangle_move():
    """0->1->2->0 and 0->2->1->0 have the same degrees and no two-edge swap
    joins them (each would make a self-loop): only the triangle reversal does."""
    A = np.zeros((3, 3))
    A[0, 1] = A[1, 2] = A[2, 0] = 1.0
    seen = Counter()
    st_ = state(6)
    for _ in range(400):
        seen[code(modularity.randomise(A, True, 20, st_), [(0, 1), (1, 2), (2, 0)])] += 1
    assert set(seen) == {(1, 1, 1), (0, 0, 0)}
    assert 150 < seen[(0, 0, 0)] < 250


@pytest.mark.parametrize("n,directed,count,which", [
    (5, False, 12, 0),  # the one sequence with 12 realisations on 5 nodes, undirected
    (5, False, 7, 0),
    (4, True, 9, 0),    # in = out = 1 on 4 nodes: the 9 derangements
    (4, True, 9, 1),    # in = out = 2 on 4 nodes: 8 of 12 arcs, most swaps rejected
    (5, True, 44, 0),
])
def test_chain_samples_realisations_uniformly(n, directed, count, which):
    """Chi-square goodness of fit to the uniform law over all realisations
    (the ``which``-th sequence with ``count`` of them), fixed seed; fails at
    p < 1e-4. 300 proposals per sample: the dense case needs ~40 per edge to
    forget its start (at 60 proposals, p ~ 0.01)."""
    pairs, bits, dout, din = all_graphs(n, directed)
    ids = sequence_ids(dout, din)
    _, first_of, counts = np.unique(ids, return_index=True, return_counts=True)
    first = int(first_of[np.flatnonzero(counts == count)[which]])
    _, want = realisations(n, directed, first)
    assert len(want) == count
    A = to_matrix(n, pairs, bits[first], directed)
    st_ = state(7)
    per = 200
    seen = Counter(code(modularity.randomise(A, directed, 300, st_), pairs)
                   for _ in range(per * len(want)))
    assert set(seen) == set(want)
    stat = sum((seen[w] - per) ** 2 / per for w in want)
    assert chi2_pvalue(stat, len(want) - 1) > 1e-4, (stat, len(want))


@pytest.mark.parametrize("n,directed", [(5, False), (4, True)])
def test_has_alternative_is_more_than_one_realisation(n, directed):
    pairs, bits, dout, din = all_graphs(n, directed)
    ids = sequence_ids(dout, din)
    values, counts = np.unique(ids, return_counts=True)
    many_of = dict(zip(values.tolist(), (counts > 1).tolist()))
    for g in range(0, bits.shape[0], 7):
        A = to_matrix(n, pairs, bits[g], directed)
        many = many_of[int(ids[g])]
        assert swaps._has_alternative(A, directed) == many


# --- canonical realisation and key ---------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.integers(1, 18), st.floats(0.0, 1.0), st.booleans(), st.integers(0, 2**31))
def test_canonical_realisation_has_the_degrees_and_ignores_labels(n, p, directed, seed):
    A = random_graph(n, p, directed, seed)
    G = modularity.canonical_realisation(A, directed)
    out, inn = degrees(A)
    used = (out + inn) > 0
    assert sorted(zip(G.sum(axis=1), G.sum(axis=0))) == sorted(zip(out[used], inn[used]))
    assert not np.diagonal(G).any() and set(np.unique(G)) <= {0.0, 1.0}
    if not directed:
        assert np.array_equal(G, G.T)
    perm = np.random.default_rng(seed).permutation(n)
    assert np.array_equal(modularity.canonical_realisation(A[np.ix_(perm, perm)], directed), G)
    assert (modularity.degree_key(A, directed, 10)
            == modularity.degree_key(A[np.ix_(perm, perm)], directed, 10))


def test_degree_key_spells_out_the_sequence():
    A = np.zeros((4, 4))
    A[0, 1] = A[0, 2] = A[2, 1] = 1.0  # node 3 isolated
    assert modularity.degree_key(A, True, 7) == (True, 7, nullmodel.NULL_VERSION,
                                                 ((0, 2), (1, 1), (2, 0)))
    U = np.maximum(A, A.T)
    assert modularity.degree_key(U, False, 7)[3] == (2, 2, 2)


# --- Q_rand and Q_max against exhaustive search ------------------------------------------------

@pytest.mark.parametrize("n,directed,index", [(6, False, 12345), (6, False, 30000), (5, True, 777777)])
def test_q_rand_and_q_max_match_exhaustive_values(n, directed, index):
    """Exact Q_rand (uniform mean) and Q_max (maximum) over every realisation,
    each realisation's max Q by exhaustive partition search."""
    pairs, bits, _, _ = all_graphs(n, directed)
    _, want = realisations(n, directed, index)
    qs = np.array([modularity.exhaustive_kernel(to_matrix(n, pairs, w, directed), directed)[0]
                   for w in want])
    A = to_matrix(n, pairs, bits[index], directed)
    assert len(want) > 2
    assert normalised._q_max_of(A, directed, seed=1) == pytest.approx(qs.max(), abs=1e-9)
    est = modularity.q_rand(A, directed, n_random=600, seed=1)
    se = qs.std() / math.sqrt(600)
    assert abs(est - qs.mean()) < 4 * se + 1e-3, (est, qs.mean(), se)


@pytest.mark.parametrize("directed", [False, True])
def test_q_max_bounds(directed):
    for seed in range(3):
        A = random_graph(14, 0.2, directed, 40 + seed)
        real, _ = modularity.max_q(A, directed)
        qx = modularity.q_max(A, directed, seed=seed)
        assert qx >= real - 1e-12
        assert qx >= modularity.q_rand(A, directed, n_random=30, seed=seed)


@pytest.mark.parametrize("directed", [False, True])
def test_annealing_finds_two_cliques_from_the_canonical_graph(directed):
    """2 K4 is the most modular graph with every degree 3 on 8 nodes (Q = 1/2;
    a connected cubic graph cuts at least 2 edges between halves, Q <= 1/3)."""
    A = two_cliques(4, directed)
    assert modularity.q(A, [0] * 4 + [1] * 4, directed) == pytest.approx(0.5)
    for seed in range(3):
        start = modularity.randomise(A, directed, -1, state(seed))
        assert modularity.max_q(start, directed)[0] < 0.45  # the search starts elsewhere
        n_steps = nullmodel.ANNEAL_STEPS_PER_ITEM * (8 + int(start.sum()) // (1 if directed else 2))
        found = nullmodel._q_max_kernel(start, directed, nullmodel.ANNEAL_RUNS, n_steps,
                                         nullmodel.ANNEAL_T_START, nullmodel.ANNEAL_T_END,
                                         modularity.QM_RESTARTS, state(seed))
        assert found == pytest.approx(0.5)


# --- Q_m -----------------------------------------------------------------------------------

@pytest.mark.parametrize("directed", [False, True])
def test_qm_of_the_most_modular_graph_is_one(directed):
    res = modularity.qm(two_cliques(4, directed), directed, n_random=40)
    assert res.q == pytest.approx(0.5) and res.q_max == pytest.approx(0.5)
    assert res.q_rand < 0.4
    assert res.qm == pytest.approx(1.0, abs=1e-9) and res.reason == ""
    assert len(set(res.labels[:4])) == 1 and res.labels[0] != res.labels[4]


@pytest.mark.parametrize("directed", [False, True])
def test_qm_of_random_graphs_is_near_zero(directed):
    values = [modularity.qm(random_graph(16, 0.15 if directed else 0.25, directed, 50 + s),
                            directed, n_random=60, seed=s).qm for s in range(4)]
    assert all(abs(v) < 0.35 for v in values), values
    assert abs(np.mean(values)) < 0.2, values


def test_q_rand_and_q_max_are_those_of_qm():
    A = random_graph(12, 0.25, True, 60)
    res = modularity.qm(A, True, n_random=25, seed=4)
    assert res.q_rand == modularity.q_rand(A, True, n_random=25)
    assert res.q_max == modularity.q_max(A, True)
    assert res.q == modularity.max_q_kernel((A > 0) * 1.0, True, modularity.QM_RESTARTS,
                                            normalised._state(4, 0))[0]


@pytest.mark.parametrize("directed", [False, True])
def test_qm_is_deterministic_in_its_seed(directed):
    A = random_graph(14, 0.25, directed, 61)
    r1 = modularity.qm(A, directed, n_random=30, seed=5)
    r2 = modularity.qm(A, directed, n_random=30, seed=5)
    assert r1 == r2
    # the null model's own seed is a function of the degree sequence: another
    # seed for Q_rand alone draws other random graphs
    assert r1.q_rand != modularity.q_rand(A, directed, n_random=30, seed=6)


def test_cache_hits_on_a_relabelled_graph():
    A = random_graph(14, 0.2, True, 62)
    perm = np.random.default_rng(0).permutation(14)
    B = A[np.ix_(perm, perm)]
    cache = modularity.DegreeCache()
    r1 = modularity.qm(A, True, n_random=30, seed=1, cache=cache)
    r2 = modularity.qm(B, True, n_random=30, seed=1, cache=cache)
    assert not r1.cached and r2.cached
    assert cache.hits == 1 and cache.misses == 1 and cache.hit_rate == 0.5
    assert (r2.q_rand, r2.q_max) == (r1.q_rand, r1.q_max)
    assert r2.q == pytest.approx(r1.q)
    # Q_rand and Q_max come from the sorted sequence alone: a miss gives the same
    fresh = modularity.qm(B, True, n_random=30, seed=1)
    assert (fresh.q_rand, fresh.q_max) == (r1.q_rand, r1.q_max)
    # n_random is part of the key
    assert not modularity.qm(A, True, n_random=31, seed=1, cache=cache).cached


def test_cache_on_disk_round_trip(tmp_path):
    path = tmp_path / "sub" / "qm.json"
    A = random_graph(12, 0.3, False, 63)
    cache = modularity.DegreeCache(path)
    r1 = modularity.qm(A, False, n_random=20, cache=cache)
    assert path.exists()
    json.loads(path.read_text())
    again = modularity.DegreeCache(path)
    assert len(again) == 1
    r2 = modularity.qm(A, False, n_random=20, cache=again)
    assert r2.cached and (r2.q_rand, r2.q_max) == (r1.q_rand, r1.q_max)
    assert not list(tmp_path.glob("sub/*.tmp"))  # temporary file replaced, not left


def test_corrupt_cache_file_is_ignored_then_rewritten(tmp_path):
    """A damaged cache (it starts as one, e.g. truncated) is ignored and rewritten;
    a file that is not a cache at all is refused (tests/test_reliability.py)."""
    path = tmp_path / "qm.json"
    path.write_text('{"format": "evomod-qm-cache", "entries": [{"directed": tr')
    with pytest.warns(RuntimeWarning, match="unreadable"):
        cache = modularity.DegreeCache(path)
    assert len(cache) == 0
    A = random_graph(10, 0.3, True, 64)
    res = modularity.qm(A, True, n_random=10, cache=cache)
    assert not res.cached
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(modularity.DegreeCache(path)) == 1


def test_processes_sharing_a_cache_file_keep_each_others_entries(tmp_path):
    path = tmp_path / "qm.json"
    one, two = modularity.DegreeCache(path), modularity.DegreeCache(path)
    modularity.qm(random_graph(10, 0.3, True, 66), True, n_random=5, cache=one)
    modularity.qm(random_graph(11, 0.3, True, 67), True, n_random=5, cache=two)
    assert len(modularity.DegreeCache(path)) == 2


def test_a_network_beating_q_max_raises_its_result_not_the_entry():
    A = two_cliques(4)
    cache = modularity.DegreeCache()
    key = modularity.degree_key(A, False, 10)
    cache.put(key, 0.3, 0.4)  # as if the annealing had missed 2 K4
    res = modularity.qm(A, False, n_random=10, cache=cache)
    assert res.cached and res.q_max == res.q == pytest.approx(0.5) and res.qm == 1.0
    assert cache.get(key) == (0.3, 0.4)  # entries stay a function of the degree sequence


def test_null_model_values_do_not_depend_on_the_seed_or_the_cache():
    A = random_graph(12, 0.3, False, 5)
    one, two = modularity.qm(A, n_random=30, seed=1), modularity.qm(A, n_random=30, seed=2)
    assert (one.q_rand, one.q_max) == (two.q_rand, two.q_max)
    cache = modularity.DegreeCache()
    relabelled = A[np.ix_(*[np.random.default_rng(0).permutation(12)] * 2)]
    modularity.qm(relabelled, n_random=30, seed=9, cache=cache)
    hit = modularity.qm(A, n_random=30, seed=1, cache=cache)
    assert hit.cached and (hit.q_rand, hit.q_max) == (one.q_rand, one.q_max)


def test_cache_without_path_cannot_save():
    with pytest.raises(ValueError):
        modularity.DegreeCache().save()


# --- edge cases and validation ----------------------------------------------------------------

@pytest.mark.parametrize("directed", [False, True])
def test_no_edges(directed):
    res = modularity.qm(np.zeros((5, 5)), directed, n_random=10)
    assert math.isnan(res.qm) and res.reason == "no edges"
    assert res.labels.shape == (5,)


def _complete(n):
    return np.ones((n, n)) - np.eye(n)


def _star(directed):
    A = np.zeros((5, 5))
    A[0, 1:] = 1.0
    if not directed:
        A[1:, 0] = 1.0
    return A


@pytest.mark.parametrize("A,directed", [(_complete(5), False), (_complete(4), True),
                                        (_star(False), False), (_star(True), True)],
                         ids=["K5", "complete-digraph", "star", "out-star"])
def test_single_realisation(A, directed):
    assert not swaps._has_alternative(A, directed)
    cache = modularity.DegreeCache()
    for _ in range(2):
        res = modularity.qm(A, directed, n_random=10, cache=cache)
        assert math.isnan(res.qm) and res.reason == "degree sequence has one realisation"
    assert res.cached


def test_every_realisation_equally_modular():
    ring = np.roll(np.eye(5), 1, axis=1)
    ring = ring + ring.T  # C5: every 2-regular graph on 5 nodes is a 5-cycle
    res = modularity.qm(ring, False, n_random=20)
    assert math.isnan(res.qm) and "equally modular" in res.reason


def test_weights_are_binarised():
    A = random_graph(12, 0.3, False, 65)
    W = A * np.random.default_rng(1).uniform(0.5, 3.0, A.shape)
    W = np.triu(W, 1)
    W = W + W.T
    assert modularity.qm(W, False, n_random=15) == modularity.qm(A, False, n_random=15)


@pytest.mark.parametrize("bad", [np.ones((3, 4)), -np.eye(3), np.triu(np.ones((3, 3)), 1)])
def test_bad_input_raises(bad):
    with pytest.raises(ValueError):
        modularity.qm(bad, False, n_random=5)


def test_bad_n_random_raises():
    with pytest.raises(ValueError):
        modularity.qm(np.eye(3), False, n_random=0)


def test_sequential_estimator_is_a_prefix_of_the_full_one():
    from evomod.modularity.swaps import SWAPS_PER_EDGE

    A = nx.to_numpy_array(nx.gnm_random_graph(14, 26, seed=4))
    G = nullmodel.canonical_realisation(A, False)
    m = int(G.sum() // 2)
    state = lambda: normalised._state(7, 1)  # noqa: E731
    # stopped after exactly 30 samples (n_min 30, any SE accepted): the mean of the full chain's first 30
    seq, used = nullmodel._q_rand_sequential(G, False, 1000, SWAPS_PER_EDGE * m, 3, state(), 30, 1.0)
    assert used == 30
    assert seq == nullmodel._q_rand_kernel(G, False, 30, SWAPS_PER_EDGE * m, 3, state())
    # never stopped early (SE 0 is never reached): the full estimate itself
    seq, used = nullmodel._q_rand_sequential(G, False, 200, SWAPS_PER_EDGE * m, 3, state(), 2, 0.0)
    assert used == 200 and seq == pytest.approx(nullmodel._q_rand_kernel(G, False, 200, SWAPS_PER_EDGE * m, 3,
                                                                            state()), abs=1e-12)
    # Q_max: the best of the full estimator's first runs, so never above it
    steps = nullmodel.ANNEAL_STEPS_PER_ITEM * (G.shape[0] + m)
    args = (G, False, 16, steps, nullmodel.ANNEAL_T_START, nullmodel.ANNEAL_T_END, 3)
    full = nullmodel._q_max_kernel(*args, normalised._state(7, 2))
    best, runs = nullmodel._q_max_sequential(*args, normalised._state(7, 2), 4, 3)
    assert 4 <= runs <= 16 and best <= full
    assert nullmodel._q_max_sequential(*args, normalised._state(7, 2), 16, 16)[0] == full


def test_sequential_estimates_are_cached_apart():
    A = nx.to_numpy_array(nx.gnm_random_graph(12, 22, seed=2))
    cache = modularity.DegreeCache()
    full = modularity.qm(A, n_random=200, cache=cache)
    seq = modularity.qm(A, n_random=200, cache=cache, null="sequential")
    keys = sorted(cache.entries(), key=lambda k: k[2])
    assert [k[2] for k in keys] == [nullmodel.NULL_VERSION, nullmodel.NULL_VERSION + "/seq"]
    assert keys[0][3] == keys[1][3]
    assert seq.q == full.q and abs(seq.q_rand - full.q_rand) < 0.01 and seq.q_max <= full.q_max
    with pytest.raises(ValueError, match="null"):
        modularity.qm(A, n_random=20, null="fast")

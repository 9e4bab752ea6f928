"""evomod.modularity against networkx's modularity, a plain-Python twin of the
formula, hand-computed values, Zachary's karate club (Brandes et al. 2008) and
brute force over all set partitions."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.community import louvain_communities
from networkx.algorithms.community import modularity as nx_modularity
from numba import njit

from evomod import modularity as M
from evomod import rng

# --- helpers (independent of the module) ------------------------------------------

def random_adjacency(gen, n, p, directed, weighted=False, loops=False):
    """Random graph as a numpy matrix, drawn with numpy's Generator."""
    mask = gen.random((n, n)) < p
    w = gen.uniform(0.1, 3.0, (n, n)) if weighted else np.ones((n, n))
    A = np.where(mask, w, 0.0)
    if not loops:
        np.fill_diagonal(A, 0.0)
    if not directed:
        A = np.triu(A) + np.triu(A, 1).T
    return A


def to_nx(A, directed):
    return nx.from_numpy_array(A, create_using=nx.DiGraph if directed else nx.Graph)


def communities(labels):
    groups = {}
    for node, c in enumerate(labels):
        groups.setdefault(int(c), set()).add(node)
    return list(groups.values())


def plain_q(A, labels, directed):
    """The textbook formula in plain Python loops. Undirected loops follow
    networkx (a loop of weight w adds 2w to the degree), i.e. A_ii doubled."""
    n = len(A)
    W = [[float(A[i][j]) * (2.0 if (i == j and not directed) else 1.0) for j in range(n)]
         for i in range(n)]
    kout = [sum(W[i]) for i in range(n)]
    kin = [sum(W[i][j] for i in range(n)) for j in range(n)]
    m = sum(kout)  # = sum(A) directed, 2m undirected
    return sum(W[i][j] - kout[i] * kin[j] / m
               for i in range(n) for j in range(n) if labels[i] == labels[j]) / m


def set_partitions(items):
    """Every partition of ``items`` into non-empty blocks (recursive)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        yield [[first]] + part
        for b in range(len(part)):
            yield part[:b] + [[first] + part[b]] + part[b + 1:]


def karate():
    return nx.to_numpy_array(nx.karate_club_graph(), weight=None)


# --- q ------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), p=st.floats(0.1, 0.9),
       directed=st.booleans(), weighted=st.booleans(), loops=st.booleans(),
       n_groups=st.integers(1, 4))
def test_q_matches_networkx(seed, n, p, directed, weighted, loops, n_groups):
    gen = np.random.default_rng(seed)
    A = random_adjacency(gen, n, p, directed, weighted, loops)
    labels = gen.integers(0, n_groups, n)
    if A.sum() == 0:
        assert M.q(A, labels, directed) == 0.0  # networkx divides by zero here
        return
    expected = nx_modularity(to_nx(A, directed), communities(labels), weight="weight")
    assert M.q(A, labels, directed) == pytest.approx(expected, abs=1e-9)
    assert M.q(A, labels, directed) == pytest.approx(plain_q(A, labels, directed), abs=1e-9)


@pytest.mark.parametrize("directed", [False, True])
def test_q_kernel_matches_plain_formula(directed):
    gen = np.random.default_rng(7)
    for _ in range(30):
        n = int(gen.integers(2, 15))
        A = random_adjacency(gen, n, 0.4, directed, weighted=True, loops=True)
        labels = gen.integers(-3, 3, n)  # any integers, negative ones included
        if A.sum() == 0:
            continue
        assert M.q_kernel(A, labels, directed) == pytest.approx(plain_q(A, labels, directed), abs=1e-12)


def test_q_two_triangles_is_one_half():
    A = np.zeros((6, 6))
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        A[a, b] = A[b, a] = 1
    # papers.md §5: Q = sum_s [l_s/L - (d_s/2L)^2]; L = 6, each triangle l = 3, d = 6
    by_hand = 2 * (3 / 6 - (6 / 12) ** 2)
    assert by_hand == 0.5
    assert plain_q(A, [0, 0, 0, 1, 1, 1], False) == pytest.approx(0.5, abs=1e-15)
    assert M.q(A, [0, 0, 0, 1, 1, 1]) == pytest.approx(0.5, abs=1e-15)
    assert M.q(A, [5, 5, 5, 9, 9, 9]) == pytest.approx(0.5, abs=1e-15)  # label values don't matter
    assert M.max_q(A)[0] == pytest.approx(0.5, abs=1e-12)


def test_q_single_edge_together_is_zero():
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert 1 / 1 - (2 / 2) ** 2 == 0  # l = L = 1, d = 2L
    assert M.q(A, [0, 0]) == pytest.approx(0.0, abs=1e-15)
    assert M.q(A, [0, 1]) == pytest.approx(-0.5, abs=1e-15)  # 2 * (0 - (1/2)^2)


def test_q_directed_three_cycle():
    # 0->1->2->0 plus 0->2: m = 4, kout = (2,1,1), kin = (1,1,2)
    A = np.zeros((3, 3))
    for a, b in [(0, 1), (1, 2), (2, 0), (0, 2)]:
        A[a, b] = 1
    # block {0, 1}: edges 1, null sum_{i,j} kout_i kin_j / m = (2 + 1)(1 + 1) / 4
    # block {2}: no edge, null kout_2 kin_2 / m = 1 * 2 / 4
    by_hand = (1 / 4) * ((1 - 3 * 2 / 4) + (0 - 1 * 2 / 4))
    assert by_hand == -0.25
    assert M.q(A, [0, 0, 1], directed=True) == pytest.approx(by_hand, abs=1e-15)
    assert M.q(A, [0, 0, 1], directed=True) == pytest.approx(plain_q(A, [0, 0, 1], True), abs=1e-15)


def test_q_without_edges_is_zero():
    assert M.q(np.zeros((4, 4)), [0, 1, 0, 1]) == 0.0
    assert M.q(np.zeros((4, 4)), [0, 1, 0, 1], directed=True) == 0.0


# --- max_q ----------------------------------------------------------------------

def test_karate_club_optimum():
    A = karate()
    value, labels = M.max_q(A)
    assert value == pytest.approx(0.41979, abs=5e-4)  # Brandes et al. 2008
    assert len(set(labels)) == 4
    assert M.q(A, labels) == pytest.approx(value, abs=1e-12)
    G = nx.karate_club_graph()
    assert nx_modularity(G, communities(labels), weight=None) == pytest.approx(value, abs=1e-9)


def small_graphs():
    gen = np.random.default_rng(2024)
    out = []
    for i in range(80):
        n = int(gen.integers(6, 11))
        p = (0.2, 0.35, 0.5, 0.7)[i % 4]
        directed = bool(i % 2)
        A = random_adjacency(gen, n, p, directed)
        if A.sum() > 0:
            out.append((A, directed))
    return out


def test_default_search_reaches_exhaustive_optimum():
    graphs = small_graphs()
    assert len(graphs) >= 30 and {d for _, d in graphs} == {False, True}
    for A, directed in graphs:
        best, _ = M.max_q(A, directed, method="exhaustive")
        value, labels = M.max_q(A, directed)
        assert value == pytest.approx(best, abs=1e-9), (A, directed)
        assert M.q(A, labels, directed) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_exhaustive_matches_networkx_brute_force(directed, weighted):
    gen = np.random.default_rng(11 + 2 * directed + weighted)
    for _ in range(4):
        A = random_adjacency(gen, 6, 0.45, directed, weighted, loops=weighted)
        if A.sum() == 0:
            continue
        G = to_nx(A, directed)
        brute = max(nx_modularity(G, part, weight="weight") for part in set_partitions(list(range(6))))
        value, labels = M.max_q(A, directed, method="exhaustive")
        assert value == pytest.approx(brute, abs=1e-9)
        assert nx_modularity(G, communities(labels), weight="weight") == pytest.approx(brute, abs=1e-9)


def test_louvain_on_karate_and_planted_graphs():
    A = karate()
    for seed in range(5):
        value, labels = M.max_q(A, method="louvain", seed=seed)
        assert value >= 0.41
        assert M.q(A, labels) == pytest.approx(value, abs=1e-12)
    G = nx.karate_club_graph()
    nx_best = max(nx_modularity(G, louvain_communities(G, weight=None, seed=s), weight=None)
                  for s in range(5))
    ours_best = max(M.max_q(A, method="louvain", seed=s)[0] for s in range(5))
    assert ours_best >= nx_best - 1e-9
    for seed in range(6):
        P = nx.to_numpy_array(nx.planted_partition_graph(3, 4, 0.8, 0.1, seed=seed))
        best, _ = M.max_q(P, method="exhaustive")
        assert M.max_q(P, method="louvain", seed=seed)[0] >= best - 0.02


@pytest.mark.parametrize("method", sorted(M.METHODS))
@pytest.mark.parametrize("directed", [False, True])
def test_labels_are_canonical_and_score_the_returned_q(method, directed):
    gen = np.random.default_rng(5)
    for _ in range(5):
        A = random_adjacency(gen, 10, 0.3, directed, weighted=True)
        value, labels = M.max_q(A, directed, method=method, seed=3)
        assert labels.dtype == np.int64 and labels.shape == (10,)
        first_seen = list(dict.fromkeys(labels.tolist()))
        assert first_seen == list(range(len(first_seen)))  # 0..k-1 by first appearance
        assert M.q(A, labels, directed) == pytest.approx(value, abs=1e-12)
        assert M.max_q(A, directed, method=method, seed=3)[0] == value  # deterministic


@pytest.mark.parametrize("method", sorted(M.METHODS))
@pytest.mark.parametrize("directed", [False, True])
def test_graph_without_edges(method, directed):
    value, labels = M.max_q(np.zeros((5, 5)), directed, method=method)
    assert value == 0.0
    assert labels.dtype == np.int64 and np.array_equal(labels, np.zeros(5))


def test_isolated_nodes_and_loops():
    A = np.zeros((5, 5))
    A[0, 1] = A[1, 0] = A[2, 3] = A[3, 2] = 1
    A[4, 4] = 1  # a lone loop is a community of its own
    value, labels = M.max_q(A)
    exact, _ = M.max_q(A, method="exhaustive")
    assert value == pytest.approx(exact, abs=1e-12)
    G = nx.from_numpy_array(A)
    assert nx_modularity(G, communities(labels)) == pytest.approx(value, abs=1e-12)


# --- kernels from njit code --------------------------------------------------------

@njit
def _many_max_q(A, directed, n_restarts, state, reps):
    out = np.empty(reps)
    for r in range(reps):
        value, labels = M.max_q_kernel(A, directed, n_restarts, state)
        out[r] = value - M.q_kernel(A, labels, directed)
    return out


def test_kernels_run_inside_njit_and_follow_the_seed():
    A = karate()
    state = rng.new_state(np.random.SeedSequence(0))
    assert np.abs(_many_max_q(A, False, 5, state, 3)).max() < 1e-12
    s1 = rng.new_state(np.random.SeedSequence(9))
    s2 = s1.copy()
    r1 = M.max_q_kernel(A, False, 10, s1)
    r2 = M.max_q_kernel(A, False, 10, s2)
    assert r1[0] == r2[0] and np.array_equal(r1[1], r2[1]) and np.array_equal(s1, s2)
    public = M.max_q(A, seed=9, n_restarts=10)
    assert public[0] == r1[0] and np.array_equal(public[1], r1[1])


# --- validation -----------------------------------------------------------------

@pytest.mark.parametrize("A, directed, words", [
    (np.zeros((2, 3)), True, "square"),
    (np.zeros(4), True, "2-D"),
    (np.zeros((2, 2, 2)), True, "2-D"),
    (np.zeros((0, 0)), True, "empty"),
    (np.array([[0, -1.0], [-1.0, 0]]), False, "negative"),
    (np.array([[0, np.nan], [np.nan, 0]]), False, "NaN"),
    (np.array([[0, np.inf], [1, 0]]), True, "inf"),
    (np.array([[0, 1.0], [0, 0]]), False, "symmetric"),
    (np.array([["a", "b"], ["c", "d"]]), True, "numeric"),
])
def test_bad_adjacency(A, directed, words):
    with pytest.raises(ValueError, match=words):
        M.check_adjacency(A, directed)
    with pytest.raises(ValueError, match=words):
        M.max_q(A, directed)
    with pytest.raises(ValueError, match=words):
        M.q(A, np.zeros(2, dtype=int), directed)


def test_check_adjacency_returns_float_copy():
    A = np.array([[0, 1], [1, 0]], dtype=np.int32)
    out = M.check_adjacency(A, False)
    assert out.dtype == np.float64 and np.array_equal(out, A)
    out[0, 1] = 5
    assert A[0, 1] == 1
    assert np.array_equal(M.check_adjacency([[0, 1], [0, 0]], True), [[0, 1], [0, 0]])


@pytest.mark.parametrize("labels, words", [
    ([0, 1], "shape"),
    ([[0, 1, 2]], "shape"),
    ([0.0, 1.0, 0.0], "integer"),
    (["a", "b", "c"], "integer"),
])
def test_bad_labels(labels, words):
    A = np.ones((3, 3)) - np.eye(3)
    with pytest.raises(ValueError, match=words):
        M.q(A, labels)


def test_bad_method_and_size():
    with pytest.raises(ValueError, match="unknown method"):
        M.max_q(karate(), method="annealing")
    with pytest.raises(ValueError, match="n <= 12"):
        M.max_q(karate(), method="exhaustive")
    with pytest.raises(ValueError, match="n_restarts"):
        M.max_q(karate(), n_restarts=-1)


# --- recursive spectral bisection (Clune et al.'s partition) -----------------------------

@pytest.mark.parametrize("directed", [False, True])
def test_bisection_finds_planted_modules_and_never_beats_the_search(directed):
    from evomod.modularity import max_q, q

    blocks = np.kron(np.eye(3), np.ones((4, 4)) - np.eye(4))
    blocks[3, 4] = blocks[7, 8] = 1.0  # a bridge between neighbouring blocks
    if not directed:
        blocks = np.maximum(blocks, blocks.T)
    value, labels = max_q(blocks, directed, method="bisection")
    assert sorted(np.bincount(labels).tolist()) == [4, 4, 4]
    assert value == pytest.approx(q(blocks, labels, directed))
    rng = np.random.default_rng(1)
    for _ in range(20):
        A = (rng.random((14, 14)) < 0.2).astype(float)
        np.fill_diagonal(A, 0)
        if not directed:
            A = np.maximum(A, A.T)
        b, lab = max_q(A, directed, method="bisection")
        assert b == pytest.approx(q(A, lab, directed))
        assert b <= max_q(A, directed)[0] + 1e-12

"""Normalised-cut spectral partitions (evomod.modularity.ncut) against hand-computed cuts and networkx."""

import networkx as nx
import numpy as np
import pytest

from evomod.modularity import ncut as N
from evomod.representations.nand.kernels import CircuitSpec
from evomod.representations.nand.representation import NandCircuits


def cliques(sizes, bridges):
    """Adjacency of cliques of the given sizes (nodes numbered in order) plus bridge edges."""
    n = sum(sizes)
    W = np.zeros((n, n))
    start = 0
    for s in sizes:
        W[start:start + s, start:start + s] = 1
        start += s
    np.fill_diagonal(W, 0)
    for a, b in bridges:
        W[a, b] = W[b, a] = 1
    return W


def test_two_cliques_joined_by_an_edge_are_cut_at_the_bridge():
    W = cliques([4, 4], [(3, 4)])
    part = N.spectral_partition(W, k_max=4)
    assert part.k == 2 and part.chosen_by == "eigengap"
    assert len(set(part.labels[:4].tolist())) == 1 and len(set(part.labels[4:].tolist())) == 1
    assert part.labels[0] != part.labels[4]
    # by hand: each side has volume 4 * 3 + 1 = 13 and one edge leaves it
    assert part.ncut == pytest.approx(2 / 13)
    assert part.quality == pytest.approx(1 - (2 / 13) / 2)
    # networkx's normalised cut size of the same bipartition
    g = nx.from_numpy_array(W)
    assert part.ncut == pytest.approx(nx.normalized_cut_size(g, range(4), range(4, 8)))


def test_three_cliques_in_a_chain_give_three_clusters():
    W = cliques([4, 4, 4], [(3, 4), (7, 8)])
    part = N.spectral_partition(W, k_max=5)
    assert part.k == 3
    assert [len(set(part.labels[i:i + 4].tolist())) for i in (0, 4, 8)] == [1, 1, 1]
    assert len(set(part.labels.tolist())) == 3
    # volumes 13, 14, 13; cuts 1, 2, 1
    assert part.ncut == pytest.approx(1 / 13 + 2 / 14 + 1 / 13)
    assert N.ncut(W, [0] * 4 + [1] * 4 + [2] * 4) == pytest.approx(1 / 13 + 2 / 14 + 1 / 13)
    # the eigengap: three eigenvalues near 0, then a jump
    lam = N.laplacian_spectrum(W)
    assert lam[2] < 0.2 < lam[3]


def test_ncut_and_quality_of_given_partitions():
    W = cliques([3, 3], [(2, 3)])  # two triangles: volumes 7 and 7
    assert N.ncut(W, [0, 0, 0, 1, 1, 1]) == pytest.approx(2 / 7)
    assert N.quality(W, [0, 0, 0, 1, 1, 1]) == pytest.approx(1 - 1 / 7)
    assert N.ncut(W, [0] * 6) == 0.0 and N.quality(W, [0] * 6) == 1.0
    # one node split off: cut 2 (its two triangle edges) over volume 2, plus 2 over the rest (12)
    assert N.ncut(W, [1, 0, 0, 0, 0, 0]) == pytest.approx(2 / 2 + 2 / 12)
    # disconnected clusters: nothing crosses
    D = cliques([3, 3], [])
    assert N.ncut(D, [0, 0, 0, 1, 1, 1]) == 0.0 and N.quality(D, [0, 0, 0, 1, 1, 1]) == 1.0


def test_isolated_nodes_get_a_label_of_their_own_and_no_volume():
    W = np.zeros((10, 10))
    W[:8, :8] = cliques([4, 4], [(3, 4)])
    part = N.spectral_partition(W, k=2)
    assert part.chosen_by == "given" and part.k == 2
    assert part.labels[8] == part.labels[9] == 2
    assert part.ncut == pytest.approx(2 / 13)


def test_bad_k_and_tiny_graphs_are_refused():
    W = cliques([4, 4], [(3, 4)])
    with pytest.raises(ValueError, match="k = 8"):
        N.spectral_partition(W, k=8)
    with pytest.raises(ValueError, match="at least 3 nodes"):
        N.spectral_partition(cliques([2], []))


def test_graph_of_a_circuit_counts_a_doubled_wire_twice():
    # g0 = NAND(x, y), g1 = NAND(g0, g0) (a NOT), output g1
    spec = CircuitSpec(2, 2, 1, feedforward=True)
    genome = np.array([0, 1, 2, 2, 3])
    rep = NandCircuits(spec)
    program = rep.program(genome, ["x", "y"])
    W = N.graph_of(program)
    names = program.names
    i = {n: names.index(n) for n in names}
    assert W[i["x"], i["g0"]] == W[i["g0"], i["x"]] == 1
    assert W[i["g0"], i["g1"]] == 2
    assert W[i["g1"], i["out0"]] == 1
    assert W.sum() == 2 * (1 + 1 + 2 + 1)
    A, _ = rep.to_graph(genome, ["x", "y"])
    assert np.array_equal(W > 0, A > 0)


def test_random_graphs_of_two_cliques_are_less_clustered():
    W = cliques([5, 5], [(4, 5)])
    real = N.spectral_partition(W, k=2).quality
    null = N.null_qualities(W, n_random=10, seed=1, k=2)
    assert null.shape == (10,) and np.isfinite(null).all()
    assert np.array_equal(null, N.null_qualities(W, n_random=10, seed=1, k=2))
    assert real > null.max()

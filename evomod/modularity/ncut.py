"""Normalised-cut partitions: spectral clustering of the undirected |weight| graph (Shi & Malik 2000).

The partition that seed note 004 (and its companion, "Clusterability in
Neural Networks") puts next to max-Q. Its steps, as that paper takes them:

1. *Graphify*: one node per neuron or gate (inputs and outputs included),
   an undirected edge of weight ``|w|`` for every connection, summed when
   two connections join the same pair (:func:`graph_of`).
2. *Normalised spectral clustering* (Shi & Malik): the k eigenvectors of
   the generalised problem ``L v = lambda D v`` with the smallest
   eigenvalues embed the nodes, and k-means on the embedding gives the
   clusters; scikit-learn's ``SpectralClustering(affinity="precomputed")``
   with the ARPACK solver, as the paper used.

The paper fixes k = 12 for networks of hundreds of neurons (and checks 8
and 18). ``k`` may be given; by default it is chosen by the *eigengap* (von
Luxburg 2007, section 8.3): with ``0 = lambda_1 <= lambda_2 <= ...`` the
eigenvalues of the normalised Laplacian ``I - D^-1/2 W D^-1/2``, k in
``2..k_max`` is the one with the largest gap ``lambda_{k+1} - lambda_k`` (the
smallest such k on a tie): k nearly disconnected clusters give k eigenvalues
near 0 and then a jump. ``k_max`` defaults to a quarter of the nodes on
edges (clusters of four nodes on average, at least k = 2): the spectra of
evolved 15-node circuits rise smoothly, with no gap among the small
eigenvalues, and an uncapped eigengap lands on gaps in the bulk (k = 6-8).
For comparisons across networks, fix k (``evomod experiment measures`` uses
k = 3, the parts of the tasks' decompositions).

Quality of a partition into clusters ``A_1..A_k`` (Shi & Malik's k-way
normalised cut, the objective spectral clustering relaxes):

    Ncut = sum_i cut(A_i, V - A_i) / vol(A_i),
    quality = 1 - Ncut / k = (1/k) sum_i assoc(A_i, A_i) / vol(A_i),

``vol(A)`` the weighted degree of A's nodes, ``assoc(A, A)`` twice its
internal weight. quality is the mean share of each cluster's edge ends
that stay inside it: 1 for clusters with no edge between them, lower as
more weight crosses (for k = 2, Shi & Malik's ``Nassoc / 2``). Nodes on no
edge (unused inputs) have no volume: they are left out of the clustering and
of Ncut and get one label of their own, after the clusters.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NcutPartition:
    """A spectral-clustering partition and its normalised cut."""

    labels: np.ndarray  # int64 (n,): clusters 0..k-1, isolated nodes (if any) label k
    k: int  # clusters of the nodes on edges
    ncut: float
    quality: float  # 1 - ncut / k
    eigenvalues: np.ndarray  # normalised-Laplacian spectrum of the nodes on edges, ascending
    chosen_by: str  # "eigengap" or "given"

    def as_dict(self, names=None) -> dict:
        out = {"labels": [int(v) for v in self.labels], "k": self.k, "ncut": _round(self.ncut),
               "quality": _round(self.quality), "chosen_by": self.chosen_by,
               "eigenvalues": [_round(v) for v in self.eigenvalues[: self.k + 2]]}
        if names is not None:
            out["modules"] = [[n for n, lab in zip(names, self.labels) if lab == c]
                              for c in range(int(self.labels.max()) + 1)]
        return out


def _round(x: float):
    return None if not math.isfinite(float(x)) else round(float(x), 6)


def graph_of(program) -> np.ndarray:
    """The undirected ``|weight|`` graph of a ``Program``'s nodes (float64 (n, n), symmetric).

    ``W[u, v] = sum of |w|`` over the wires u -> v and v -> u; a NAND gate
    reading one source twice counts that pair twice (weight 2).

    Parameters
    ----------
    program : Program
        ``rep.program(genome, inputs)``.

    Returns
    -------
    ndarray of float64 (n, n)

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> rep = representation_of(load("ka2005-logic-g1"))
    >>> W = graph_of(rep.program([0, 0] + [1, 1] * 11 + [4], ["x", "y", "z", "w"]))  # NAND(x, x) -> out
    >>> W.astype(int)     # nodes x, y, z, w, g0, out: x-g0 twice, g0-out once
    array([[0, 0, 0, 0, 2, 0],
           [0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0],
           [2, 0, 0, 0, 0, 1],
           [0, 0, 0, 0, 1, 0]])
    """
    src, reader = program.wires()
    W = np.zeros((program.n_nodes, program.n_nodes))
    np.add.at(W, (src, reader), np.abs(program.weight).astype(np.float64))
    W = W + W.T
    np.fill_diagonal(W, 0.0)
    return W


def _checked(W) -> np.ndarray:
    from evomod.modularity.score import check_adjacency

    return check_adjacency(W, directed=False)


def ncut(W, labels) -> float:
    """Shi & Malik's k-way normalised cut of a partition of an undirected weighted graph.

    ``Ncut = sum_i cut(A_i, V - A_i) / vol(A_i)`` over the clusters with
    positive volume (a cluster of isolated nodes adds nothing).

    Parameters
    ----------
    W : array_like (n, n)
        Symmetric non-negative weights; the diagonal is ignored.
    labels : array_like of int (n,)
        Cluster of each node.

    Returns
    -------
    float
        0 when no edge crosses; at most the number of clusters.

    References
    ----------
    J. Shi and J. Malik, "Normalized cuts and image segmentation", IEEE
    TPAMI 22, 888 (2000); U. von Luxburg, "A tutorial on spectral
    clustering", Stat. Comput. 17, 395 (2007), eq. for Ncut.

    Examples
    --------
    Two triangles joined by one edge: each side has volume 7 and one edge
    leaves it, so Ncut = 1/7 + 1/7.

    >>> W = np.zeros((6, 6))
    >>> for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     W[a, b] = W[b, a] = 1
    >>> round(ncut(W, [0, 0, 0, 1, 1, 1]), 6) == round(2 / 7, 6)
    True
    """
    W = _checked(W)
    np.fill_diagonal(W, 0.0)
    labels = np.asarray(labels, dtype=np.int64)
    degree = W.sum(axis=1)
    total = 0.0
    for c in np.unique(labels):
        inside = labels == c
        vol = degree[inside].sum()
        if vol > 0:
            total += W[np.ix_(inside, ~inside)].sum() / vol
    return float(total)


def quality(W, labels) -> float:
    """n-cut quality of a partition: ``1 - Ncut / k``.

    ``Ncut = sum_c cut(c) / vol(c)`` (Shi & Malik 2000), so the quality is
    the mean share of a cluster's edge ends that stay inside it; k counts
    the clusters with positive volume.

    Parameters
    ----------
    W : array_like
        Symmetric non-negative weights ``(n, n)``; the diagonal is ignored.
    labels : array_like of int
        A cluster per node.

    Returns
    -------
    float
        In [0, 1]; NaN when no cluster has an edge.

    References
    ----------
    Shi & Malik (2000), IEEE TPAMI 22:888.

    Examples
    --------
    Two triangles joined by one edge:

    >>> W = np.zeros((6, 6))
    >>> for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     W[a, b] = W[b, a] = 1
    >>> round(float(ncut(W, [0, 0, 0, 1, 1, 1])), 4), round(float(quality(W, [0, 0, 0, 1, 1, 1])), 4)  # 1/7 + 1/7
    (0.2857, 0.8571)
    """
    W = _checked(W)
    np.fill_diagonal(W, 0.0)
    labels = np.asarray(labels, dtype=np.int64)
    degree = W.sum(axis=1)
    k = sum(degree[labels == c].sum() > 0 for c in np.unique(labels))
    return math.nan if k == 0 else 1.0 - ncut(W, labels) / k


def laplacian_spectrum(W) -> np.ndarray:
    """Spectrum of the normalised Laplacian ``I - D^-1/2 W D^-1/2`` (scipy's ``csgraph.laplacian``).

    Parameters
    ----------
    W : array_like
        Symmetric non-negative weights ``(n, n)``; nodes without edges are left out.

    Returns
    -------
    numpy.ndarray
        The eigenvalues, ascending, in [0, 2]; one 0 per connected component.

    Examples
    --------
    Two triangles joined by one edge:

    >>> W = np.zeros((6, 6))
    >>> for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     W[a, b] = W[b, a] = 1
    >>> np.round(laplacian_spectrum(W), 4).tolist()
    [0.0, 0.2047, 1.1667, 1.5, 1.5, 1.6287]
    """
    from scipy.sparse.csgraph import laplacian

    W = _checked(W)
    np.fill_diagonal(W, 0.0)
    keep = W.sum(axis=1) > 0
    if not keep.any():
        return np.zeros(0)
    return np.clip(np.linalg.eigvalsh(laplacian(W[np.ix_(keep, keep)], normed=True)), 0.0, 2.0)


def default_k_max(n_nodes: int) -> int:
    """A quarter of the nodes on edges, at least 2: the largest k the eigengap is asked about.

    Examples
    --------
    >>> default_k_max(5), default_k_max(23)
    (2, 5)
    """
    return max(2, int(n_nodes) // 4)


def eigengap_k(eigenvalues, k_max: int | None = None) -> int:
    """The number of clusters by the eigengap heuristic.

    The k in ``2..k_max`` with the largest gap ``lambda_{k+1} - lambda_k``
    (eigenvalues ascending, 1-based); the smallest such k on ties.

    Parameters
    ----------
    eigenvalues : array_like
        Ascending eigenvalues of the normalised Laplacian (:func:`laplacian_spectrum`).
    k_max : int, optional
        The largest k; default :func:`default_k_max` of the number of eigenvalues.

    Returns
    -------
    int

    References
    ----------
    von Luxburg (2007), Statistics and Computing 17:395.

    Examples
    --------
    >>> eigengap_k([0.0, 0.05, 0.1, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7])  # three near 0: k = 3
    3
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    top = min(default_k_max(lam.size) if k_max is None else int(k_max), lam.size - 1)
    if top < 2:
        return min(2, lam.size)
    gaps = lam[2: top + 1] - lam[1:top]  # gap after the k smallest, k = 2..top
    return int(np.argmax(gaps)) + 2  # argmax: the first of equal gaps, the smallest k


def spectral_partition(W, k: int | None = None, k_max: int | None = None, seed: int = 0) -> NcutPartition:
    """Normalised spectral clustering (Shi & Malik) of an undirected weighted graph.

    The nodes with at least one edge are clustered by scikit-learn's
    ``SpectralClustering(affinity="precomputed", eigen_solver="arpack")``
    (k-means on the spectral embedding, ``random_state=seed``) into ``k``
    clusters, ``k`` chosen by the eigengap over ``2..k_max`` unless given;
    nodes on no edge get the label ``k``.

    Parameters
    ----------
    W : array_like (n, n)
        Symmetric non-negative weights (e.g. :func:`graph_of`).
    k : int, optional
        Number of clusters; default: the eigengap's choice.
    k_max : int, optional
        Largest k the eigengap considers; default a quarter of the nodes on
        edges (at least 2), never more than their number minus one.
    seed : int
        Seeds ARPACK's start vector and k-means.

    Returns
    -------
    NcutPartition
        ``labels``, ``k``, ``ncut``, ``quality`` (``1 - ncut / k``),
        ``eigenvalues`` and ``chosen_by``.

    Raises
    ------
    ValueError
        If the graph has fewer than 3 nodes on edges, or ``k`` is not in
        ``2..(nodes on edges - 1)``.

    References
    ----------
    J. Shi and J. Malik, IEEE TPAMI 22, 888 (2000); U. von Luxburg, Stat.
    Comput. 17, 395 (2007) (the eigengap heuristic, section 8.3); seed note
    004, section 2 (graphification with |weight| edges, normalised spectral
    clustering with scikit-learn and ARPACK).

    Examples
    --------
    Two 4-cliques joined by one edge: the eigengap picks k = 2 and the cut is
    the bridge, Ncut = 1/13 + 1/13 (each side has volume 4 * 3 + 1 = 13).

    >>> W = np.zeros((8, 8))
    >>> for side in (range(0, 4), range(4, 8)):
    ...     for a in side:
    ...         for b in side:
    ...             W[a, b] = a != b
    >>> W[3, 4] = W[4, 3] = 1
    >>> part = spectral_partition(W)
    >>> part.k, part.labels[:4].tolist() == [part.labels[0]] * 4, bool(part.labels[0] != part.labels[4])
    (2, True, True)
    >>> round(part.ncut, 6) == round(2 / 13, 6), round(part.quality, 6) == round(12 / 13, 6)
    (True, True)
    """
    from sklearn.cluster import SpectralClustering

    W = _checked(W)
    np.fill_diagonal(W, 0.0)
    n = W.shape[0]
    keep = np.flatnonzero(W.sum(axis=1) > 0)
    if keep.size < 3:
        raise ValueError(f"spectral partition: needs at least 3 nodes on edges, the graph has {keep.size}")
    sub = W[np.ix_(keep, keep)]
    lam = laplacian_spectrum(sub)
    if k is None:
        k, how = eigengap_k(lam, k_max), "eigengap"
    else:
        how = "given"
        if not 2 <= int(k) <= keep.size - 1:
            raise ValueError(f"spectral partition: k = {k} must be in 2..{keep.size - 1} "
                             f"(nodes on edges minus one)")
        k = int(k)
    with warnings.catch_warnings():  # "graph is not fully connected": the components are what we want
        warnings.simplefilter("ignore", UserWarning)
        found = SpectralClustering(n_clusters=k, affinity="precomputed", eigen_solver="arpack", random_state=seed,
                                   assign_labels="kmeans", n_init=10).fit_predict(sub)
    found = _renumbered(found)
    labels = np.full(n, int(found.max()) + 1, dtype=np.int64)
    labels[keep] = found
    value = ncut(sub, found)
    clusters = int(found.max()) + 1
    return NcutPartition(labels, clusters, value, 1.0 - value / clusters, lam, how)


def _renumbered(labels) -> np.ndarray:
    """Clusters numbered 0, 1, ... in order of first appearance (k-means may leave one empty)."""
    order = {}
    for v in labels.tolist():
        order.setdefault(v, len(order))
    return np.array([order[v] for v in labels.tolist()], dtype=np.int64)


def null_qualities(W, n_random: int = 20, seed: int = 0, k: int | None = None,
                   k_max: int | None = None) -> np.ndarray:
    """n-cut quality of ``n_random`` random graphs like ``W``: the edges rewired by
    degree-preserving swaps (``modularity.randomise``), the original edge
    weights dealt to the new edges in random order; each clustered as
    :func:`spectral_partition` with the same ``k`` (or ``k_max``). The null
    model of seed note 004's companion paper shuffled weights; this one also
    moves the edges, as Q_m's does. NaN for a random graph that cannot be
    clustered into k (too few nodes left on edges).

    Parameters
    ----------
    W : array_like (n, n)
        Symmetric non-negative weights (:func:`graph_of`).
    n_random : int
    seed : int
    k : int, optional
        Clusters; None: chosen per graph by the eigengap up to ``k_max``.
    k_max : int, optional
        Default :func:`default_k_max`.

    Returns
    -------
    ndarray of float64 (n_random,)
    """
    from evomod import rng as _rng
    from evomod.modularity.swaps import randomise

    W = _checked(W)
    np.fill_diagonal(W, 0.0)
    binary = (W > 0).astype(np.float64)
    iu = np.triu_indices_from(W, 1)
    weights = W[iu][W[iu] > 0]
    state = _rng.seeded_state(seed, (4,))
    gen = np.random.default_rng(seed)
    out = np.empty(n_random)
    for i in range(n_random):
        R = randomise(binary, False, -1, state)
        edges = np.flatnonzero(R[iu] > 0)
        Wr = np.zeros_like(W)
        Wr[iu[0][edges], iu[1][edges]] = gen.permutation(weights)
        Wr = Wr + Wr.T
        try:
            out[i] = spectral_partition(Wr, k=k, k_max=k_max, seed=seed).quality
        except ValueError:
            out[i] = math.nan
    return out

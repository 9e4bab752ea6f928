"""Modularity Q of a network partition, and the validation of its inputs.

Undirected graphs use Newman–Girvan Q, directed graphs Leicht–Newman Q; both
are weighted. Every search works on one dense symmetric matrix ``B`` scaled so
that ``Q = sum_ij B_ij [c_i == c_j]`` (see ``_modularity_matrix``), which
makes the directed case the undirected one with ``B + B^T`` (Leicht & Newman
2008) and every move gain an O(1) look-up in a node-by-community sum table.

Self-loops follow networkx: in an undirected graph ``A_ii`` is the weight of
one loop, which adds ``2 A_ii`` to the degree of i (Newman's ``A_ii = 2w``);
in a directed graph it adds ``A_ii`` to both the out- and the in-degree.

References: Newman & Girvan, PRE 69, 026113 (2004); Leicht & Newman, PRL
100, 118703 (2008).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_EPS = 1e-12  # smallest gain that counts: Q is O(1), float noise is ~1e-16


# --- validation ---------------------------------------------------------------

def check_adjacency(A, directed) -> np.ndarray:
    """Validated ``float64`` copy of a weighted adjacency matrix.

    ``A[i, j]`` is the weight of the edge i -> j (directed) or i -- j. Raises
    ``ValueError`` naming the problem: not 2-D, not square, empty, not
    numeric, NaN/inf, negative weights, or asymmetric when ``directed`` is
    False (tolerance 1e-10 relative; the copy is then made exactly symmetric).
    """
    try:
        arr = np.asarray(A)
    except Exception as exc:  # ragged lists etc.
        raise ValueError(f"adjacency matrix is not an array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"adjacency matrix must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"adjacency matrix must be 2-D, got {arr.ndim}-D")
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"adjacency matrix must be square, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("adjacency matrix is empty (0 nodes)")
    out = np.array(arr, dtype=np.float64, order="C", copy=True)
    if not np.isfinite(out).all():
        raise ValueError("adjacency matrix has NaN or inf entries")
    if (out < 0).any():
        raise ValueError("adjacency matrix has negative entries")
    if not directed and not np.array_equal(out, out.T):  # exact test first: allclose costs ~30 us
        if (np.abs(out - out.T) > 1e-12 + 1e-10 * np.abs(out.T)).any():
            raise ValueError("adjacency matrix is not symmetric; pass directed=True for a directed graph")
        out = 0.5 * (out + out.T)
    return out


def _check_labels(labels, n) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), got {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


# --- kernels ------------------------------------------------------------------

@njit(cache=True)
def q_kernel(A, labels, directed):
    """Modularity of the partition ``labels`` (any int64 values) of ``A``.

    Directed: ``Q = (1/m) sum_ij [A_ij - kout_i kin_j / m] d(c_i, c_j)``,
    ``m = sum(A)``. Undirected: the same with ``A_ii`` doubled (networkx's
    loop convention), which is ``(1/2m) sum_ij [A_ij - k_i k_j / 2m] d``.
    Returns 0.0 when there are no edges. O(n^2), allocates two n-vectors.
    """
    n = A.shape[0]
    kout = np.zeros(n)
    kin = np.zeros(n)
    loop = 1.0 if directed else 2.0
    for i in range(n):
        for j in range(n):
            w = A[i, j] * loop if i == j else A[i, j]
            kout[i] += w
            kin[j] += w
    m = kout.sum()
    if m <= 0.0:
        return 0.0
    q = 0.0
    for i in range(n):
        for j in range(n):
            if labels[i] == labels[j]:
                w = A[i, j] * loop if i == j else A[i, j]
                q += w - kout[i] * kin[j] / m
    return q / m


@njit(cache=True)
def _modularity_matrix(A, directed):
    """Symmetric ``B`` with ``Q = sum_ij B_ij d(c_i, c_j)``; total weight m.

    Undirected: ``B = (A' - k k^T / 2m) / 2m`` (A' = A with doubled diagonal).
    Directed: ``B = ((A + A^T)/2 - (kout kin^T + kin kout^T) / 2m) / m``, i.e.
    Leicht–Newman's ``B + B^T`` up to scale. All zeros when m = 0.
    """
    n = A.shape[0]
    W = A.copy()
    if not directed:
        for i in range(n):
            W[i, i] *= 2.0
    kout = np.zeros(n)
    kin = np.zeros(n)
    for i in range(n):
        for j in range(n):
            kout[i] += W[i, j]
            kin[j] += W[i, j]
    m = kout.sum()
    B = np.zeros((n, n))
    if m <= 0.0:
        return B, m
    for i in range(n):
        for j in range(n):
            B[i, j] = (0.5 * (W[i, j] + W[j, i])
                       - 0.5 * (kout[i] * kin[j] + kin[i] * kout[j]) / m) / m
    return B, m


@njit(cache=True)
def _renumber(labels):
    """Labels 0..k-1 in order of first appearance (a new array); returns (labels, k)."""
    n = labels.shape[0]
    lo = labels.min()
    span = labels.max() - lo + 1
    new_of = np.full(span, -1, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        c = labels[i] - lo
        if new_of[c] < 0:
            new_of[c] = k
            k += 1
        out[i] = new_of[c]
    return out, k


@njit(cache=True)
def _q_of(B, labels):
    q = 0.0
    n = B.shape[0]
    for i in range(n):
        for j in range(n):
            if labels[i] == labels[j]:
                q += B[i, j]
    return q


# --- public API -------------------------------------------------------------------

def q(A, labels, directed=False) -> float:
    """Modularity Q of a partition.

    Parameters
    ----------
    A : array_like (n, n)
        Non-negative weights; ``A[i, j]`` is the edge i -> j when directed.
        Must be symmetric when ``directed`` is False.
    labels : array_like of int (n,)
        Community of each node (any integer values).
    directed : bool
        Leicht–Newman Q instead of Newman–Girvan Q.

    Returns
    -------
    float
        Undirected: ``Q = (1/2m) sum_ij [A_ij - k_i k_j / 2m] d(c_i, c_j)``,
        ``m = sum(A)/2`` (loops counted as networkx does). Directed:
        ``Q = (1/m) sum_ij [A_ij - kout_i kin_j / m] d(c_i, c_j)``,
        ``m = sum(A)``. 0.0 for a graph with no edges.

    Raises
    ------
    ValueError
        If ``A`` is not a square, finite, non-negative numeric matrix (or is
        asymmetric while ``directed`` is False), or ``labels`` does not give
        one integer per node (:func:`check_adjacency`).

    References
    ----------
    M. E. J. Newman and M. Girvan, PRE 69, 026113 (2004); E. A. Leicht and
    M. E. J. Newman, PRL 100, 118703 (2008).

    Examples
    --------
    >>> A = np.kron(np.eye(2), np.ones((3, 3)) - np.eye(3))  # two triangles
    >>> round(q(A, [0, 0, 0, 1, 1, 1]), 12)
    0.5
    >>> round(q(A, [0, 0, 0, 0, 0, 0]), 12)                  # one module: Q = 0
    0.0

    It is networkx's modularity:

    >>> import networkx as nx
    >>> g = nx.karate_club_graph()
    >>> labels = [0 if g.nodes[v]["club"] == "Mr. Hi" else 1 for v in g]
    >>> A = nx.to_numpy_array(g, weight=None)
    >>> communities = [{v for v in g if labels[v] == c} for c in (0, 1)]
    >>> bool(abs(q(A, labels) - nx.community.modularity(g, communities, weight=None)) < 1e-12)
    True
    """
    arr = check_adjacency(A, directed)
    lab = _check_labels(labels, arr.shape[0])
    return float(q_kernel(arr, lab, bool(directed)))


"""Degree-preserving swap Markov chain over simple graphs (see ``nullmodel``)."""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod import rng as _rng

# Maslov & Sneppen's mixing heuristic: ~10 swap attempts per edge forgets
# the starting graph (used for every sample of the chain).
SWAPS_PER_EDGE = 10
# Share of directed steps that propose a triangle reversal: rare moves,
# needed only to join realisations two-edge swaps cannot.
TRIANGLE_SHARE = 0.125


# --- edge-list state ------------------------------------------------------------------

@njit(cache=True)
def _edge_arrays(A, directed):
    """Off-diagonal edges of ``A > 0`` as ``(src, dst, eid)``.

    ``eid[u, v]`` is the index of edge u -> v (both orders when undirected)
    or -1: O(1) existence checks and edge look-ups. Undirected edges are
    stored once (u < v), in no fixed orientation after swaps.
    """
    n = A.shape[0]
    eid = np.full((n, n), -1, dtype=np.int64)
    m = 0
    for u in range(n):
        for v in range(n):
            if u != v and A[u, v] > 0 and (directed or u < v):
                m += 1
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    k = 0
    for u in range(n):
        for v in range(n):
            if u != v and A[u, v] > 0 and (directed or u < v):
                src[k] = u
                dst[k] = v
                eid[u, v] = k
                if not directed:
                    eid[v, u] = k
                k += 1
    return src, dst, eid


@njit(cache=True)
def _propose(src, dst, eid, directed, state, buf):
    """Draw one move; returns 0 (rejected), 1 (two-edge swap) or 2 (triangle).

    Swap: edges i = (a, b), j = (c, d), distinct and uniform, become (a, d),
    (c, b); undirected, j is read as (d, c) with probability 1/2, which gives
    the other rewiring (a, c), (b, d). Rejected when a new edge would be a
    self-loop or already exist (this also rejects every pair sharing a node
    in the way that would create a multi-edge). Triangle (directed only):
    a uniform edge a -> b and a uniform node c with b -> c, c -> a and none
    of the three reversed edges present. Each move is proposed with the same
    probability as its inverse. ``buf`` (int64[6]) receives the move.
    """
    m = src.shape[0]
    n = eid.shape[0]
    if m < 2:
        return 0
    if directed and _rng.uniform(state) < TRIANGLE_SHARE:
        i = _rng.below(state, m)
        a = src[i]
        b = dst[i]
        c = _rng.below(state, n)
        if c == a or c == b or eid[b, c] < 0 or eid[c, a] < 0:
            return 0
        if eid[a, c] >= 0 or eid[c, b] >= 0 or eid[b, a] >= 0:
            return 0
        buf[0] = i
        buf[1] = eid[b, c]
        buf[2] = eid[c, a]
        buf[3] = a
        buf[4] = b
        buf[5] = c
        return 2
    i = _rng.below(state, m)
    j = _rng.below(state, m - 1)
    if j >= i:
        j += 1
    a = src[i]
    b = dst[i]
    c = src[j]
    d = dst[j]
    if not directed and _rng.below(state, 2) == 1:
        c, d = d, c
    if a == d or c == b or eid[a, d] >= 0 or eid[c, b] >= 0:
        return 0
    buf[0] = i
    buf[1] = j
    buf[2] = a
    buf[3] = b
    buf[4] = c
    buf[5] = d
    return 1


@njit(cache=True)
def _apply(kind, buf, src, dst, eid, directed):
    """Carry out a move drawn by ``_propose``."""
    if kind == 1:
        i, j, a, b, c, d = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
        eid[a, b] = -1
        eid[c, d] = -1
        if not directed:
            eid[b, a] = -1
            eid[d, c] = -1
        src[i] = a
        dst[i] = d
        src[j] = c
        dst[j] = b
        eid[a, d] = i
        eid[c, b] = j
        if not directed:
            eid[d, a] = i
            eid[b, c] = j
    elif kind == 2:  # a->b, b->c, c->a  become  b->a, c->b, a->c
        i, j, k, a, b, c = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
        eid[a, b] = -1
        eid[b, c] = -1
        eid[c, a] = -1
        src[i] = b
        dst[i] = a
        src[j] = c
        dst[j] = b
        src[k] = a
        dst[k] = c
        eid[b, a] = i
        eid[c, b] = j
        eid[a, c] = k


@njit(cache=True)
def _steps(src, dst, eid, directed, n_steps, state, buf):
    """``n_steps`` proposals of the swap chain; returns how many were accepted."""
    done = 0
    for _ in range(n_steps):
        kind = _propose(src, dst, eid, directed, state, buf)
        if kind > 0:
            _apply(kind, buf, src, dst, eid, directed)
            done += 1
    return done


@njit(cache=True)
def _fill(src, dst, diag, directed, out):
    """Write the graph (edges, plus ``diag`` on the diagonal) into ``out``."""
    out[:, :] = 0
    for k in range(src.shape[0]):
        out[src[k], dst[k]] = 1
        if not directed:
            out[dst[k], src[k]] = 1
    for i in range(diag.shape[0]):
        out[i, i] = diag[i]


@njit(cache=True)
def randomise(A, directed, n_swaps, state):
    """A uniformly random graph with the degrees of ``A`` (swap Markov chain).

    Parameters
    ----------
    A : ndarray (n, n)
        Adjacency matrix; an edge is ``A[i, j] > 0`` (weights are dropped).
        Symmetric when not ``directed`` (not checked here: validate with
        ``modularity.check_adjacency``).
    directed : bool
        Keep every node's in- and out-degree instead of its degree.
    n_swaps : int
        Proposals of the chain; a rejected one (it would make a self-loop or
        a multi-edge) leaves the graph as it is and still counts, which is
        what makes the samples uniform (counting only accepted swaps
        over-samples graphs with many possible swaps). Negative:
        ``SWAPS_PER_EDGE`` (10) per edge.
    state : ndarray uint64 (4,)
        ``evomod.rng`` state, advanced in place.

    Returns
    -------
    ndarray (n, n), dtype of ``A``
        A new 0/1 matrix. Self-loops of ``A`` stay where they are (as 1).

    Notes
    -----
    Undirected: two uniform edges (a, b), (c, d) become (a, d), (c, b) or
    (a, c), (b, d) (Maslov & Sneppen 2002). Directed: a -> b, c -> d become
    a -> d, c -> b, and with probability ``TRIANGLE_SHARE`` a step instead
    reverses a directed triangle; with them the chain reaches every simple
    digraph with the given in- and out-degrees (Rao et al. 1996; Berger &
    Müller-Hannemann 2010). Proposals are symmetric, so the chain's
    stationary law is uniform. 10 proposals per edge mix sparse graphs; in
    dense ones most proposals are rejected and mixing is slower (in = out =
    2 on 4 nodes needs ~40 per edge to pass a chi-square test of uniformity).
    """
    n = A.shape[0]
    if A.shape[1] != n:
        raise ValueError("adjacency matrix must be square")
    src, dst, eid = _edge_arrays(A, directed)
    if n_swaps < 0:
        n_swaps = SWAPS_PER_EDGE * src.shape[0]
    buf = np.empty(6, dtype=np.int64)
    _steps(src, dst, eid, directed, n_swaps, state, buf)
    diag = np.zeros(n, dtype=A.dtype)
    for i in range(n):
        if A[i, i] > 0:
            diag[i] = 1
    out = np.empty_like(A)
    _fill(src, dst, diag, directed, out)
    return out


@njit(cache=True)
def _has_alternative(A, directed):
    """True when the degree sequence of ``A > 0`` has another realisation.

    The swap moves join all realisations, so there is another one exactly
    when some move is possible from ``A``: O(m^2) swap checks plus O(m n)
    triangle checks.
    """
    src, dst, eid = _edge_arrays(A, directed)
    m = src.shape[0]
    n = A.shape[0]
    for i in range(m):
        a = src[i]
        b = dst[i]
        for j in range(i + 1, m):
            for flip in range(1 if directed else 2):
                c = src[j]
                d = dst[j]
                if flip == 1:
                    c, d = d, c
                if a != d and c != b and eid[a, d] < 0 and eid[c, b] < 0:
                    return True
        if directed:
            for c in range(n):
                if (c != a and c != b and eid[b, c] >= 0 and eid[c, a] >= 0
                        and eid[a, c] < 0 and eid[c, b] < 0 and eid[b, a] < 0):
                    return True
    return False



"""Louvain search (Blondel et al. 2008) on the modularity matrix."""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod import rng as _rng
from evomod.modularity.score import _EPS, _modularity_matrix, _renumber, q_kernel


@njit(cache=True)
def local_moves(B, state):
    """Louvain's first phase on ``B``: from singletons, move nodes (in a
    random order each sweep) to the community that gains most, until a sweep
    moves nothing. Returns ``(labels 0..N-1, not compact, any move made)``."""
    N = B.shape[0]
    lab = np.arange(N)
    S = B.copy()  # S[i, c] = sum_{j in c} B_ij: every node starts alone
    size = np.ones(N, dtype=np.int64)
    order = np.arange(N)
    any_move = False
    moved = True
    while moved:
        moved = False
        _rng.shuffle(state, order)
        for i in order:
            a = lab[i]
            base = S[i, a] - B[i, i]
            best = _EPS
            target = -1
            for c in range(N):
                if c != a and size[c] > 0 and 2.0 * (S[i, c] - base) > best:
                    best = 2.0 * (S[i, c] - base)
                    target = c
            if target >= 0:
                for j in range(N):
                    S[j, a] -= B[j, i]
                    S[j, target] += B[j, i]
                size[a] -= 1
                size[target] += 1
                lab[i] = target
                moved = True
                any_move = True
    return lab, any_move


@njit(cache=True)
def louvain_kernel(A, directed, state):
    """Louvain: local node moves in random order until none gains, then
    aggregate communities into nodes (``B'_cd = sum_{i in c, j in d} B_ij``)
    and repeat until a level moves nothing. Returns ``(Q, labels)``."""
    n = A.shape[0]
    B, m = _modularity_matrix(A, directed)
    if m <= 0.0:
        return 0.0, np.zeros(n, dtype=np.int64)
    of_node = np.arange(n)  # community of each original node
    Bl = B
    while True:
        N = Bl.shape[0]
        lab, any_move = local_moves(Bl, state)
        if not any_move:
            break
        lab, K = _renumber(lab)
        for i in range(n):
            of_node[i] = lab[of_node[i]]
        agg = np.zeros((K, K))
        for i in range(N):
            for j in range(N):
                agg[lab[i], lab[j]] += Bl[i, j]
        Bl = agg
        if K == 1:
            break
    out, _k = _renumber(of_node)
    return q_kernel(A, out, directed), out



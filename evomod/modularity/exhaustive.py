"""Exact maximum of Q over every set partition (small graphs)."""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod.bits import copy_into
from evomod.modularity.score import _EPS, _modularity_matrix, q_kernel

EXHAUSTIVE_MAX_N = 12


@njit(cache=True)
def exhaustive_kernel(A, directed):
    """Exact maximum over all set partitions (restricted growth strings,
    depth-first; adding node i to block c gains
    ``B_ii + 2 sum_{j<i in c} B_ij``). Bell(n) leaves: use n <= 12."""
    n = A.shape[0]
    B, m = _modularity_matrix(A, directed)
    best_lab = np.zeros(n, dtype=np.int64)
    if m <= 0.0 or n == 1:
        return 0.0, best_lab
    lab = np.zeros(n, dtype=np.int64)
    qp = np.zeros(n + 1)  # qp[i]: Q restricted to the first i nodes
    nb = np.zeros(n + 1, dtype=np.int64)  # blocks used by the first i nodes
    qp[1] = B[0, 0]
    nb[1] = 1
    best = -np.inf
    i = 1
    lab[1] = -1
    while i >= 1:
        lab[i] += 1
        if lab[i] > nb[i]:
            i -= 1
            continue
        c = lab[i]
        g = B[i, i]
        for j in range(i):
            if lab[j] == c:
                g += 2.0 * B[i, j]
        qp[i + 1] = qp[i] + g
        nb[i + 1] = nb[i] + (1 if c == nb[i] else 0)
        if i == n - 1:
            if qp[n] > best + _EPS:
                best = qp[n]
                copy_into(best_lab, lab, n)
        else:
            i += 1
            lab[i] = -1
    return q_kernel(A, best_lab, directed), best_lab



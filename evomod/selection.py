"""Selection strategies: objective arrays -> parent indices.

A strategy is one function registered in ``SELECTION``::

    @SELECTION.register("my-strategy", MyParams)
    def my_strategy(objectives, state, params):
        ...
        return parents, keep

``objectives`` is ``float64 (S, M)``, larger is better, column 0 the
(scalarised) fitness; ``state`` the run's xoshiro state (``evomod.rng``);
``params`` the validated ``[selection]`` table. It returns ``int64 (S,)``
parent indices (row i of the next population is a copy of ``parents[i]``)
and ``keep``, ``bool (S,)``: rows that pass unchanged (elites); the others
go through mutation (``pm``) and crossover (``pc``). Keeping a row where it
is (``parents[i] == i``) is free; the engine copies only the other rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from pydantic import Field

from . import rng as _rng
from .registry import Registry, Section

SELECTION = Registry("selection strategy", "selection")


class SelectionParams(Section):
    """Parameters every strategy has: its name and the variation rates."""

    name: str = Field("elite", description="selection strategy")
    pm: float = Field(0.7, ge=0.0, le=1.0, description=(
        "probability that a non-elite genome mutates: one random locus redrawn "
        "(Kashtan & Alon 0.7; reported second-hand, not checked against the paper)"))
    pc: float = Field(0.0, ge=0.0, le=1.0, description=(
        "probability of one-point crossover with a random selected parent "
        "(Kashtan & Alon: none in the main runs)"))


class EliteParams(SelectionParams):
    elite: int = Field(300, ge=0, description=(
        "L: the L best pass unchanged and the L worst are replaced by copies of them; "
        "must be <= population/2 (Kashtan & Alon: L = 300 of S = 1000)"))


@njit(cache=True, inline="always")
def _take_random(pool, n_pool, need, state):
    """Move a uniform random ``need``-subset of ``pool[:n_pool]`` to its front."""
    for j in range(need):
        r = j + _rng.below(state, n_pool - j)
        pool[j], pool[r] = pool[r], pool[j]


@njit(cache=True, inline="always")
def _partition_front(a, lo, hi, pivot, equal):
    """Move the elements of ``a[lo:hi+1]`` that are ``< pivot`` (or ``==``
    when ``equal``) to the front of that range; returns the end of that run.
    Branch-free Lomuto: evolved fitness arrays make compare branches
    unpredictable, and a mispredict per element costs more than the swap."""
    j = lo
    for i in range(lo, hi + 1):
        x = a[i]
        hit = (x == pivot) if equal else (x < pivot)
        a[i] = a[j]
        a[j] = x
        j += hit
    return j


@njit(cache=True)
def kth_smallest(a, k):
    """k-th smallest value (0-based) of ``a``, which is reordered in place
    so that ``a[:k] <= a[k] <= a[k+1:]``. Three-way quickselect (evolved
    fitness has few distinct values) with median-of-three pivots."""
    lo, hi = 0, a.shape[0] - 1
    while lo < hi:
        x, y, z = a[lo], a[(lo + hi) // 2], a[hi]
        pivot = max(min(x, y), min(max(x, y), z))
        lt = _partition_front(a, lo, hi, pivot, False)  # [lo, lt) < pivot
        gt = _partition_front(a, lt, hi, pivot, True)  # [lt, gt) == pivot
        if k < lt:
            hi = lt - 1
        elif k >= gt:
            lo = gt
        else:
            return pivot
    return a[k]


@njit(cache=True)
def elite_parents(fitness, n_elite, state):
    """Kashtan–Alon elite step in O(S), ties broken at random.

    The L best are kept in place, the L worst are overwritten by copies of
    them (one each), everyone else stays in place to be mutated. Individuals
    tied at the L-th best (or L-th worst) fitness are picked uniformly at
    random, the worst among those not already best, so the two sets never
    overlap when 2L <= S. Returns ``(parents, keep)``. The loops append
    branch-free (write, then advance by the condition).
    """
    size = fitness.shape[0]
    parents = np.arange(size)
    keep = np.zeros(size, dtype=np.bool_)
    if n_elite == 0:
        return parents, keep
    scratch = fitness.copy()
    top = kth_smallest(scratch, size - n_elite)  # L-th largest
    bottom = kth_smallest(scratch[: size - n_elite], n_elite - 1)  # L-th smallest
    ties = np.empty(size + 1, dtype=np.int64)
    best = np.empty(size + 1, dtype=np.int64)
    nb = 0
    n_ties = 0
    for i in range(size):
        best[nb] = i
        nb += fitness[i] > top
        ties[n_ties] = i
        n_ties += fitness[i] == top
    _take_random(ties, n_ties, n_elite - nb, state)
    best[nb:n_elite] = ties[: n_elite - nb]
    for j in range(n_elite):
        keep[best[j]] = True
    worst = np.empty(size + 1, dtype=np.int64)
    nw = 0
    n_ties = 0
    for i in range(size):
        worst[nw] = i
        nw += fitness[i] < bottom
        ties[n_ties] = i
        n_ties += (fitness[i] == bottom) & (not keep[i])
    _take_random(ties, n_ties, n_elite - nw, state)
    worst[nw:n_elite] = ties[: n_elite - nw]
    for j in range(n_elite):
        parents[worst[j]] = best[j]
    return parents, keep


@SELECTION.register("elite", EliteParams)
def elite(objectives: np.ndarray, state: np.ndarray, params: EliteParams):
    """Kashtan & Alon (2005) elite strategy on objective column 0."""
    return elite_parents(np.ascontiguousarray(objectives[:, 0]), params.elite, state)

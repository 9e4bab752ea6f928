"""Selection strategies: objective arrays -> parent indices.

A strategy is one function registered in ``SELECTION``::

    @SELECTION.register("my-strategy", MyParams)
    def my_strategy(objectives, state, params):
        ...
        return parents, n_elite

``objectives`` is ``float64 (S, M)``, larger is better, column 0 the
(scalarised) fitness; ``state`` the run's xoshiro state (``evomod.rng``);
``params`` the validated ``[selection]`` table. It returns ``int64 (S,)``
parent indices (row i of the next population is a copy of ``parents[i]``)
and ``n_elite``: the first ``n_elite`` rows pass unchanged, the others go
through mutation (``pm``) and crossover (``pc``).
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


@njit(cache=True)
def elite_parents(fitness, n_elite, state):
    """Kashtan–Alon elite step, O(S), ties broken at random.

    Returns parents ``[best L, middle S-2L, best L]``: the best pass, the
    middle survive to be mutated, the worst L are replaced by copies of the
    best. Individuals are ranked by fitness, then by a random permutation;
    the best take tied individuals from the front of the permutation and the
    worst from its back, so the two sets never overlap when 2L <= S.
    """
    size = fitness.shape[0]
    parents = np.empty(size, dtype=np.int64)
    if n_elite == 0:
        for i in range(size):
            parents[i] = i
        return parents
    perm = np.arange(size)
    _rng.shuffle(state, perm)
    top = np.partition(fitness, size - n_elite)[size - n_elite]  # L-th largest
    bottom = np.partition(fitness, n_elite - 1)[n_elite - 1]  # L-th smallest
    role = np.zeros(size, dtype=np.int8)  # 1 best, 2 worst
    nb = 0
    for i in range(size):
        if fitness[i] > top:
            role[i] = 1
            parents[nb] = i
            nb += 1
    for idx in range(size):
        if nb == n_elite:
            break
        i = perm[idx]
        if fitness[i] == top:
            role[i] = 1
            parents[nb] = i
            nb += 1
    nw = 0
    for i in range(size):
        if fitness[i] < bottom:
            role[i] = 2
            nw += 1
    for idx in range(size - 1, -1, -1):
        if nw == n_elite:
            break
        i = perm[idx]
        if fitness[i] == bottom and role[i] == 0:
            role[i] = 2
            nw += 1
    row = n_elite
    for i in range(size):
        if role[i] == 0:
            parents[row] = i
            row += 1
    for j in range(n_elite):
        parents[size - n_elite + j] = parents[j]
    return parents


@SELECTION.register("elite", EliteParams)
def elite(objectives: np.ndarray, state: np.ndarray, params: EliteParams):
    """Kashtan & Alon (2005) elite strategy on objective column 0."""
    fitness = np.ascontiguousarray(objectives[:, 0])
    return elite_parents(fitness, params.elite, state), params.elite

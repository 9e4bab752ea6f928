"""Costs and extra objectives: per-individual arrays priced on the whole population.

A cost is one function registered with ``register``: ``fn(rep, pop,
params) -> float64 (S,)``, ``params`` being the ``[objectives]`` table. The
registration says everything else about it, once:

* ``maximise=True``: a benefit (behavioural diversity), not a cost;
* ``available(rep) -> bool``: whether the representation can price it
  (default: any representation);
* ``column``: a record column (``evomod.columns.Column``), where each
  generation's best individual's value goes (``NaN`` where not
  ``available``); ``row(rep, pop, i, params) -> float`` gives that value
  (default: ``fn(...)[i]``, pricing the whole population).

``[objectives]`` says which costs enter the fitness with a weight
(scalarised) and which become separate objectives for multi-objective
selection (``nsga2``, ``stochastic_nsga2``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numba import njit
from pydantic import Field

from evomod.columns import Column
from evomod.registry import Registry, Section

COSTS = Registry("cost", "objectives", "evomod.costs")


class _NoParams(Section):
    pass


def register(name: str, *, maximise: bool = False, available: Callable | None = None,
             column: Column | None = None, row: Callable | None = None):
    """Decorator registering cost ``name`` (see the module docstring and
    docs/extending.md).

    Examples
    --------
    A cost any representation has, recorded in a column of its own::

        import math
        import numpy as np
        from evomod.columns import Column
        from evomod.costs import register

        @register("ones", column=Column("ones", "float64", math.nan, "rows where the best's output 0 is true"))
        def ones(rep, pop, params):
            bits = np.unpackbits(pop.tables[:, 0, :].view(np.uint8), axis=1)
            return bits.sum(axis=1).astype(np.float64)
    """
    if column is not None and row is None:
        def row(rep, pop, i, params):
            return float(COSTS.get(name).fn(rep, pop, params)[i])
    return COSTS.register(name, _NoParams, maximise=maximise, available=available or (lambda rep: True),
                          column=column, row=row)


def _priced_by_representation(name: str, column: Column | None = None):
    """A cost the representation prices (``rep.cost``), where it lists it in ``rep.costs``."""
    def row(rep, pop, i, params):
        return rep.row_costs(pop, i, params)[name]
    return register(name, available=lambda rep: name in rep.costs, column=column,
                    row=row if column is not None else None)


def maximise(name: str) -> bool:
    """Whether cost ``name`` is a benefit (larger is better).

    Parameters
    ----------
    name : str
        A registered cost.

    Examples
    --------
    >>> maximise("diversity"), maximise("connections")
    (True, False)
    """
    return COSTS.get(name).extra["maximise"]


def available(name: str, rep) -> bool:
    """Whether ``rep`` can price cost ``name``.

    Parameters
    ----------
    name : str
        A registered cost.
    rep : Representation

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> nand = representation_of(load("ka2005-logic-g1"))
    >>> available("locality", nand), available("wiring", nand)
    (True, False)
    """
    return COSTS.get(name).extra["available"](rep)


def cost_columns() -> tuple[Column, ...]:
    """The record columns of the registered costs, in registration order
    (installed plug-ins included).

    Examples
    --------
    >>> [c.name for c in cost_columns()][:2]
    ['connections', 'wiring']
    """
    COSTS.names()  # loads the plug-ins of other packages
    return tuple(e.extra["column"] for e in COSTS._entries.values() if e.extra.get("column") is not None)


def recorders(rep) -> list[tuple[str, Callable]]:
    """``(column name, row function)`` of every recorded cost ``rep`` can price.

    Parameters
    ----------
    rep : Representation

    Returns
    -------
    list of (str, callable)
        ``row(rep, pop, i, params) -> float``: the value of row ``i``.

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> [name for name, _ in recorders(representation_of(load("ka2005-logic-g1")))]
    ['connections']
    """
    COSTS.names()
    return [(e.extra["column"].name, e.extra["row"]) for e in COSTS._entries.values()
            if e.extra.get("column") is not None and e.extra["available"](rep)]


@_priced_by_representation("connections", Column(
    "connections", description="connections of the best (network) or wires of its effective circuit (NAND)"))
def connections(rep, pop, params):
    """Number of connections (network) or wires of the effective circuit (NAND).

    A NAND circuit has ``2 * effective gates + outputs`` wires (each gate
    reads two addresses, each output one).

    Parameters
    ----------
    rep : Representation
    pop : Population
        Evaluated (its ``size`` holds the effective gates).
    params : ObjectivesParams

    Returns
    -------
    ndarray of float64 (S,)

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> cfg = load("ka2005-logic-g1")
    >>> rep = representation_of(cfg)
    >>> pop = rep.population([[0, 1] * 12 + [4]])   # the output reads gate 0 = NAND(x, y)
    >>> rep.evaluate(pop)
    >>> connections(rep, pop, cfg.objectives)
    array([3.])
    """
    return rep.cost("connections", pop, params)


@_priced_by_representation("wiring", Column(
    "wiring", description="wiring cost of the best (NaN where the representation has none)"))
def wiring(rep, pop, params):
    """Wiring cost: the sum over connections of their squared Euclidean length.

        wiring = Σ_(i -> j) ((x_i - x_j)² + (y_i - y_j)²)

    Where hidden nodes sit is ``representation.positions`` (fixed
    coordinates, or the optimal placement of Clune et al.).

    Parameters
    ----------
    rep : Representation
        One that lists ``"wiring"`` in ``rep.costs`` (layered networks).
    pop : Population
    params : ObjectivesParams

    Returns
    -------
    ndarray of float64 (S,)

    References
    ----------
    J. Clune, J.-B. Mouret and H. Lipson, Proc. R. Soc. B 280, 20122863 (2013).
    """
    return rep.cost("wiring", pop, params)


@_priced_by_representation("locality")
def locality(rep, pop, params):
    """Locality cost: Σ distance(i, j) ** k over the connections, nodes at fixed positions.

    ``k`` is ``objectives.locality_exponent``; for NAND circuits the
    positions come from ``objectives.gate_layout``
    (``representations.nand.representation.address_positions``).

    Parameters
    ----------
    rep : Representation
        One that lists ``"locality"`` in ``rep.costs``.
    pop : Population
    params : ObjectivesParams

    Returns
    -------
    ndarray of float64 (S,)

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> cfg = load("ka2005-logic-g1")
    >>> rep = representation_of(cfg)
    >>> pop = rep.population([[0, 1] * 12 + [4]])   # wires x->g0, y->g0, g0->out on a line
    >>> rep.evaluate(pop)
    >>> locality(rep, pop, cfg.objectives)    # |0-4| + |1-4| + |4-16|
    array([19.])
    """
    return rep.cost("locality", pop, params)


@njit(cache=True)
def mean_hamming(tables, n_bits, out):
    """Mean Hamming distance of each row's output tables to every other row's,
    as a fraction of ``n_bits`` (row, output) pairs: from the count of ones
    per bit, in O(S·bits) instead of O(S²·bits)."""
    size, k_out, n_words = tables.shape
    ones = np.zeros((k_out, n_words, 64), dtype=np.int64)
    for i in range(size):
        for k in range(k_out):
            for w in range(n_words):
                x = tables[i, k, w]
                for b in range(64):
                    ones[k, w, b] += (x >> np.uint64(b)) & np.uint64(1)
    for i in range(size):
        total = 0
        for k in range(k_out):
            for w in range(n_words):
                x = tables[i, k, w]
                for b in range(64):
                    c = ones[k, w, b]
                    total += (size - c) if (x >> np.uint64(b)) & np.uint64(1) else c
        out[i] = total / max(size - 1, 1) / n_bits


@register("diversity", maximise=True)
def diversity(rep, pop, params):
    """Behavioural diversity: mean Hamming distance of the output truth tables
    to the rest of the population, in [0, 1]; larger is better.

        diversity_i = Σ_(j != i) hamming(T_i, T_j) / ((S - 1) · rows · outputs)

    Parameters
    ----------
    rep : Representation
    pop : Population
        Evaluated.
    params : ObjectivesParams

    Returns
    -------
    ndarray of float64 (S,)

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> cfg = load("ka2005-logic-g1")
    >>> rep = representation_of(cfg)
    >>> pop = rep.population([[0, 1] * 12 + [0], [0, 1] * 12 + [0], [0, 1] * 12 + [4]])  # x, x, NAND(x, y)
    >>> rep.evaluate(pop)
    >>> diversity(rep, pop, cfg.objectives) * 16    # x and NAND(x, y) differ on 12 of the 16 rows
    array([ 6.,  6., 12.])
    """
    out = np.empty(pop.tables.shape[0])
    mean_hamming(pop.tables, rep.n_rows * rep.n_outputs, out)
    return out


class ObjectivesParams(Section):
    weights: dict[str, float] = Field(default_factory=dict, description=(
        "costs scalarised into fitness, name -> weight: fitness = performance - size penalty "
        "- sum(weight * cost) (+ weight * diversity); names: connections, wiring, locality, diversity"))
    separate: list[str] = Field([], description=(
        "costs that are objectives of their own after performance, in order, for nsga2 / "
        "stochastic_nsga2 (Clune 2013 P&CC: [\"wiring\"])"))
    locality_exponent: float = Field(1.0, gt=0.0, description=(
        "k in the locality cost sum(distance**k) (networks: at their fixed coordinates)"))
    gate_layout: Literal["line", "grid", "shuffled", "random"] = Field("line", description=(
        "where NAND inputs, gates and outputs sit for the locality cost: on a line in address "
        "order; row by row on a square grid; shuffled (the line with the inputs' first and second "
        "halves interleaved: x, z, y, w for inputs x, y, z, w); random (each address on its own cell "
        "of the square grid, a random permutation drawn once from layout_seed)"))
    layout_seed: int = Field(0, ge=0, description="seed of the random NAND layout (gate_layout = random)")

    def used(self) -> list[str]:
        """Every cost the run must price, in a stable order."""
        return list(dict.fromkeys([*self.weights, *self.separate]))


def objective_columns(rep, pop, params: ObjectivesParams, fitness: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (S, 1 + len(separate)), larger is better.

        out[:, 0] = fitness - Σ_(cost c) w_c · c + Σ_(benefit b) w_b · b
        out[:, 1 + j] = -separate_j (a cost) or +separate_j (a benefit)

    Parameters
    ----------
    rep : Representation
    pop : Population
        Evaluated.
    params : ObjectivesParams
        ``weights`` and ``separate``.
    fitness : ndarray of float64 (S,)
        Performance less the size penalty.
    out : ndarray of float64 (S, 1 + len(params.separate))
        Written.
    """
    out[:, 0] = fitness
    values = {name: COSTS.get(name).fn(rep, pop, params) for name in params.used()}
    for name, weight in params.weights.items():
        sign = 1.0 if maximise(name) else -1.0
        out[:, 0] += sign * weight * values[name]
    for j, name in enumerate(params.separate):
        out[:, 1 + j] = values[name] if maximise(name) else -values[name]

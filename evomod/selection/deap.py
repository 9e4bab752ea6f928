"""``deap:NAME``: any ``deap.tools.sel*`` operator as a selection strategy.

The slow path (Python objects, ~ms per call), for comparison and
prototyping: the operator gets S individuals carrying the objective rows
as fitness (weights all +1; ``len(ind)`` is 1) and ``k = S``; stdlib
``random`` (and NumPy's global generator) are seeded from the run's state
for the call and restored after it. Nothing is kept.
"""

from __future__ import annotations

import functools
import inspect
import random
from typing import Any

import numpy as np
from pydantic import Field

from evomod import rng as _rng
from evomod.registry import ConfigError, Entry
from evomod.selection.strategies import SELECTION, SelectionParams, _objectives


class DeapParams(SelectionParams):
    name: str = Field("deap:selTournament", description="deap:NAME, NAME a deap.tools sel* operator")
    args: dict[str, Any] = Field(default_factory=dict, description=(
        "keyword arguments of the DEAP operator besides individuals and k, e.g. {tournsize = 3}"))


_DEAP = "deap:"


def deap_operators() -> list[str]:
    """Names of the ``deap.tools`` selection operators ``deap:NAME`` accepts."""
    from deap import tools

    return sorted(n for n in dir(tools) if n.startswith("sel") and inspect.isfunction(getattr(tools, n)))


class _DeapIndividual:
    """What a DEAP operator sees: a fitness, and the row it stands for."""

    __slots__ = ("index", "fitness")

    def __init__(self, index, fitness):
        self.index = index
        self.fitness = fitness

    def __len__(self):
        return 1


@functools.cache
def _deap_fitness(n_obj: int) -> type:
    from deap import base

    return type(f"EvomodFitness{n_obj}", (base.Fitness,), {"weights": (1.0,) * n_obj})


def _run_deap(op, objectives, state, params: DeapParams, cases=None):
    obj = _objectives(objectives)
    size = obj.shape[0]
    fitness = _deap_fitness(obj.shape[1])
    individuals = [_DeapIndividual(i, fitness(tuple(row))) for i, row in enumerate(obj.tolist())]
    seed = int(_rng.next_u64(state))
    # DEAP's operators draw from the global generators: seed them for the call, restore them after
    saved, saved_np = random.getstate(), np.random.get_state()  # noqa: NPY002
    random.seed(seed)
    np.random.seed(np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32))  # noqa: NPY002
    try:
        chosen = op(individuals, k=size, **params.args)
    finally:
        random.setstate(saved)
        np.random.set_state(saved_np)  # noqa: NPY002
    parents = np.array([ind.index for ind in chosen], dtype=np.int64)
    if parents.shape != (size,):
        raise ValueError(f"{params.name} returned {parents.shape[0]} individuals, expected {size}")
    return parents, np.zeros(size, dtype=np.bool_)


@functools.cache
def _deap_entry(name: str) -> Entry:
    from deap import tools

    op_name = name[len(_DEAP):]
    known = deap_operators()
    if op_name not in known:
        raise ConfigError(f"selection.name = {name!r}: unknown DEAP selection operator; known: "
                          f"{', '.join(_DEAP + n for n in known)}", "selection.name")
    op = getattr(tools, op_name)

    def deap_check(params, population):
        try:
            inspect.signature(op).bind([], k=population, **params.args)
        except TypeError as exc:
            raise ConfigError(f"selection.args = {params.args!r}: {op_name}{inspect.signature(op)}: {exc}",
                              "selection.args") from None

    def run_deap(objectives, state, params, cases=None):
        deap_check(params, np.shape(objectives)[0])
        return _run_deap(op, objectives, state, params, cases)

    run_deap.__name__ = run_deap.__qualname__ = op_name
    run_deap.multi_objective = True  # DEAP operators see whole fitness tuples
    run_deap.__doc__ = f"DEAP's tools.{op_name} (slow path): see evomod.selection."
    return Entry(name, run_deap, DeapParams, deap_check)


SELECTION.add_resolver(_DEAP, _deap_entry, "deap:NAME")

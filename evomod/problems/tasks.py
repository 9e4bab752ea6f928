"""Tasks: the inputs and the named goals, as packed truth tables.

A task is one function registered in ``TASKS``: it takes the validated
``[task]`` table and returns a ``Task``. ``logic`` takes goals as boolean
expressions over named inputs (Kashtan & Alon's circuits); ``retina`` is the
8-pixel retina of Kashtan & Alon 2005 and Clune et al. 2013, with goals
L-AND-R and L-OR-R over the left and right object lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from evomod.problems import goals as _goals
from evomod.registry import ConfigError, Registry, Section

TASKS = Registry("task", "task", "evomod.tasks")


@dataclass(frozen=True)
class Task:
    """Inputs, goal tables ``name -> uint64 (K, W)``, and how each goal reads."""

    inputs: list[str]
    goals: dict[str, np.ndarray]
    expressions: dict[str, list[str]]

    @property
    def n_outputs(self) -> int:
        return next(iter(self.goals.values())).shape[0]


class LogicParams(Section):
    name: str = Field("logic", description="logic (goals as expressions) | retina (8-pixel retina)")
    inputs: list[str] = Field(["x", "y", "z", "w"], min_length=1, max_length=_goals.MAX_INPUTS, description=(
        "input names, most significant first in truth tables (1 to 11 inputs)"))
    goals: dict[str, str | list[str]] = Field(
        default_factory=lambda: dict(_goals.BUILTIN_GOALS), min_length=1, description=(
            "named goals: an expression over the inputs (one per output as a list); "
            "operators ~ & ^ | == != ?: and NAND(a,b)-style calls"))

    def goal_expressions(self) -> dict[str, list[str]]:
        """Each named goal as its list of per-output expressions."""
        return {k: [v] if isinstance(v, str) else list(v) for k, v in self.goals.items()}


@TASKS.register("logic", LogicParams)
def logic(params: LogicParams) -> Task:
    try:
        _goals.check_inputs(params.inputs)
    except _goals.GoalError as exc:
        raise ConfigError(f"task.inputs: {exc}", "task.inputs") from None
    tables, exprs = {}, params.goal_expressions()
    for name, per_output in exprs.items():
        key = f"task.goals.{name}"
        if not per_output:
            raise ConfigError(f"{key} = []: give an expression (or one per output)", key)
        try:
            tables[name] = np.stack([_goals.parse(e, params.inputs) for e in per_output])
        except _goals.GoalError as exc:
            raise ConfigError(f"{key}: {exc}", key) from None
    return Task(list(params.inputs), tables, exprs)


class RetinaParams(Section):
    name: str = Field("retina", description="logic (goals as expressions) | retina (8-pixel retina)")
    left_objects: list[int] = Field([15, 7, 5, 13, 1, 11, 4, 14], min_length=1, max_length=16, description=(
        "left-half patterns that are objects, pixels 0-3 as bits 0-3 "
        "(Kashtan & Alon 2005, as in Clune et al.'s source)"))
    right_objects: list[int] = Field([112, 240, 208, 160, 176, 32, 224, 128], min_length=1, max_length=16,
                                     description="right-half objects, pixels 4-7 as bits 4-7 (mirror images)")


@TASKS.register("retina", RetinaParams)
def retina(params: RetinaParams) -> Task:
    from evomod.problems import retina as _retina

    try:
        tables = _retina.retina_goals(tuple(params.left_objects), tuple(params.right_objects))
    except ValueError as exc:
        raise ConfigError(f"task.left_objects / right_objects: {exc}", "task.left_objects") from None
    exprs = {"L-AND-R": ["left object AND right object"], "L-OR-R": ["left object OR right object"]}
    return Task(list(_retina.INPUTS), tables, exprs)


def build(params: Section) -> Task:
    """The task of a validated ``[task]`` table; bad goals raise ``ConfigError``.

    Parameters
    ----------
    params : Section
        The ``[task]`` table of a validated config (``LogicParams``, ``RetinaParams``, a plug-in's).

    Returns
    -------
    Task
        Input names, goal tables (name -> uint64 (K, W)) and their expressions.

    Examples
    --------
    >>> from evomod.config import load
    >>> task = build(load("ka2005-logic-mvg").task)
    >>> task.inputs, sorted(task.goals)[:2], hex(int(task.goals["G1"][0, 0]))
    (['x', 'y', 'z', 'w'], ['G1', 'G2'], '0x660')
    >>> build(load("ka2005-retina-fixed").task).goals["L-AND-R"].shape      # 256 rows: 4 words
    (1, 4)
    """
    return TASKS.get(params.name).fn(params)

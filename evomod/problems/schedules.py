"""Goal schedules: generation -> goal, a pure function of the generation.

A schedule is one function registered in ``SCHEDULES``: it takes the
validated ``[schedule]`` table, the task's named goal tables, the task's
input names and the schedule's ``SeedSequence``, and returns a
``Schedule``. Its ``check(params, context)`` hook (``evomod.registry.Context``:
the config, the task, the representation) raises ``ConfigError`` for a
table that does not fit the rest of the config.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from evomod.problems import goals as _goals
from evomod.registry import ConfigError, Registry, Section

SCHEDULES = Registry("goal schedule", "schedule", "evomod.schedules")


class ScheduleParams(Section):
    name: str = Field("mvg", description="fixed | mvg | rmvg | rvg")
    goals: list[str] = Field(["G1", "G2"], min_length=1, description=(
        "goal names from [task.goals]: fixed uses the first, mvg cycles through them, "
        "rmvg ignores them and draws random modular goals F(A(x,y), B(z,w)), rvg alternates "
        "the first with random goals"))
    period: int = Field(20, ge=1, description=(
        "E: generations between goal switches (Kashtan & Alon 2005: 20)"))


@dataclass
class Schedule:
    """Goals and the generation -> goal-index map.

    Attributes
    ----------
    names : list of str
        Goal names; ``goal_at`` indexes them.
    tables : uint64 (n_goals, K, W)
        Target truth tables.
    goal_at : callable
        ``goal_at(generation) -> int``.
    finite : bool
        Whether every goal in ``names`` is visited (false for rmvg, whose pool
        is larger than a run may reach).
    targets : list of str, optional
        The goals whose solution ends a ``stop_on_solve`` run (rvg: the one
        target goal); None: every goal of ``names`` when ``finite``, else any.
    """

    names: list[str]
    tables: np.ndarray
    goal_at: Callable[[int], int]
    finite: bool = True
    targets: list[str] | None = None

    def switch_generations(self, generations: int) -> list[int]:
        """Generations < ``generations`` at which the goal differs from the previous one."""
        idx = [self.goal_at(t) for t in range(generations)]
        return [t for t in range(1, generations) if idx[t] != idx[t - 1]]


def _stack(tables) -> np.ndarray:
    return np.ascontiguousarray(np.stack(tables), dtype=np.uint64)


def check_goals(params, context) -> None:
    """``schedule.goals`` must be goals of the task."""
    for g in params.goals:
        if g not in context.task.goals:
            raise ConfigError(f"schedule.goals: unknown goal {g!r}; the task's goals: "
                              f"{', '.join(context.task.goals)}", "schedule.goals")


def check_rmvg(params, context) -> None:
    """rmvg draws its own goals F(A(x,y), B(z,w)): 4 inputs, 1 output."""
    if context.config.task.name != "logic" or len(context.task.inputs) != 4 or context.rep.n_outputs != 1:
        raise ConfigError("schedule.name = 'rmvg' needs a logic task with 4 inputs and 1 output "
                          "(goals F(A(x,y), B(z,w)))", "schedule.name")


@SCHEDULES.register("fixed", ScheduleParams, check=check_goals)
def fixed(params, goal_tables, inputs, seed_seq):
    """The first goal of ``goals`` throughout.

    Parameters
    ----------
    params : ScheduleParams
        The validated ``[schedule]`` table.
    goal_tables : dict of str to numpy.ndarray
        The task's named goals, each ``uint64 (K, W)``.
    inputs : list of str
        The task's input names.
    seed_seq : numpy.random.SeedSequence
        The schedule's own seed (unused).

    Returns
    -------
    Schedule
        The goal names, their tables ``uint64 (n_goals, K, W)`` and ``goal_at``.

    Examples
    --------
    >>> import numpy as np
    >>> from evomod.problems import goals
    >>> tables = {"G1": goals.parse("x & y", ["x", "y"])[None]}
    >>> s = fixed(ScheduleParams(name="fixed", goals=["G1"]), tables, ["x", "y"], np.random.SeedSequence(0))
    >>> s.names, [s.goal_at(t) for t in (0, 20, 10**6)]
    (['G1'], [0, 0, 0])
    """
    name = params.goals[0]
    return Schedule([name], _stack([goal_tables[name]]), lambda t: 0)


@SCHEDULES.register("mvg", ScheduleParams, check=check_goals)
def mvg(params, goal_tables, inputs, seed_seq):
    """Modularly varying goals (Kashtan & Alon 2005): goal ``(t // E) % n`` at generation t.

    With E = ``params.period`` generations per epoch and n goals, the goals
    are visited in the order of ``params.goals``, each for E generations.

    Parameters
    ----------
    params : ScheduleParams
        The validated ``[schedule]`` table.
    goal_tables : dict of str to numpy.ndarray
        The task's named goals, each ``uint64 (K, W)``.
    inputs : list of str
        The task's input names.
    seed_seq : numpy.random.SeedSequence
        The schedule's own seed (unused).

    Returns
    -------
    Schedule
        The goal names, their tables ``uint64 (n_goals, K, W)`` and ``goal_at``.

    Examples
    --------
    >>> import numpy as np
    >>> from evomod.problems import goals
    >>> tables = {g: goals.parse(e, ["x", "y"])[None] for g, e in (("A", "x & y"), ("B", "x | y"))}
    >>> s = mvg(ScheduleParams(goals=["A", "B"], period=20), tables, ["x", "y"], np.random.SeedSequence(0))
    >>> [s.names[s.goal_at(t)] for t in (0, 19, 20, 39, 40)]
    ['A', 'A', 'B', 'B', 'A']
    >>> s.switch_generations(61)
    [20, 40, 60]
    """
    names = list(params.goals)
    period, n = params.period, len(names)
    return Schedule(names, _stack([goal_tables[g] for g in names]), lambda t: (t // period) % n)


@SCHEDULES.register("rmvg", ScheduleParams, check=check_rmvg)
def rmvg(params, goal_tables, inputs, seed_seq):
    """Random modularly varying goals: every E generations a new goal
    F(A(x,y), B(z,w)) with A, B, F non-degenerate 2-input functions.

    The pool of distinct such goals is visited in a random order, and
    reshuffled only when exhausted, so no goal repeats while unseen ones
    remain; each pass's order comes from the schedule's own seed.

    Parameters
    ----------
    params : ScheduleParams
        The validated ``[schedule]`` table.
    goal_tables : dict of str to numpy.ndarray
        The task's named goals, each ``uint64 (K, W)``.
    inputs : list of str
        The task's input names.
    seed_seq : numpy.random.SeedSequence
        The schedule's own seed (pass k's order comes from its child k).

    Returns
    -------
    Schedule
        The pool's goal names, their tables and ``goal_at``; ``finite`` is
        False (a run need not visit every goal).

    References
    ----------
    Kashtan & Alon (2005), PNAS 102:13773 (random MVG, their supplement).

    Examples
    --------
    The pool over four inputs holds 250 distinct goals; within a pass none repeats:

    >>> import numpy as np
    >>> s = rmvg(ScheduleParams(name="rmvg", period=20), {}, ["x", "y", "z", "w"], np.random.SeedSequence(7))
    >>> len(s.names), s.finite
    (250, False)
    >>> len({s.goal_at(20 * k) for k in range(250)})
    250
    """
    pool = _goals.modular_goal_pool(inputs)
    names = [name for name, _ in pool]
    tables = _stack([table.reshape(1, -1) for _, table in pool])
    period, n = params.period, len(pool)
    passes: list[np.ndarray] = []

    def goal_at(t: int) -> int:
        k, pos = divmod(t // period, n)
        while len(passes) <= k:
            # pass k's order from child k of the schedule's seed, derived without
            # spawn() so the caller's SeedSequence is left as it was
            child = np.random.SeedSequence(seed_seq.entropy, spawn_key=seed_seq.spawn_key + (len(passes),))
            passes.append(np.random.default_rng(child).permutation(n))
        return int(passes[k][pos])

    return Schedule(names, tables, goal_at, finite=False)


class RvgParams(ScheduleParams):
    name: str = Field("rvg", description="fixed | mvg | rmvg | rvg")
    pool: int = Field(64, ge=1, le=4096, description=(
        "rvg: distinct random goals (uniformly random truth tables), visited in random order"))


def check_rvg(params, context) -> None:
    """rvg: its first goal must be a goal of the task."""
    check_goals(params, context)


@SCHEDULES.register("rvg", RvgParams, check=check_rvg)
def rvg(params, goal_tables, inputs, seed_seq):
    """Randomly varying goals (Kashtan, Noor & Alon 2007): the target goal
    (the first of ``goals``) in even epochs of E generations, a random goal in
    odd ones. The random goals are ``pool`` truth tables drawn uniformly
    (every row of every output a fair coin), named ``random-1`` ...; they are
    visited in a random order, reshuffled only when all have been used. A
    ``stop_on_solve`` run stops once the target is solved.

    Parameters
    ----------
    params : RvgParams
        The validated ``[schedule]`` table.
    goal_tables : dict of str to numpy.ndarray
        The task's named goals, each ``uint64 (K, W)``.
    inputs : list of str
        The task's input names.
    seed_seq : numpy.random.SeedSequence
        The schedule's own seed (the random tables come from its child 0, the passes' orders from the next).

    Returns
    -------
    Schedule
        The target and the ``pool`` random goals, their tables and
        ``goal_at``; ``targets`` is the target alone.

    References
    ----------
    Kashtan, Noor & Alon (2007), PNAS 104:13711.

    Examples
    --------
    >>> import numpy as np
    >>> from evomod.problems import goals
    >>> tables = {"T": goals.parse("x ^ y", ["x", "y"])[None]}
    >>> s = rvg(RvgParams(goals=["T"], period=10, pool=4), tables, ["x", "y"], np.random.SeedSequence(1))
    >>> s.names, s.targets
    (['T', 'random-1', 'random-2', 'random-3', 'random-4'], ['T'])
    >>> [s.names[s.goal_at(t)] == "T" for t in (0, 9, 10, 20, 30)]
    [True, True, False, True, False]
    """
    target = params.goals[0]
    shape = goal_tables[target].shape  # (K, W)
    mask = _goals.row_mask(len(inputs))

    def child(k: int) -> np.random.Generator:  # without spawn(), so the caller's SeedSequence is unchanged
        return np.random.default_rng(np.random.SeedSequence(seed_seq.entropy, spawn_key=seed_seq.spawn_key + (k,)))

    words = child(0).integers(0, 2**64, size=(params.pool, *shape), dtype=np.uint64, endpoint=False)
    tables = _stack([goal_tables[target], *(words & mask)])
    names = [target] + [f"random-{i + 1}" for i in range(params.pool)]
    period, n = params.period, params.pool
    passes: list[np.ndarray] = []

    def goal_at(t: int) -> int:
        epoch = t // period
        if epoch % 2 == 0:
            return 0
        k, pos = divmod(epoch // 2, n)
        while len(passes) <= k:
            passes.append(child(1 + len(passes)).permutation(n))
        return 1 + int(passes[k][pos])

    return Schedule(names, tables, goal_at, finite=False, targets=[target])

"""What a run produces: per-generation records and the final best.

``Records`` holds one preallocated column per statistic (the best
individual's, except ``mean_fitness``), as listed once by
``record_columns()``; ``RunResult`` is everything a run returns, which
``evomod.io.run_dir`` writes to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evomod import costs as _costs
from evomod.columns import Column
from evomod.config import Config
from evomod.measures import adaptation as _adaptation

#: The engine's own columns, written every generation.
ENGINE = (
    Column("generation", "int64", 0, "generation index"),
    Column("goal", "int32", 0, "the goal in force (an index into the goal names; its name in records.parquet)"),
    Column("best_fitness", "float64", 0, "fitness of the best individual (objective column 0)"),
    Column("mean_fitness", "float64", 0, "mean fitness of the population"),
    Column("best_performance", "float64", 0, "performance of the best: fraction of correct (row, output) pairs"),
    Column("n_effective", "int64", 0, "effective gates / neurons after pruning of the best"),
)
#: Modularity measurements of the best, every ``modularity.every`` generations (NaN between).
MEASURED = (
    Column("q", description="Q of the best (NaN on generations where modularity was not measured)"),
    Column("qm", description="Q_m of the best, like q"),
    Column("info_flow", description="information-flow modularity of the best (NaN unless modularity.info_flow)"),
    Column("coverage", description="sub-goal coverage of the best (NaN unless modularity.coverage)"),
    Column("hierarchy", description="hierarchy (global reaching centrality) of the best (NaN unless "
           "modularity.hierarchy)"),
    Column("subproblems", description="fraction of the current goal's sub-goals the best solves, Mengistu et "
           "al.'s test (NaN unless modularity.hierarchy)"),
)


def record_columns() -> tuple[Column, ...]:
    """Every record column, in file order: the engine's, each recorded
    cost's (``evomod.costs``, installed plug-ins included), then the
    modularity measurements."""
    return ENGINE + _costs.cost_columns() + MEASURED


def __getattr__(name: str):
    if name == "RECORD_COLUMNS":  # the column names, read when asked (plug-ins may add columns)
        return tuple(c.name for c in record_columns())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Records:
    """Per-generation statistics in preallocated columns, one attribute per
    ``record_columns()`` entry (``records.q[t]``); the best individual's,
    except ``mean_fitness``."""

    def __init__(self, columns: tuple[Column, ...], n: int):
        self.spec = columns
        self.length = 0
        for col in columns:
            setattr(self, col.name, col.empty(n))
        self.generation[:] = np.arange(n)

    @classmethod
    def allocate(cls, n: int) -> Records:
        return cls(record_columns(), n)

    @property
    def capacity(self) -> int:
        return self.generation.shape[0]

    def grow(self) -> None:
        """Double the capacity (a long cap is not allocated up front)."""
        n = self.capacity
        for col in self.spec:
            new = col.empty(2 * n)
            new[:n] = getattr(self, col.name)
            setattr(self, col.name, new)
        self.generation[n:] = np.arange(n, 2 * n)

    def columns(self) -> dict[str, np.ndarray]:
        return {col.name: getattr(self, col.name)[: self.length] for col in self.spec}


@dataclass
class RunResult:
    """Everything a run produced; ``evomod.io.run_dir`` writes it to disk."""

    config: Config
    records: Records
    goal_names: list[str]
    goal_expressions: dict[str, list[str]]
    first_solved: dict[str, int | None]
    best_genome: np.ndarray
    best_fitness: float
    best_performance: float
    best_n_effective: int
    final_goal: str
    status: str  # finished | solved | interrupted
    wall_seconds: float
    inputs: list[str] = field(default_factory=list)
    modularity: dict = field(default_factory=dict)  # the final best: q, qm, partition, null-model cost

    @property
    def generations_run(self) -> int:
        return self.records.length

    @property
    def switches(self) -> list[dict]:
        """Per goal switch, generations until the best is perfect again (``evomod.measures.adaptation``)."""
        cols = self.records.columns()
        return _adaptation.switches(cols["goal"], cols["best_performance"], self.goal_names,
                                    self.config.fitness.solved_at)

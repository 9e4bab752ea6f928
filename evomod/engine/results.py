"""What a run produces: per-generation records and the final best.

``Records`` holds one preallocated column per statistic (the best
individual's, except ``mean_fitness``); ``RunResult`` is everything a run
returns, which ``evomod.io.run_dir`` writes to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evomod.config import Config
from evomod.measures import adaptation as _adaptation

RECORD_COLUMNS = ("generation", "goal", "best_fitness", "mean_fitness", "best_performance", "n_effective",
                  "connections", "wiring", "q", "qm", "info_flow", "coverage")


@dataclass
class Records:
    """Per-generation statistics in preallocated columns (the best
    individual's, except ``mean_fitness``)."""

    generation: np.ndarray
    goal: np.ndarray
    best_fitness: np.ndarray
    mean_fitness: np.ndarray
    best_performance: np.ndarray
    n_effective: np.ndarray  # effective gates / neurons after pruning
    connections: np.ndarray
    wiring: np.ndarray  # NaN where the representation has no wiring cost
    q: np.ndarray  # NaN on generations where modularity was not measured
    qm: np.ndarray
    info_flow: np.ndarray  # NaN unless modularity.info_flow, like q
    coverage: np.ndarray  # NaN unless modularity.coverage
    length: int = 0

    @classmethod
    def allocate(cls, n: int) -> Records:
        nan = lambda: np.full(n, np.nan)  # noqa: E731
        return cls(np.arange(n, dtype=np.int64), np.zeros(n, np.int32), np.zeros(n), np.zeros(n),
                   np.zeros(n), np.zeros(n, np.int64), nan(), nan(), nan(), nan(), nan(), nan())

    @property
    def capacity(self) -> int:
        return self.generation.shape[0]

    def grow(self) -> None:
        """Double the capacity (a long cap is not allocated up front)."""
        n = self.capacity
        for name in RECORD_COLUMNS:
            old = getattr(self, name)
            new = np.full(2 * n, np.nan) if old.dtype.kind == "f" else np.zeros(2 * n, old.dtype)
            new[:n] = old
            setattr(self, name, new)
        self.generation[n:] = np.arange(n, 2 * n)

    def columns(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name)[: self.length] for name in RECORD_COLUMNS}


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

"""The engine: one run's generation loop (``run``), what it produces
(``Records``, ``RunResult``), checkpoints, and the measurements taken
during a run (``tracking``)."""

from evomod.engine.loop import run, score
from evomod.engine.results import Records, RunResult, record_columns

__all__ = ["Records", "RunResult", "record_columns", "run", "score"]

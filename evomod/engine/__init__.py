"""The engine: one run's generation loop (``run``), what it produces
(``Records``, ``RunResult``), checkpoints, and the measurements taken
during a run (``tracking``)."""

from evomod.engine.loop import run, score
from evomod.engine.results import RECORD_COLUMNS, Records, RunResult

__all__ = ["RECORD_COLUMNS", "Records", "RunResult", "run", "score"]

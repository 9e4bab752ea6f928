"""One column of a run's per-generation records, declared once.

``Records`` (``evomod.engine.results``), ``records.parquet``
(``evomod.io.run_dir``), checkpoints (``evomod.engine.checkpoint``) and a
study's record tables (``evomod.study.results``) are all built from the same
list of ``Column`` s, ``evomod.engine.results.record_columns()``: the engine's
own columns, then the column of every cost registered with one
(``evomod.costs.register``), then the modularity measurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Column:
    """A record column.

    Parameters
    ----------
    name : str
        Column name in ``Records``, ``records.parquet`` and study tables.
    dtype : str
        numpy dtype name (``"float64"``, ``"int64"``, ``"int32"``).
    fill : float
        Value of a generation where nothing was recorded: ``0`` or ``NaN``
        (a measurement not taken, a cost the representation does not have).
    description : str
        What the column holds, one line.

    Examples
    --------
    >>> Column("wiring", "float64", math.nan, "wiring cost of the best").empty(3)
    array([nan, nan, nan])
    """

    name: str
    dtype: str = "float64"
    fill: float = math.nan
    description: str = ""

    def empty(self, n: int) -> np.ndarray:
        """``n`` values of ``fill``."""
        return np.full(n, self.fill, dtype=self.dtype)

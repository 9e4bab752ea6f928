"""The table of Q_rand and Q_max shipped with evomod (``evomod/data/qm-null.json.gz``).

Q_m's null model is a function of a degree sequence alone (it is seeded by
the sequence, see ``modularity.normalised.null_seed``), so a table of the
sequences the built-in logic-gate and Kashtan–Alon retina presets meet is a
pure memo: a run that
uses it logs exactly the values a run without it would compute, and saves
~0.1 s per degree sequence, which is most of the cost of logging Q_m every
generation. Entries of another ``NULL_VERSION`` are never looked up.

Rebuild it (after any change to the null model, with ``NULL_VERSION`` bumped)::

    python scripts/rebuild_null_table.py     # ~30 minutes on one core
"""

from __future__ import annotations

import functools
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "qm-null.json.gz"
PRESETS = ("ka2005-logic-mvg", "ka2005-logic-g1", "ka2005-logic-g2", "ka2005-logic-rmvg", "ka2005-retina-mvg",
           "ka2005-retina-fixed", "ka2005-retina3-mvg", "ka2005-retina3-fixed")


@functools.lru_cache(maxsize=1)
def load() -> dict:
    """The shipped entries, ``degree key -> (q_rand, q_max)`` (read once)."""
    from evomod.modularity import DegreeCache

    return DegreeCache(TABLE).entries() if TABLE.exists() else {}

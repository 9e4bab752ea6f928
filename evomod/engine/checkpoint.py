"""Checkpoints of a run between generations, to resume a long run exactly.

A checkpoint taken before generation t holds everything later generations
depend on: the population's arrays (genomes, output tables and caches),
the evolution stream's xoshiro state, the records of generations < t and
the goals solved so far. The schedule is a pure function of t, and the
modularity measurements are pure functions of each graph (seeded by the
run's seed and the degree sequence), so a resumed run logs exactly what an
uninterrupted one does. Only the tracker's cache statistics start afresh.

One ``.npz`` file, written to a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from evomod.config import to_dict
from evomod.io.files import atomic_write
from evomod.registry import ConfigError

FORMAT = "evomod-checkpoint/1"


def config_digest(config) -> str:
    """Identity of the experiment a checkpoint belongs to (``records`` only
    thins what is written, so a checkpoint serves any ``records.every``)."""
    data = {k: v for k, v in to_dict(config).items() if k != "records"}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def save(path: Path, config, t: int, pop, state: np.ndarray, records, first_solved: dict,
         elapsed: float) -> None:
    path = Path(path)
    meta = {"format": FORMAT, "config": config_digest(config), "generation": t,
            "first_solved": first_solved, "elapsed": elapsed, "extra": list(pop.extra)}
    arrays = {"genomes": pop.genomes, "tables": pop.tables, "valid": pop.valid, "size": pop.size,
              "stale": pop.stale, "state": state,
              **{f"extra_{k}": v for k, v in pop.extra.items()},
              **{f"rec_{k}": v[:t] for k, v in records.columns().items()},
              "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays))


def load(path: Path, config) -> dict | None:
    """The checkpoint at ``path`` (None if there is none); a checkpoint of
    another config raises ``ConfigError`` rather than be silently mixed in."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"checkpoint {path}: unreadable ({exc.__class__.__name__}); delete it to start over",
                          "checkpoint") from None
    if meta.get("format") != FORMAT or meta.get("config") != config_digest(config):
        raise ConfigError(f"checkpoint {path}: belongs to another config; delete it or use another path",
                          "checkpoint")
    meta["arrays"] = arrays
    return meta


def restore(meta: dict, pop, records) -> np.ndarray:
    """Put a loaded checkpoint's arrays into ``pop`` and ``records``; returns the state."""
    a = meta["arrays"]
    for name in ("genomes", "tables", "valid", "size", "stale"):
        getattr(pop, name)[...] = a[name]
    for name in meta["extra"]:
        pop.extra[name][...] = a[f"extra_{name}"]
    t = meta["generation"]
    while records.capacity < t:
        records.grow()
    for col in records.spec:  # a column the checkpoint lacks keeps its fill value
        if f"rec_{col.name}" in a:
            getattr(records, col.name)[:t] = a[f"rec_{col.name}"]
    records.length = t
    return a["state"]

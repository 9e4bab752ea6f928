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
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evomod.config import to_dict
from evomod.io.files import atomic_write
from evomod.registry import ConfigError

FORMAT = "evomod-checkpoint/1"


def config_digest(config) -> str:
    """Identity of the experiment a checkpoint belongs to (``records`` only
    thins what is written, so a checkpoint serves any ``records.every``).

    Parameters
    ----------
    config : Config

    Returns
    -------
    str
        16 hex digits of a SHA-256 of the config without its ``records`` table.

    Examples
    --------
    >>> from evomod.config import load
    >>> a = config_digest(load("ka2005-logic-g1"))
    >>> a == config_digest(load("ka2005-logic-g1", ["records.every=10"])), a == config_digest(load("ka2005-logic-g2"))
    (True, False)
    """
    data = {k: v for k, v in to_dict(config).items() if k != "records"}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def save(path: Path, config, t: int, pop, state: np.ndarray, records, first_solved: dict,
         elapsed: float) -> None:
    """Write a run's state after ``t`` generations to ``path`` (an ``.npz``, atomically).

    Parameters
    ----------
    path : Path
    config : Config
        Its digest is stored: :func:`load` refuses the file for another config.
    t : int
        Generations done.
    pop : Population
        Genomes and their cached evaluation.
    state : ndarray of uint64 (4,)
        The evolution RNG's state.
    records : Records
        Its first ``t`` rows are stored.
    first_solved : dict
        Goal name -> first generation solved (or None).
    elapsed : float
        Seconds of run time so far.
    """
    path = Path(path)
    meta = {"format": FORMAT, "config": config_digest(config), "generation": t,
            "first_solved": first_solved, "elapsed": elapsed, "extra": list(pop.extra)}
    arrays = {"genomes": pop.genomes, "tables": pop.tables, "valid": pop.valid, "size": pop.size,
              "stale": pop.stale, "state": state,
              **{f"extra_{k}": v for k, v in pop.extra.items()},
              **{f"rec_{k}": v[:t] for k, v in records.columns().items()},
              "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: given a name, savez would append .npz to it
            np.savez(fh, **arrays)

    atomic_write(path, write)


class _Meta(BaseModel):
    """The JSON header of a checkpoint, checked before anything is restored."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    format: str
    config: str
    generation: int = Field(ge=1)
    first_solved: dict[str, int | None]
    elapsed: float = Field(ge=0.0)
    extra: list[str]


def _refuse(path, why: str) -> ConfigError:
    return ConfigError(f"checkpoint {path}: {why}; delete it to start over", "checkpoint")


def _no_constant(token):
    raise ValueError(f"non-standard JSON token {token}")


def load(path: Path, config) -> dict | None:
    """The checkpoint at ``path`` (None if there is none); a checkpoint of
    another config raises ``ConfigError`` rather than be silently mixed in,
    and so does an empty, truncated or altered one (one line, no traceback).

    Parameters
    ----------
    path : Path
    config : Config
        The run that wants to resume.

    Returns
    -------
    dict or None
        The JSON header's fields (``generation``, ``first_solved``,
        ``elapsed``, ...) with ``arrays`` (name -> ndarray) and ``path``;
        give it to :func:`restore`.

    Raises
    ------
    ConfigError
    """
    path = Path(path)
    if not path.exists():
        return None
    if not path.is_file():
        raise _refuse(path, "is not a file")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode(), parse_constant=_no_constant)
    except Exception as exc:  # zip, npy and JSON readers raise many kinds
        raise _refuse(path, f"unreadable ({exc.__class__.__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, f"not an {FORMAT} file")
    if meta.get("config") != config_digest(config):
        raise ConfigError(f"checkpoint {path}: belongs to another config; delete it or use another path",
                          "checkpoint")
    try:
        meta = _Meta.model_validate(meta).model_dump()
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _refuse(path, f"header '{'.'.join(map(str, err['loc']))}' {err['msg'].lower()}") from None
    t = meta["generation"]
    if t >= config.generations or any(v is not None and not 0 <= v < t for v in meta["first_solved"].values()):
        raise _refuse(path, f"generation {t} does not fit a run of {config.generations} generations")
    meta["arrays"] = arrays
    meta["path"] = str(path)
    return meta


def restore(meta: dict, pop, records, rep=None) -> np.ndarray:
    """Put a loaded checkpoint's arrays into ``pop`` and ``records``; returns
    the state. Every array must have the shape and type of the one it
    replaces, and (given ``rep``) every genome must be valid: a checkpoint
    altered on disk is refused (``ConfigError``) rather than read out of bounds.

    Parameters
    ----------
    meta : dict
        From :func:`load`.
    pop : Population
        Allocated for the config; overwritten.
    records : Records
        Allocated for the config; its first rows are overwritten.
    rep : Representation, optional
        Checks every genome (``rep.check_genome``).

    Returns
    -------
    ndarray of uint64 (4,)
        The RNG state to continue with.
    """
    a, path, t = meta["arrays"], meta.get("path", "?"), meta["generation"]
    columns = records.columns()
    wanted = {"genomes": pop.genomes, "tables": pop.tables, "valid": pop.valid, "size": pop.size,
              "stale": pop.stale, "state": np.zeros(4, np.uint64),
              **{f"extra_{k}": v for k, v in pop.extra.items()}}
    if sorted(meta["extra"]) != sorted(pop.extra):
        raise _refuse(path, "its arrays do not match this representation")
    expected = set(wanted) | {f"rec_{k}" for k in columns}
    if set(a) != expected:
        raise _refuse(path, f"arrays {sorted(set(a) ^ expected)[:4]} missing or unexpected")
    for name, like in wanted.items():
        if a[name].shape != like.shape or a[name].dtype != like.dtype:
            raise _refuse(path, f"array '{name}' has shape {a[name].shape} {a[name].dtype}, "
                                f"not {like.shape} {like.dtype}")
    for key, column in columns.items():
        got = a[f"rec_{key}"]
        if got.shape != (t,) or got.dtype != column.dtype:
            raise _refuse(path, f"record column '{key}' has shape {got.shape} {got.dtype}, not ({t},) {column.dtype}")
    if not a["state"].any():
        raise _refuse(path, "the random state is all zeros")  # xoshiro would draw 0 forever
    if rep is not None:
        for genome in np.unique(a["genomes"], axis=0):
            why = rep.check_genome([int(v) for v in genome])
            if why:
                raise _refuse(path, f"a genome {why}")
    for name in ("genomes", "tables", "valid", "size", "stale"):
        getattr(pop, name)[...] = a[name]
    for name in meta["extra"]:
        pop.extra[name][...] = a[f"extra_{name}"]
    while records.capacity < t:
        records.grow()
    for key in columns:
        getattr(records, key)[:t] = a[f"rec_{key}"]
    records.length = t
    return a["state"]

"""A study file and its expansion into runs.

A study is a base config, a grid of overrides whose Cartesian product gives
the cells, a number of seeds per cell and a study seed. Everything is
checked here, before anything runs: every cell's config is validated, so a
grid key that is not a config key fails with one line naming it.

Run ids and seeds depend only on a cell's overrides and the seed index, never
on the order runs execute in or on how many workers there are: a cell's key
is a short hash of its overrides, the run id is ``KEY-sNNN`` and the run's
seed comes from ``SeedSequence(study seed, spawn_key=(KEY as an integer,
seed index))``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evomod import config as _config
from evomod.engine.results import record_columns
from evomod.registry import ConfigError
from evomod.study.seeding import run_seeds

MAX_RUNS = 1_000_000  # runs per study: more is several studies (study.json, the tables and resume stay small)
STUDY_KEYS = ("description", "base", "seeds", "seed", "checkpoint_every", "grid", "overrides", "cluster")
CLUSTER_KINDS = ("local", "slurm", "pbs", "sge", "lsf")
# columns of runs.parquet and of the records dataset besides the swept parameters
_RUN_COLUMNS = {"run_id", "cell", "cell_index", "cell_key", "seed_index", "seed", "status", "generation_cap",
                "generations_run", "generations_to_solve", "goals_solved", "first_solved", "final_best_fitness",
                "final_best_performance", "final_n_effective", "final_q", "final_qm", "wall_seconds", "error"}


def reserved() -> set[str]:
    """Names an axis may not take: the columns of runs.parquet and of the records."""
    return _RUN_COLUMNS | {c.name for c in record_columns()}
CACHE_FILE = "qm-cache.json"


@dataclass(frozen=True)
class Axis:
    """One grid key: a dotted config key with its values, or a condition
    axis (a name and a list of tables of keys set together)."""

    name: str
    labels: tuple  # what the column shows per value
    overrides: tuple  # per value: {dotted key: value}
    condition: bool = False

    @property
    def arrow_type(self) -> str:
        """bool, int, float or str: the column's type (lists and tables go in as JSON text)."""
        if self.condition:
            return "str"
        kinds = {type(v) for v in self.labels}
        if kinds == {bool}:
            return "bool"
        if kinds == {int}:
            return "int"
        if kinds <= {int, float}:
            return "float"
        return "str"

    def column_value(self, label):
        kind = self.arrow_type
        if kind == "float":
            return float(label)
        if kind == "str" and not isinstance(label, str):
            return json.dumps(label, sort_keys=True, default=str)
        return label


@dataclass(frozen=True)
class Cell:
    index: int
    key: str  # 8 hex digits of the hash of its overrides
    label: str  # how reports name it
    params: dict  # axis name -> column value
    overrides: dict  # dotted key -> value, every axis merged
    config: Any  # the validated Config (seed 0)


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    cell: Cell
    seed_index: int
    seed: int

    @property
    def config(self):
        """The run's validated config: the cell's, with the run's seed (made when asked:
        a study of 10^5 runs needs only the pending runs' configs)."""
        return self.cell.config.model_copy(update={"seed": self.seed})

    def meta(self) -> dict:
        """The run's identity columns (runs.parquet and the records dataset)."""
        return {"run_id": self.run_id, "cell": self.cell.label, "cell_index": self.cell.index,
                "cell_key": self.cell.key, **self.cell.params, "seed_index": self.seed_index,
                "seed": self.seed}


@dataclass
class Study:
    path: Path | None
    text: str  # the file as written (copied to OUT/study.toml)
    data: dict  # the parsed file
    name: str
    description: str
    base_raw: dict
    seeds: int
    seed: int
    overrides: dict
    axes: list[Axis]
    cluster: dict = field(default_factory=dict)
    checkpoint_every: int = 1000  # generations between a run's checkpoints

    def where(self) -> str:
        return self.path.name if self.path is not None else "study"


def _flatten(table: dict, prefix: str = ""):
    """Nested tables -> dotted keys (``[grid] schedule.name = [...]`` is ``"schedule.name"``)."""
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from _flatten(value, dotted)
        else:
            yield dotted, value


def set_key(raw: dict, dotted: str, value, where: str) -> None:
    parts = dotted.split(".")
    if any(not p for p in parts):
        raise ConfigError(f"{where}: '{dotted}' is not a dotted config key", dotted)
    node = raw
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{where}: '{dotted}': '{'.'.join(parts[:i + 1])}' is not a table", dotted)
        node = child
    node[parts[-1]] = copy.deepcopy(value)


def _short(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _axis(name: str, values, where: str) -> Axis:
    if not isinstance(values, list):
        raise ConfigError(f"{where}: grid '{name}' must be a list of values (or of tables of keys set "
                          f"together), got {values!r}", name)
    if not values:
        raise ConfigError(f"{where}: grid '{name}' is an empty list", name)
    tables = [isinstance(v, dict) for v in values]
    if any(tables) and not all(tables):
        raise ConfigError(f"{where}: grid '{name}' mixes tables and plain values; a condition axis "
                          "is a list of tables only", name)
    if not all(tables):
        if "." not in name and name in reserved():
            raise ConfigError(f"{where}: grid '{name}' is not a key a study can sweep", name)
        labels = tuple(values)
        over = tuple({name: v} for v in values)
        if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
            raise ConfigError(f"{where}: grid '{name}' lists a value twice", name)
        return Axis(name, labels, over)
    if name in reserved() or "." in name:
        raise ConfigError(f"{where}: condition axis '{name}': its name becomes a column; use a plain "
                          f"word other than {', '.join(sorted(reserved()))}", name)
    labels, over = [], []
    for table in values:
        label = table.get("label")
        if label is not None and not isinstance(label, str):
            raise ConfigError(f"{where}: grid '{name}': label must be a string, got {label!r}", name)
        keys = dict(_flatten({k: v for k, v in table.items() if k != "label"}))
        labels.append(label if label is not None
                      else (", ".join(f"{k}={_short(v)}" for k, v in keys.items()) or "base"))
        over.append(keys)
    if len(set(labels)) != len(labels):
        raise ConfigError(f"{where}: grid '{name}': two conditions have the label "
                          f"{next(x for x in labels if labels.count(x) > 1)!r}", name)
    return Axis(name, tuple(labels), tuple(over), condition=True)


def parse(data: dict, text: str = "", path: Path | None = None) -> Study:
    """Check a parsed study file; returns the ``Study`` (cells not expanded yet)."""
    where = path.name if path is not None else "study"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a study must be a table of keys")
    unknown = [k for k in data if k not in STUDY_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; allowed: {', '.join(STUDY_KEYS)}", unknown[0])
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{where}: description must be a string", "description")
    base = data.get("base", _config.DEFAULT_PRESET)
    if isinstance(base, dict):
        base_raw = copy.deepcopy(base)
    elif isinstance(base, str):
        if base.endswith(".toml") and path is not None and not Path(base).is_absolute():
            base = str(path.parent / base)  # relative to the study file
        base_raw = _config.read_raw(base)
    else:
        raise ConfigError(f"{where}: base must be a preset name, a TOML path or a table", "base")
    seeds = data.get("seeds", 1)
    if type(seeds) is not int or seeds < 1:
        raise ConfigError(f"{where}: seeds = {seeds!r}: must be an integer >= 1", "seeds")
    seed = data.get("seed", 0)
    if type(seed) is not int or seed < 0:
        raise ConfigError(f"{where}: seed = {seed!r}: must be an integer >= 0", "seed")
    every = data.get("checkpoint_every", 1000)
    if type(every) is not int or every < 1:
        raise ConfigError(f"{where}: checkpoint_every = {every!r}: must be an integer >= 1", "checkpoint_every")
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where}: overrides must be a table of dotted keys", "overrides")
    overrides = dict(_flatten(overrides))
    grid = data.get("grid")
    if grid is None or not isinstance(grid, dict) or not grid:
        raise ConfigError(f"{where}: the grid is empty; give [grid] at least one key with a list of "
                          "values, e.g. \"schedule.name\" = [\"fixed\", \"mvg\"]", "grid")
    flat = list(_flatten(grid))
    axes = [_axis(name, values, where) for name, values in flat if name != "seed"]
    for key in list(overrides) + [n for n, _ in flat] + [k for a in axes for o in a.overrides for k in o]:
        if key == "seed":
            raise ConfigError(f"{where}: 'seed' cannot be set per run; the study's seed "
                              "derives every run's seed", "seed")
    n_runs = seeds * math.prod(len(a.labels) for a in axes)
    if n_runs > MAX_RUNS:
        raise ConfigError(f"{where}: {n_runs:,} runs ({seeds:,} seeds x {n_runs // seeds:,} cells) is more than "
                          f"the {MAX_RUNS:,} a study may hold; split it into several studies", "seeds")
    cluster = data.get("cluster", {})
    if not isinstance(cluster, dict):
        raise ConfigError(f"{where}: cluster must be a table", "cluster")
    kind = cluster.get("kind", "local")
    if kind not in CLUSTER_KINDS:
        raise ConfigError(f"{where}: cluster.kind = {kind!r}; allowed: {', '.join(CLUSTER_KINDS)}",
                          "cluster.kind")
    name = path.stem if path is not None else "study"
    return Study(path, text, data, name, description, base_raw, seeds, seed, overrides, axes, dict(cluster),
                 every)


def load_study(source) -> Study:
    """Read and check a study file; nothing is expanded or run yet.

    Parameters
    ----------
    source : str, pathlib.Path or dict
        A study file (TOML; ``base`` paths in it are relative to the file),
        or its already parsed contents (copied, not modified). The keys are
        in the ``evomod.study`` module docstring: ``description``, ``base``,
        ``seeds``, ``seed``, ``checkpoint_every``, ``overrides``, ``grid``,
        ``cluster``.

    Returns
    -------
    Study
        The checked study: base config (raw), overrides, grid axes, seeds,
        study seed and cluster table. Its name is the file's stem, or
        ``"study"`` for a dict.

    Raises
    ------
    ConfigError
        One line naming the key: a missing or unreadable file, invalid TOML,
        an unknown key, an empty grid, a grid key that is not a list, a
        condition axis with two equal labels, a per-run ``seed``, an unknown
        ``cluster.kind``. Config keys are checked later, by :func:`expand`.

    Examples
    --------
    >>> study = load_study({"base": "ka2005-logic-mvg", "seeds": 2, "seed": 7,
    ...                     "overrides": {"generations": 20, "population": 20, "selection.elite": 5,
    ...                                   "modularity.every": 0},
    ...                     "grid": {"selection.pm": [0.5, 0.7]}})
    >>> study.name, study.seeds, [(axis.name, axis.labels) for axis in study.axes]
    ('study', 2, [('selection.pm', (0.5, 0.7))])
    >>> load_study({"base": "ka2005-logic-mvg", "grid": {}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: study: the grid is empty; give [grid] at least one key with a list of values, ...
    """
    if isinstance(source, dict):
        return parse(copy.deepcopy(source))
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"study file {path} not found", "study") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"study file {path}: cannot be read ({exc.__class__.__name__})", "study") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", "study") from None
    return parse(data, text, path)


def cell_key(overrides: dict) -> str:
    blob = json.dumps(overrides, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def run_seed(study_seed: int, key: str, seed_index: int) -> int:
    """A run's config seed: the same whatever order runs execute in.

    ``SeedSequence(study_seed, spawn_key=(int(key, 16), seed_index))``'s
    first 64-bit word, halved to fit a signed int64 column.

    Parameters
    ----------
    study_seed : int
        The study's ``seed``.
    key : str
        The cell's key: 8 hex digits of a hash of its overrides.
    seed_index : int
        Which of the cell's ``seeds`` runs.

    Returns
    -------
    int
        In [0, 2**63).

    Examples
    --------
    >>> run_seed(7, "6505267e", 0) == run_seed(7, "6505267e", 0) != run_seed(7, "6505267e", 1)
    True
    """
    seq = np.random.SeedSequence(study_seed, spawn_key=(int(key, 16), seed_index))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))  # fits int64 columns


def cells(study: Study, cache: str) -> list[Cell]:
    """The grid's Cartesian product (first axis slowest), each config validated.

    Parameters
    ----------
    study : Study
        From :func:`load_study`.
    cache : str
        The Q_m cache file every cell's runs share (``modularity.cache``).

    Returns
    -------
    list of Cell
        ``index``, ``key`` (8 hex digits of a hash of the cell's grid values),
        ``label``, ``params`` (axis -> value), ``overrides`` and ``config``.

    Examples
    --------
    >>> study = load_study({"base": "ka2005-logic-mvg", "seeds": 1,
    ...                     "overrides": {"population": 20, "selection.elite": 5},
    ...                     "grid": {"selection.pm": [0.5, 0.7], "selection.pc": [0.0, 0.5]}})
    >>> [c.label for c in cells(study, "cache.json")][:2]
    ['selection.pm=0.5, selection.pc=0.0', 'selection.pm=0.5, selection.pc=0.5']
    """
    where = study.where()
    out, keys = [], {}
    for index, combo in enumerate(itertools.product(*[range(len(a.labels)) for a in study.axes])):
        over: dict = {}
        params = {}
        for axis, i in zip(study.axes, combo):
            over.update(axis.overrides[i])
            params[axis.name] = axis.column_value(axis.labels[i])
        desc = ", ".join(f"{a.name}={_short(a.labels[i])}" for a, i in zip(study.axes, combo))
        label = _short(study.axes[0].labels[combo[0]]) if len(study.axes) == 1 else desc
        raw = copy.deepcopy(study.base_raw)
        set_key(raw, "modularity.cache", cache, where)
        for key, value in study.overrides.items():
            set_key(raw, key, value, f"{where}: overrides")
        for key, value in over.items():
            set_key(raw, key, value, f"{where}: grid {desc}")
        raw["seed"] = 0
        try:
            config = _config.validate(raw)
        except ConfigError as exc:
            raise ConfigError(f"{where}: grid {desc}: {exc}", exc.key) from None
        key = cell_key(over)
        if key in keys:
            raise ConfigError(f"{where}: grid cells '{keys[key]}' and '{desc}' set the same keys to the "
                              "same values", "grid")
        keys[key] = desc
        out.append(Cell(index, key, label, params, over, config))
    return out


def expand(study: Study, out: Path) -> list[RunSpec]:
    """Every run of the study (cells x seeds), each config validated.

    Cells are the Cartesian product of the grid's axes, first axis slowest;
    each cell's config is the base, then the overrides, then the cell's grid
    values. Run ids are ``KEY-sNNN`` (KEY: 8 hex digits of a hash of the
    cell's grid values) and seeds come from :func:`run_seed`: neither
    depends on the order of the grid or the number of workers.

    Parameters
    ----------
    study : Study
        From :func:`load_study`.
    out : str or pathlib.Path
        The study directory; every run's modularity cache is
        ``OUT/qm-cache.json`` (absolute).

    Returns
    -------
    list of RunSpec
        ``run_id``, ``cell``, ``seed_index``, ``seed`` and the validated
        ``config`` (its ``seed`` set) of every run, cell by cell.

    Raises
    ------
    ConfigError
        If a cell's config is invalid (the message names the cell and the
        key), or two cells set the same keys to the same values.

    Examples
    --------
    >>> study = load_study({"base": "ka2005-logic-mvg", "seeds": 2, "seed": 7,
    ...                     "overrides": {"generations": 20, "population": 20, "selection.elite": 5,
    ...                                   "modularity.every": 0},
    ...                     "grid": {"selection.pm": [0.5, 0.7]}})
    >>> runs = expand(study, "studies/example")
    >>> [r.run_id for r in runs]
    ['6505267e-s000', '6505267e-s001', 'cfe3c65f-s000', 'cfe3c65f-s001']
    >>> runs[2].config.selection.pm, runs[2].seed == run_seed(7, "cfe3c65f", 0)
    (0.7, True)
    """
    cache = str(Path(out).resolve() / CACHE_FILE)
    runs = []
    for cell in cells(study, cache):
        seeds = run_seeds(study.seed, int(cell.key, 16), np.arange(study.seeds)).tolist()
        runs += [RunSpec(f"{cell.key}-s{s:03d}", cell, s, seed) for s, seed in enumerate(seeds)]
    return runs


def manifest(study: Study, runs: list[RunSpec]) -> dict:
    """What ``OUT/study.json`` keeps: the axes and cells (for rebuilding tables
    and for the report without re-reading the base config). The runs follow
    from the cells, ``seeds`` and ``seed`` (``evomod.study.results.run_metas``).

    Parameters
    ----------
    study : Study
    runs : list of RunSpec
        From :func:`expand`.

    Returns
    -------
    dict
        JSON-ready: the study's description, seeds, seed, axes and cells
        (index, key, label, params, overrides, generations)."""
    seen, cell_rows = set(), []
    for r in runs:
        if r.cell.index not in seen:
            seen.add(r.cell.index)
            cell_rows.append({"index": r.cell.index, "key": r.cell.key, "label": r.cell.label,
                              "params": r.cell.params, "overrides": r.cell.overrides,
                              "generations": r.cell.config.generations})
    return {"format": "evomod-study/2", "name": study.name, "description": study.description,
            "seeds": study.seeds, "seed": study.seed, "base": study.base_raw,
            "axes": [{"name": a.name, "type": a.arrow_type, "condition": a.condition,
                      "values": [a.column_value(v) for v in a.labels]} for a in study.axes],
            "cells": cell_rows}

"""Runs in the IOHprofiler data format, for IOHanalyzer and iohinspector.

The format is the one ``ioh.logger.Analyzer`` (IOHexperimenter >= 0.3.3)
writes; it is written here directly, since replaying a run through ioh's
logger costs one call per evaluation. ``tests/test_bench_ioh.py`` replays
small runs through ``ioh``'s own logger and checks that both folders hold
the same data. Layout, one folder per selection strategy (= one ioh logger
per algorithm)::

    ROOT/<strategy>/IOHprofiler_f<fid>_<task>.json          meta data, one per task
    ROOT/<strategy>/data_f<fid>_<task>/IOHprofiler_f<fid>_DIM<d>.dat

Conventions: maximisation of the performance in [0, 1]; ``dimension`` is the
genome's length; instance 1 for every run (the tasks are deterministic), the
run's seed as run attribute ``seed``. A generation evaluates the whole
population S, so generation ``t`` (0 = the initial population) ends at
evaluation ``(t + 1) S`` and its best is logged there; the best of
generation 0 is logged at evaluation 1 instead (both readers need each run
to start there; this is optimistic by < S evaluations for targets met in
generation 0 only). Rows are what ioh's default trigger writes: each strict
improvement of the best-so-far, plus the run's last evaluation, so the
last row's evaluations are the run's ``evals``. To load a folder into
IOHanalyzer's web interface, zip ROOT and upload the zip.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from evomod.io.files import atomic_write

FORMAT_VERSION = "0.3.22"  # IOHanalyzer reads a json as this format only if version >= 0.3.3
HEADER = ("evaluations", "raw_y")
SUITE = "evomod"
# stable function ids of the built-in fixed-goal tasks; other tasks get 1000 + a hash of their name
FUNCTION_IDS = {
    "bool-mux6": 1, "bool-mux11": 2, "bool-parity4": 3, "bool-parity5": 4, "bool-parity6": 5,
    "bool-parity7": 6, "bool-parity8": 7, "bool-majority5": 8, "bool-majority7": 9, "bool-fulladder": 10,
    "bool-adder2": 11, "ka2005-logic-g1": 20, "ka2005-logic-g2": 21, "ka2005-retina-fixed": 22,
    "clune2013-pa": 23, "clune2013-pcc": 24, "serial-fixed": 25,
}
_NAME = re.compile(r"[A-Za-z0-9-]+\Z")


class FormatError(ValueError):
    """A folder that is not valid IOHprofiler data."""


def function_id(task: str) -> int:
    """The task's IOHprofiler function id: fixed for built-in tasks, else 1000-9999 from a hash."""
    return FUNCTION_IDS.get(task, 1000 + zlib.crc32(task.encode()) % 9000)


@dataclass
class Run:
    """One run as the logger writes it: rows of (evaluations, raw_y), evaluations used, best."""

    rows: list[tuple[int, float]]
    evals: int
    best: tuple[int, float]  # (evaluations at the last improvement, best raw_y)
    attributes: dict = field(default_factory=dict)


def generational_run(best, population: int, **attributes) -> Run:
    """The logged rows of a maximising generational run.

    Parameters
    ----------
    best : array_like
        Best performance of each generation, generation 0 first.
    population : int
        S, evaluations per generation.

    Examples
    --------
    >>> generational_run([0.5, 0.5, 0.75, 0.7], 10).rows
    [(1, 0.5), (30, 0.75), (40, 0.7)]
    """
    ys = [float(y) for y in best]
    if not ys or population < 1:
        raise ValueError("a run needs at least one generation and a population >= 1")
    rows, best_y, best_e = [(1, ys[0])], ys[0], 1
    for t, y in enumerate(ys[1:], start=1):
        if y > best_y:
            best_y, best_e = y, (t + 1) * population
            rows.append((best_e, y))
    evals = len(ys) * population
    if rows[-1][0] != evals:
        rows.append((evals, ys[-1]))  # ioh always writes the run's last evaluation
    return Run(rows, evals, (best_e, best_y), dict(attributes))


def write_folder(root, strategy: str, info: str, tasks: dict[str, tuple[int, list[Run]]],
                 attributes: dict[str, str] | None = None) -> Path:
    """Write one strategy's runs: ``tasks[name] = (dimension, runs)``; returns the folder."""
    if not _NAME.match(strategy):
        strategy = re.sub(r"[^A-Za-z0-9-]", "-", strategy)
    out = Path(root) / strategy
    out.mkdir(parents=True, exist_ok=True)
    for name, (dimension, runs) in tasks.items():
        if not _NAME.match(name):
            raise ValueError(f"task name {name!r}: IOHprofiler file names need letters, digits and '-'")
        fid = function_id(name)
        rel = f"data_f{fid}_{name}/IOHprofiler_f{fid}_DIM{int(dimension)}.dat"
        (out / rel).parent.mkdir(exist_ok=True)
        text = "".join(" ".join(HEADER) + "\n" + "".join(f"{e} {y:.10f}\n" for e, y in r.rows) for r in runs)
        atomic_write(out / rel, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
        run_keys = sorted({k for r in runs for k in r.attributes})
        meta = {"version": FORMAT_VERSION, "suite": SUITE, "function_id": fid, "function_name": name,
                "maximization": True, "algorithm": {"name": strategy, "info": info}}
        if attributes:
            meta["experiment_attributes"] = [{k: str(v)} for k, v in attributes.items()]
        if run_keys:
            meta["run_attributes"] = run_keys
        meta["attributes"] = list(HEADER)
        meta["scenarios"] = [{"dimension": int(dimension), "path": rel, "runs": [
            {"instance": 1, "evals": r.evals, "best": {"evals": r.best[0], "y": r.best[1], "x": []},
             **{k: r.attributes.get(k) for k in run_keys}} for r in runs]}]
        blob = json.dumps(meta, indent=1, allow_nan=False)
        atomic_write(out / f"IOHprofiler_f{fid}_{name}.json",
                     lambda tmp, blob=blob: Path(tmp).write_text(blob, encoding="utf-8"))
    return out


def _fail(where, why: str):
    raise FormatError(f"{where}: {why}")


def read_folder(folder) -> list[dict]:
    """Read and check one IOHprofiler folder; one dict per run (json entry + rows).

    Checks what IOHanalyzer and iohinspector rely on: the json keys, version
    >= 0.3.3, a header line per run and as many runs in the .dat as in the
    json, each run starting at evaluation 1 with increasing evaluations,
    the last row at the run's ``evals``, ``best.y`` the best logged value and
    ``best.evals`` a logged evaluation. Raises ``FormatError``.
    """
    folder = Path(folder)
    out = []
    metas = sorted(folder.glob("IOHprofiler_f*.json"))
    if not metas:
        _fail(folder, "no IOHprofiler_f*.json")
    for meta_file in metas:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        for key in ("version", "suite", "function_id", "function_name", "maximization", "algorithm",
                    "attributes", "scenarios"):
            if key not in meta:
                _fail(meta_file.name, f"missing key {key!r}")
        if tuple(int(p) for p in meta["version"].split(".")[:3]) < (0, 3, 3):
            _fail(meta_file.name, f"version {meta['version']} < 0.3.3")
        if tuple(meta["attributes"][:2]) != HEADER:
            _fail(meta_file.name, f"attributes {meta['attributes']} do not start with {list(HEADER)}")
        sign = 1.0 if meta["maximization"] else -1.0
        for scen in meta["scenarios"]:
            for key in ("dimension", "path", "runs"):
                if key not in scen:
                    _fail(meta_file.name, f"scenario without {key!r}")
            blocks: list[list[tuple[int, float]]] = []
            for line in (folder / scen["path"]).read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if parts and parts[0] == HEADER[0]:
                    if parts != meta["attributes"]:
                        _fail(scen["path"], f"header {line!r}")
                    blocks.append([])
                elif not blocks:
                    _fail(scen["path"], "data before the first header line")
                else:
                    blocks[-1].append((int(parts[0]), float(parts[1])))
            if len(blocks) != len(scen["runs"]):
                _fail(scen["path"], f"{len(blocks)} runs in the .dat, {len(scen['runs'])} in the json")
            for k, (run, rows) in enumerate(zip(scen["runs"], blocks)):
                where = f"{scen['path']} run {k + 1}"
                ev = [e for e, _ in rows]
                if not ev or ev[0] != 1:
                    _fail(where, "does not start at evaluation 1")
                if any(a >= b for a, b in zip(ev, ev[1:])):
                    _fail(where, "evaluations do not increase")
                if ev[-1] != run["evals"]:
                    _fail(where, f"last row at evaluation {ev[-1]}, json evals {run['evals']}")
                top = sign * max(sign * y for _, y in rows)
                if not math.isclose(top, run["best"]["y"], abs_tol=1e-9) or run["best"]["evals"] not in ev:
                    _fail(where, f"best {run['best']} is not the best logged row")
                out.append({"function_id": meta["function_id"], "function_name": meta["function_name"],
                            "algorithm": meta["algorithm"]["name"], "dimension": scen["dimension"],
                            "run": run, "rows": rows})
    return out


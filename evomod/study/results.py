"""A study's directory: what a finished or failed run leaves, and the tables.

::

    OUT/study.toml               the study file, as given
    OUT/study.json               axes, cells and runs (ids, seeds, swept values)
    OUT/runs/<run_id>/           one run, by evomod.io.run_dir.write_run (exists = finished)
    OUT/failed/<run_id>.json     a run that raised: its traceback (retried on the next start)
    OUT/records/<run_id>.parquet per-generation records + run_id, cell, swept keys, seed
    OUT/runs.parquet             one row per run (generations_to_perfect: one value per goal
                                 switch, null where censored; see evomod.measures.adaptation)
    OUT/qm-cache.json            Q_rand / Q_max per degree sequence, shared by the runs

Every table here can be rebuilt from ``study.json`` and the run directories
(:func:`rebuild`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from evomod.engine.results import record_columns
from evomod.io.files import atomic_write

MAX_GOAL_COLUMNS = 16  # more goals (rmvg) are in the first_solved JSON column only
_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def read_manifest(out: Path) -> dict:
    return json.loads((Path(out) / "study.json").read_text(encoding="utf-8"))


def _meta_columns(manifest: dict) -> list[tuple[str, pa.DataType]]:
    cols = [("run_id", pa.string()), ("cell", pa.string()), ("cell_index", pa.int64()),
            ("cell_key", pa.string())]
    cols += [(a["name"], _ARROW[a["type"]]) for a in manifest["axes"]]
    return cols + [("seed_index", pa.int64()), ("seed", pa.int64())]


def records_file(out: Path, run_id: str) -> Path:
    return Path(out) / "records" / f"{run_id}.parquet"


def write_records(out: Path, meta: dict, manifest: dict) -> Path:
    """``OUT/records/<run_id>.parquet`` from the run directory's records, with
    the run's identity columns in front (``goal`` as plain text)."""
    out = Path(out)
    table = pq.ParquetFile(out / "runs" / meta["run_id"] / "records.parquet").read()
    n = table.num_rows
    arrays, names = [], []
    for name, kind in _meta_columns(manifest):
        arrays.append(pa.array([meta[name]] * n, kind))
        names.append(name)
    for spec in record_columns():
        name = spec.name
        if name not in table.column_names:  # a run written before the column existed
            arrays.append(pa.array(spec.empty(n)))
            names.append(name)
            continue
        col = table.column(name)
        if name == "goal":
            col = col.cast(pa.string())
        arrays.append(col)
        names.append(name)
    path = records_file(out, meta["run_id"])
    atomic_write(path, lambda tmp: pq.write_table(pa.table(arrays, names=names), tmp))
    return path


def failure_file(out: Path, run_id: str) -> Path:
    return Path(out) / "failed" / f"{run_id}.json"


def write_failure(out: Path, run_id: str, error: str, wall_seconds: float) -> None:
    write_text(failure_file(out, run_id),
               json.dumps({"run_id": run_id, "error": error, "wall_seconds": wall_seconds}, indent=2) + "\n")


def to_solve(first_solved: dict) -> int | None:
    """The generation by which every goal the run met had been solved, or None."""
    if not first_solved or any(t is None for t in first_solved.values()):
        return None
    return max(first_solved.values())


def _nan(x):
    return float("nan") if x is None else float(x)


def run_row(meta: dict, out: Path, cap: int) -> dict:
    """One row of runs.parquet, from the run's directory, failure file, or neither (pending)."""
    out = Path(out)
    row = dict(meta)
    row.update(generation_cap=cap, status="pending", generations_run=None, generations_to_solve=None,
               goals_solved=None, first_solved=None, final_best_fitness=None, final_best_performance=None,
               final_n_effective=None, final_q=None, final_qm=None, wall_seconds=None, error=None,
               switches=None, switches_recovered=None, median_generations_to_perfect=None,
               generations_to_perfect=None)
    summary = out / "runs" / meta["run_id"] / "summary.json"
    fail = failure_file(out, meta["run_id"])
    if summary.is_file():
        s = json.loads(summary.read_text(encoding="utf-8"))
        first = s["first_solved"]
        solve = to_solve(first)
        mod = s.get("modularity") or {}
        row.update(status="solved" if solve is not None else s["status"], generations_run=s["generations_run"],
                   generations_to_solve=solve, goals_solved=sum(t is not None for t in first.values()),
                   first_solved=json.dumps(first), final_best_fitness=s["final"]["best_fitness"],
                   final_best_performance=s["final"]["best_performance"],
                   final_n_effective=s["final"]["n_effective"], final_q=_nan(mod.get("q")),
                   final_qm=_nan(mod.get("qm")), wall_seconds=s["wall_seconds"])
        if "switches" in s:  # absent in runs written before adaptation speed was logged
            ada = s["adaptation"]
            row.update(switches=ada["switches"], switches_recovered=ada["recovered"],
                       median_generations_to_perfect=_nan(ada["median_generations_to_perfect"]),
                       generations_to_perfect=[e["generations_to_perfect"] for e in s["switches"]])
        row["_first"] = first
    elif fail.is_file():
        f = json.loads(fail.read_text(encoding="utf-8"))
        row.update(status="failed", error=f["error"], wall_seconds=f["wall_seconds"])
    return row


def runs_table(out: Path, manifest: dict | None = None) -> pa.Table:
    """runs.parquet's table, read from the run directories and failure files."""
    manifest = manifest or read_manifest(out)
    caps = {c["index"]: c["generations"] for c in manifest["cells"]}
    rows = [run_row(m, out, caps[m["cell_index"]]) for m in manifest["runs"]]
    goals = sorted({g for r in rows for g in r.get("_first", {})})
    if len(goals) > MAX_GOAL_COLUMNS:
        goals = []
    for r in rows:
        first = r.pop("_first", None)
        for g in goals:
            r[f"solved.{g}"] = None if first is None else first.get(g)
    fields = _meta_columns(manifest) + [
        ("status", pa.string()), ("generation_cap", pa.int64()), ("generations_run", pa.int64()),
        ("generations_to_solve", pa.int64()), ("goals_solved", pa.int64())]
    fields += [(f"solved.{g}", pa.int64()) for g in goals]
    fields += [("first_solved", pa.string()), ("final_best_fitness", pa.float64()),
               ("final_best_performance", pa.float64()), ("final_n_effective", pa.int64()),
               ("final_q", pa.float64()), ("final_qm", pa.float64()), ("wall_seconds", pa.float64()),
               ("error", pa.string()), ("switches", pa.int64()), ("switches_recovered", pa.int64()),
               ("median_generations_to_perfect", pa.float64()),
               ("generations_to_perfect", pa.list_(pa.int64()))]  # per switch, null = censored
    schema = pa.schema(fields)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def write_runs_table(out: Path, manifest: dict | None = None) -> pa.Table:
    table = runs_table(out, manifest)
    atomic_write(Path(out) / "runs.parquet", lambda tmp: pq.write_table(table, tmp))
    return table


def rebuild(out: Path) -> pa.Table:
    """Rewrite runs.parquet and any missing records file from the run directories."""
    out = Path(out)
    manifest = read_manifest(out)
    for meta in manifest["runs"]:
        if (out / "runs" / meta["run_id"]).is_dir() and not records_file(out, meta["run_id"]).is_file():
            write_records(out, meta, manifest)
    return write_runs_table(out, manifest)

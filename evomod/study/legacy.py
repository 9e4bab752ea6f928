"""Studies written with one folder per run (``study.json`` format evomod-study/1).

::

    OUT/runs/<run_id>/           records.parquet, summary.json, best.json (exists = finished)
    OUT/failed/<run_id>.json     a run that raised: its traceback
    OUT/records/<run_id>.parquet the run's records again, identity columns in front

``evomod report`` reads such a directory as it is (these functions);
``evomod study`` converts it first (:func:`migrate`), as does
``evomod study --migrate DIR`` alone.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from evomod.engine.results import record_columns
from evomod.io.files import atomic_write
from evomod.registry import ConfigError
from evomod.study import results as _results
from evomod.study import store

LEGACY_RECORDS = re.compile(r"[0-9a-f]{8}-s\d{3,}\.parquet")
MIGRATE_BATCH = 1000  # runs per part written by a conversion


def _run_dir(out: Path, run_id: str) -> Path:
    return Path(out) / "runs" / run_id


def done_runs(out: Path, manifest: dict) -> set[str]:
    return {m["run_id"] for m in manifest["runs"] if _run_dir(out, m["run_id"]).is_dir()}


def _failure(out: Path, run_id: str) -> dict | None:
    path = Path(out) / "failed" / f"{run_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"error": f"{path}: unreadable failure file", "wall_seconds": None}


def runs_table(out: Path, manifest: dict) -> pa.Table:
    """runs.parquet's table, read from the run folders and failure files."""
    out = Path(out)
    caps = {c["index"]: c["generations"] for c in manifest["cells"]}
    rows = []
    for meta in manifest["runs"]:
        row = {**meta, "generation_cap": caps[meta["cell_index"]], "status": "pending"}
        summary = _run_dir(out, meta["run_id"]) / "summary.json"
        if summary.is_file():
            try:
                row.update(_results.summary_row(json.loads(summary.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{summary}: cannot be read ({exc.__class__.__name__}); run `evomod study` on "
                                  "this directory to convert it (the run is run again)", "study_dir") from None
        elif (fail := _failure(out, meta["run_id"])) is not None:
            row.update(status="failed", error=fail.get("error"), wall_seconds=fail.get("wall_seconds"))
        rows.append(row)
    return _table(rows, manifest)


def _table(rows: list[dict], manifest: dict) -> pa.Table:
    firsts = [json.loads(r["first_solved"]) if r.get("first_solved") else None for r in rows]
    goals = sorted({g for f in firsts if f for g in f})
    if len(goals) > _results.MAX_GOAL_COLUMNS:
        goals = []
    for r, f in zip(rows, firsts):
        for g in goals:
            r[f"solved.{g}"] = None if f is None else f.get(g)
    fields = _results.meta_fields(manifest) + _results._RESULT_FIELDS
    fields += [(f"solved.{g}", pa.int64()) for g in goals] + _results._FINAL_FIELDS
    schema = pa.schema(fields)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def _run_records(out: Path, meta: dict, manifest: dict) -> pa.Table:
    """A run folder's records.parquet with the identity columns in front (goal as text)."""
    table = pq.ParquetFile(_run_dir(out, meta["run_id"]) / "records.parquet").read()
    n = table.num_rows
    schema = _results.records_schema(manifest)
    arrays = []
    fill = {c.name: c for c in record_columns()}
    for f in schema:
        if f.name in meta:
            arrays.append(pa.array([meta[f.name]] * n, f.type))
        elif f.name in table.column_names:
            arrays.append(table.column(f.name).cast(f.type))
        else:  # a run written before the column existed
            arrays.append(pa.array(fill[f.name].empty(n), f.type))
    return pa.table(arrays, schema=schema)


def record_files(out: Path, manifest: dict) -> list[Path]:
    """``OUT/records/<run_id>.parquet`` of the finished runs (written where missing, if possible)."""
    out = Path(out)
    files = []
    for meta in manifest["runs"]:
        path = out / "records" / f"{meta['run_id']}.parquet"
        if not path.is_file() and _run_dir(out, meta["run_id"]).is_dir():
            try:
                table = _run_records(out, meta, manifest)
                atomic_write(path, lambda tmp, t=table: pq.write_table(t, tmp))
            except OSError:
                continue
        if path.is_file():
            files.append(path)
    return files


def documents(out: Path, run_ids, kind: str) -> dict[str, str]:
    name = {"summary": "summary.json", "best": "best.json"}[kind]
    found = {}
    for run_id in run_ids:
        path = _run_dir(out, run_id) / name
        if path.is_file():
            found[run_id] = path.read_text(encoding="utf-8")
    return found


def _convertible(out: Path, meta: dict, manifest: dict, cap: int):
    """(summaries row, records table) of a finished run's folder; raises when damaged."""
    folder = _run_dir(out, meta["run_id"])
    summary_text = (folder / "summary.json").read_text(encoding="utf-8")
    best_text = (folder / "best.json").read_text(encoding="utf-8")
    summary = json.loads(summary_text)
    json.loads(best_text)
    records = _run_records(out, meta, manifest)
    goal_type = pq.read_schema(folder / "records.parquet").field("goal").type
    if pa.types.is_dictionary(goal_type):
        names = pq.read_table(folder / "records.parquet", columns=["goal"]).column("goal").chunk(0).dictionary
        names = names.to_pylist()
    else:
        names = sorted(set(records.column("goal").to_pylist()))
    row = {**meta, "generation_cap": cap, **_results.summary_row(summary), "goal_names": names,
           "summary": summary_text, "best": best_text}
    return row, records


def migrate(out, keep_run_dirs: bool = False, warn=None) -> int:
    """Convert a per-run-folder study into the dataset layout, in place; returns
    the runs converted (finished and failed).

    The finished runs' folders and the failure files become parts of the
    ``records`` and ``summaries`` datasets (``evomod.study.store``); once
    they are committed, ``study.json`` is rewritten as evomod-study/2 and the
    per-run files are deleted (the run folders stay with ``keep_run_dirs``).
    A run folder that cannot be read is moved to ``OUT/damaged/`` and its run
    runs again. Killed at any point, it can be run again. Call it with the
    study's lock held."""
    out = Path(out)
    warn = warn or (lambda line: print(f"evomod: warning: {line}", file=sys.stderr))
    manifest = _results.read_manifest(out)
    if not _results.is_legacy(manifest):
        return 0
    new = {k: v for k, v in manifest.items() if k != "runs"}
    new["format"] = _results.FORMAT
    if [m["run_id"] for m in _results.run_metas(new)] != [m["run_id"] for m in manifest["runs"]] or [
            m["seed"] for m in _results.run_metas(new)] != [m["seed"] for m in manifest["runs"]]:
        raise ConfigError(f"{out}/study.json: its runs do not follow from its cells; cannot convert it", "--out")
    # parts of a conversion killed before it switched study.json: start over
    (out / store.PARTS_FILE).unlink(missing_ok=True)
    for kind in (store.RECORDS, store.SUMMARIES):
        for path in (out / kind).glob("part-*.parquet") if (out / kind).is_dir() else []:
            path.unlink()
    parts = store.empty_parts()
    caps = {c["index"]: c["generations"] for c in manifest["cells"]}
    rec_schema, sum_schema = _results.records_schema(manifest), _results.summaries_schema(manifest)
    batch, converted = store.Batch(), 0
    for meta in manifest["runs"]:
        cap = caps[meta["cell_index"]]
        if _run_dir(out, meta["run_id"]).is_dir():
            try:
                row, records = _convertible(out, meta, manifest, cap)
            except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
                (out / store.DAMAGED).mkdir(exist_ok=True)
                shutil.move(str(_run_dir(out, meta["run_id"])), out / store.DAMAGED / meta["run_id"])
                warn(f"{out / 'runs' / meta['run_id']}: cannot be read ({exc.__class__.__name__}); moved to "
                     f"{out / store.DAMAGED}, the run will run again")
                continue
            batch.add(row, records)
        elif (fail := _failure(out, meta["run_id"])) is not None:
            wall = fail.get("wall_seconds")
            batch.add(_results.failure_row(meta, cap, str(fail.get("error")),
                                           float("nan") if wall is None else float(wall)))
        else:
            continue
        converted += 1
        if len(batch) >= MIGRATE_BATCH:
            store.commit(out, parts, batch, rec_schema, sum_schema)
            batch = store.Batch()
    if len(batch):
        store.commit(out, parts, batch, rec_schema, sum_schema)
    text = json.dumps(new, indent=1) + "\n"
    atomic_write(out / "study.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), durable=True)
    remove_leftovers(out, keep_run_dirs, manifest)
    return converted


def remove_leftovers(out: Path, keep_run_dirs: bool, manifest: dict | None = None) -> None:
    """Delete the per-run files a converted study no longer reads."""
    out = Path(out)
    if (out / "records").is_dir():
        for path in (out / "records").iterdir():
            if LEGACY_RECORDS.fullmatch(path.name):
                path.unlink()
    shutil.rmtree(out / "failed", ignore_errors=True)
    if not keep_run_dirs and manifest is not None:
        for meta in manifest.get("runs", []):
            shutil.rmtree(_run_dir(out, meta["run_id"]), ignore_errors=True)
        try:
            (out / "runs").rmdir()
        except OSError:
            pass

"""A study's tables: what a run sends back, runs.parquet, and how to read them.

::

    OUT/study.toml       the study file, as given
    OUT/study.json       axes and cells (format evomod-study/2; runs derive from them, ``run_metas``)
    OUT/parts.json       the committed parts of the two datasets (``evomod.study.store``)
    OUT/records/         per-generation records, identity columns in front: ``records_dataset(OUT)``
    OUT/summaries/       one row per finished or failed run: runs.parquet's columns, the run's
                         summary.json and best.json as text (``documents``)
    OUT/runs.parquet     one row per run, pending ones included (generations_to_perfect: one value
                         per goal switch, null where censored; see evomod.measures.adaptation)
    OUT/qm-cache.json    Q_rand / Q_max per degree sequence, shared by the runs
    OUT/runs/<run_id>/   only with ``--keep-run-dirs``: evomod.io.run_dir's folder per run

runs.parquet is rebuilt from ``summaries/`` and ``study.json`` (:func:`rebuild`).
Studies written before (per-run folders, format evomod-study/1) are read by
``evomod.study.legacy`` through the same functions.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evomod.engine.results import record_columns
from evomod.io.files import atomic_write
from evomod.registry import ConfigError
from evomod.study import store
from evomod.study.seeding import run_seeds

FORMAT = "evomod-study/2"
MAX_GOAL_COLUMNS = 16  # more goals (rmvg) are in the first_solved JSON column only
_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}
_RESULT_FIELDS = [
    ("status", pa.string()), ("generation_cap", pa.int64()), ("generations_run", pa.int64()),
    ("generations_to_solve", pa.int64()), ("goals_solved", pa.int64())]
_FINAL_FIELDS = [
    ("first_solved", pa.string()), ("final_best_fitness", pa.float64()), ("final_best_performance", pa.float64()),
    ("final_n_effective", pa.int64()), ("final_q", pa.float64()), ("final_qm", pa.float64()),
    ("wall_seconds", pa.float64()), ("error", pa.string()), ("switches", pa.int64()),
    ("switches_recovered", pa.int64()), ("median_generations_to_perfect", pa.float64()),
    ("generations_to_perfect", pa.list_(pa.int64()))]  # per switch, null = censored
_DOCUMENT_FIELDS = [("goal_names", pa.list_(pa.string())), ("summary", pa.string()), ("best", pa.string())]


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def read_manifest(out: Path) -> dict:
    return json.loads((Path(out) / "study.json").read_text(encoding="utf-8"))


def is_legacy(manifest: dict) -> bool:
    """Written with per-run folders (evomod-study/1)."""
    return manifest.get("format") != FORMAT


def meta_fields(manifest: dict) -> list[tuple[str, pa.DataType]]:
    """The run's identity columns, in front of every table."""
    cols = [("run_id", pa.string()), ("cell", pa.string()), ("cell_index", pa.int64()),
            ("cell_key", pa.string())]
    cols += [(a["name"], _ARROW[a["type"]]) for a in manifest["axes"]]
    return cols + [("seed_index", pa.int64()), ("seed", pa.int64())]


def records_schema(manifest: dict) -> pa.Schema:
    fields = meta_fields(manifest)
    fields += [(c.name, pa.string() if c.name == "goal" else pa.from_numpy_dtype(np.dtype(c.dtype)))
               for c in record_columns()]
    return pa.schema(fields)


def summaries_schema(manifest: dict) -> pa.Schema:
    return pa.schema(meta_fields(manifest) + _RESULT_FIELDS + _FINAL_FIELDS + _DOCUMENT_FIELDS)


def run_metas(manifest: dict) -> list[dict]:
    """Every run's identity (``RunSpec.meta()``), in the study's order: cell by
    cell, seed index by seed index."""
    if "runs" in manifest:  # evomod-study/1 listed them
        return manifest["runs"]
    out = []
    for cell in manifest["cells"]:
        seeds = run_seeds(manifest["seed"], int(cell["key"], 16), np.arange(manifest["seeds"])).tolist()
        base = {"cell": cell["label"], "cell_index": cell["index"], "cell_key": cell["key"], **cell["params"]}
        out += [{"run_id": f"{cell['key']}-s{i:03d}", **base, "seed_index": i, "seed": s}
                for i, s in enumerate(seeds)]
    return out


def _nan(x):
    return float("nan") if x is None else float(x)


def to_solve(first_solved: dict) -> int | None:
    """The generation by which every goal the run met had been solved, or None."""
    if not first_solved or any(t is None for t in first_solved.values()):
        return None
    return max(first_solved.values())


def summary_row(s: dict) -> dict:
    """A finished run's columns of runs.parquet, from its summary (summary.json's dict)."""
    first = s["first_solved"]
    solve = to_solve(first)
    mod = s.get("modularity") or {}
    row = {"status": "solved" if solve is not None else s["status"], "generations_run": s["generations_run"],
           "generations_to_solve": solve, "goals_solved": sum(t is not None for t in first.values()),
           "first_solved": json.dumps(first), "final_best_fitness": s["final"]["best_fitness"],
           "final_best_performance": s["final"]["best_performance"],
           "final_n_effective": s["final"]["n_effective"], "final_q": _nan(mod.get("q")),
           "final_qm": _nan(mod.get("qm")), "wall_seconds": s["wall_seconds"]}
    if "switches" in s:  # absent in runs written before adaptation speed was logged
        ada = s["adaptation"]
        row.update(switches=ada["switches"], switches_recovered=ada["recovered"],
                   median_generations_to_perfect=_nan(ada["median_generations_to_perfect"]),
                   generations_to_perfect=[e["generations_to_perfect"] for e in s["switches"]])
    return row


def failure_row(meta: dict, cap: int, error: str, wall_seconds: float) -> dict:
    return {**meta, "status": "failed", "generation_cap": cap, "error": error,
            "wall_seconds": None if math.isnan(wall_seconds) else wall_seconds}


def payload(result, meta: dict, cap: int, axes: list, source: str) -> tuple[dict, pa.Table]:
    """What a worker sends back for a finished run: its summaries row (summary.json
    and best.json as text) and its records (thinned as ``records.every`` says)
    with the identity columns in front."""
    from evomod.io.genome_file import genome_dict
    from evomod.io.run_dir import records_table, summary_dict, summary_json

    summary = summary_dict(result, source)
    row = {**meta, "generation_cap": cap, **summary_row(summary), "goal_names": list(result.goal_names),
           "summary": summary_json(summary), "best": json.dumps(genome_dict(result), indent=2) + "\n"}
    table = records_table(result)
    n = table.num_rows
    schema = records_schema({"axes": axes})
    meta_names = {name for name, _ in meta_fields({"axes": axes})}
    fill = {c.name: c for c in record_columns()}
    arrays = []
    for f in schema:
        if f.name in meta_names:
            arrays.append(pa.array([meta[f.name]] * n, f.type))
        elif f.name in table.column_names:
            arrays.append(table.column(f.name).cast(f.type))
        else:  # a column the run did not write
            arrays.append(pa.array(fill[f.name].empty(n), f.type))
    return row, pa.table(arrays, schema=schema)


# --- reading ---------------------------------------------------------------------------------

def _read_retrying(out: Path, read):
    """``read(parts)`` with the committed parts; tried again when a concurrent
    compaction removed a file between reading parts.json and opening it."""
    for attempt in range(5):
        parts = store.read_parts(out)
        try:
            return read(parts)
        except FileNotFoundError:
            if attempt == 4:
                raise
            time.sleep(0.2)
    return None


def _arrow_error(out: Path, exc: Exception):
    return ConfigError(f"{out}: a part of the study's results cannot be read ({exc.__class__.__name__}: "
                       f"{str(exc).splitlines()[0] if str(exc) else ''}); run the study again to check and "
                       "recompute it", "study_dir")


def summaries(out: Path, columns: list[str] | None = None, manifest: dict | None = None) -> pa.Table:
    """Every committed summaries row (finished and failed runs, retries
    included), in commit order, with ``columns`` (default: all but the documents)."""
    out = Path(out)
    manifest = manifest or read_manifest(out)
    schema = summaries_schema(manifest)
    columns = columns or [f.name for f in schema if f.name not in ("summary", "best", "goal_names")]

    def read(parts):
        files = store.part_files(out, parts, store.SUMMARIES)
        tables = [pq.read_table(f, columns=columns) for f in files]
        return pa.concat_tables(tables, promote_options="default") if tables else schema.empty_table().select(columns)

    try:
        return _read_retrying(out, read)
    except (OSError, pa.ArrowException) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _arrow_error(out, exc) from None


def latest(table: pa.Table) -> pa.Table:
    """One row per run_id: its finished row if any, else its last failure."""
    if table.num_rows == 0:
        return table
    n = table.num_rows
    done = pc.is_in(table.column("status"), pa.array(store.DONE)).to_numpy(zero_copy_only=False)
    rank = done.astype(np.int64) * n + np.arange(n)  # a finished row beats any failure; later beats earlier
    order = np.argsort(-rank, kind="stable")
    ids = table.column("run_id").to_numpy(zero_copy_only=False)[order]
    _, first = np.unique(ids, return_index=True)
    return table.take(pa.array(np.sort(order[first])))


def done_runs(out: Path, manifest: dict | None = None) -> set[str]:
    """The run ids whose results are committed (finished or solved)."""
    manifest = manifest or read_manifest(out)
    if is_legacy(manifest):
        from evomod.study import legacy

        return legacy.done_runs(out, manifest)
    t = summaries(out, ["run_id", "status"], manifest)
    ok = pc.is_in(t.column("status"), pa.array(store.DONE))
    return set(t.filter(ok).column("run_id").to_pylist())


def metas_table(manifest: dict) -> pa.Table:
    metas = run_metas(manifest)
    caps = {c["index"]: c["generations"] for c in manifest["cells"]}
    fields = meta_fields(manifest)
    cols = {name: pa.array([m[name] for m in metas], kind) for name, kind in fields}
    cols["generation_cap"] = pa.array([caps[m["cell_index"]] for m in metas], pa.int64())
    return pa.table(cols)


def runs_table(out: Path, manifest: dict | None = None) -> pa.Table:
    """runs.parquet's table: one row per run of the study, in its order
    (pending runs included), from the committed summaries.

    Parameters
    ----------
    out : Path
        The study directory.
    manifest : dict, optional
        ``study.json`` when the caller has it read already.

    Returns
    -------
    pyarrow.Table
        ``run_id``, ``cell`` and the swept parameters, ``seed``, ``status``
        (solved, finished, failed or pending), the generations and the final
        best's numbers."""
    out = Path(out)
    manifest = manifest or read_manifest(out)
    if is_legacy(manifest):
        from evomod.study import legacy

        return legacy.runs_table(out, manifest)
    metas = metas_table(manifest)
    names = [n for n, _ in _RESULT_FIELDS + _FINAL_FIELDS if n != "generation_cap"]
    got = latest(summaries(out, ["run_id", *names], manifest))
    idx = pc.index_in(metas.column("run_id"), value_set=got.column("run_id"))
    found = got.take(idx)
    status = pc.fill_null(found.column("status"), "pending")
    first = found.column("first_solved").to_pylist()
    parsed = [None if f is None else json.loads(f) for f in first]
    goals = sorted({g for f in parsed if f for g in f})
    if len(goals) > MAX_GOAL_COLUMNS:
        goals = []
    fields = [(n, t) for n, t in meta_fields(manifest)] + _RESULT_FIELDS
    fields += [(f"solved.{g}", pa.int64()) for g in goals] + _FINAL_FIELDS
    cols = {}
    for name, kind in fields:
        if name in metas.column_names:
            cols[name] = metas.column(name)
        elif name == "status":
            cols[name] = status
        elif name.startswith("solved."):
            g = name.removeprefix("solved.")
            cols[name] = pa.array([None if f is None else f.get(g) for f in parsed], pa.int64())
        else:
            cols[name] = found.column(name).cast(kind)
    return pa.table(cols, schema=pa.schema(fields))


def write_runs_table(out: Path, manifest: dict | None = None) -> pa.Table:
    table = runs_table(out, manifest)
    atomic_write(Path(out) / "runs.parquet", lambda tmp: pq.write_table(table, tmp))
    return table


def rebuild(out: Path) -> pa.Table:
    """Check the committed parts (``store.check``: a damaged one is a one-line
    ``ConfigError``), rewrite runs.parquet from them (where the directory can
    be written) and return its table.

    Parameters
    ----------
    out : Path
        The study directory.

    Returns
    -------
    pyarrow.Table
        As :func:`runs_table`."""
    out = Path(out)
    manifest = read_manifest(out)
    if not is_legacy(manifest):
        store.check(out)
    table = runs_table(out, manifest)
    try:
        atomic_write(out / "runs.parquet", lambda tmp: pq.write_table(table, tmp))
    except OSError:
        pass  # a read-only study directory: the table is still returned
    return table


def record_files(out: Path, manifest: dict | None = None) -> list[Path]:
    out = Path(out)
    manifest = manifest or read_manifest(out)
    if is_legacy(manifest):
        from evomod.study import legacy

        return legacy.record_files(out, manifest)
    return store.part_files(out, store.read_parts(out), store.RECORDS)


def records_dataset(out: Path):
    """The study's records as one ``pyarrow.dataset.Dataset`` (committed parts only).

    Parameters
    ----------
    out : str or pathlib.Path
        A study directory (either layout).

    Returns
    -------
    pyarrow.dataset.Dataset
        Columns: the run's identity (``run_id``, ``cell``, ``cell_index``,
        ``cell_key``, each swept key, ``seed_index``, ``seed``) then the
        record columns (``generation``, ``goal``, ``best_fitness``, ...).

    Examples
    --------
    ``ds = records_dataset("studies/mvg")``, then
    ``ds.to_table(filter=pyarrow.dataset.field("run_id") == "6505267e-s000")``
    or ``ds.to_table(columns=["generation", "qm"], filter=pyarrow.dataset.field("condition") == "mvg")``.
    """
    import pyarrow.dataset as ds

    out = Path(out)
    manifest = read_manifest(out)
    files = record_files(out, manifest)
    schema = records_schema(manifest)
    if is_legacy(manifest):
        schema = pa.unify_schemas([schema.remove(schema.get_field_index("goal"))]
                                  + [pq.read_schema(f) for f in files[:1]])
    return ds.dataset([str(f) for f in files], schema=schema, format="parquet")


def read_records(out: Path, columns=None, filter=None) -> pa.Table:
    """``records_dataset(out).to_table(columns, filter)``, with a damaged part
    reported in one line (``ConfigError``) rather than a traceback."""
    try:
        return records_dataset(out).to_table(columns=columns, filter=filter)
    except (OSError, pa.ArrowException) as exc:
        if isinstance(exc, FileNotFoundError):  # a part compacted away meanwhile: once more
            return records_dataset(out).to_table(columns=columns, filter=filter)
        raise _arrow_error(Path(out), exc) from None


def documents(out: Path, run_ids, kind: str) -> dict[str, str]:
    """``{run_id: text}`` of the runs' ``summary`` (summary.json) or ``best``
    (best.json), for finished runs."""
    out = Path(out)
    manifest = read_manifest(out)
    if is_legacy(manifest):
        from evomod.study import legacy

        return legacy.documents(out, run_ids, kind)
    wanted = pa.array(sorted(set(run_ids)), pa.string())
    t = summaries(out, ["run_id", "status", kind], manifest)
    t = t.filter(pc.and_(pc.is_in(t.column("run_id"), wanted), pc.is_in(t.column("status"), pa.array(store.DONE))))
    return dict(zip(t.column("run_id").to_pylist(), t.column(kind).to_pylist()))

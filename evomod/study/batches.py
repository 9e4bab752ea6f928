"""The submitting process's side of a study: finished runs into batches,
batches into committed parts (``evomod.study.store``).

A batch is committed when it holds ``batch_runs`` runs or ``batch_rows``
records rows, when its oldest run has waited ``batch_seconds``, and at the end
of a start (Ctrl-C included). Only then are the batch's checkpoints deleted
and, with ``keep_run_dirs``, its run folders written. Small parts are merged
as they pile up and at the end (``store.compact``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from evomod.engine.results import record_columns
from evomod.io.files import umask
from evomod.study import results as _results
from evomod.study import store

BATCH_RUNS = 1000
BATCH_ROWS = 1_000_000  # ~100 MB of records held in memory at most
BATCH_SECONDS = 60.0


class Writer:
    """Collects what the workers send back and commits it in batches.

    Parameters
    ----------
    out : pathlib.Path
        The study directory (its lock held).
    manifest : dict
        study.json's contents.
    parts : dict
        parts.json's contents (``store.open_store``), updated as parts are committed.
    batch_runs, batch_rows, batch_seconds
        When a batch is committed (see the module docstring).
    keep_run_dirs : bool
        Also write ``OUT/runs/<run_id>/`` for each finished run.
    """

    def __init__(self, out: Path, manifest: dict, parts: dict, batch_runs: int = BATCH_RUNS,
                 batch_rows: int = BATCH_ROWS, batch_seconds: float = BATCH_SECONDS, keep_run_dirs: bool = False):
        self.out, self.manifest, self.parts = Path(out), manifest, parts
        self.batch_runs, self.batch_rows, self.batch_seconds = batch_runs, batch_rows, batch_seconds
        self.keep_run_dirs = keep_run_dirs
        self.records_schema = _results.records_schema(manifest)
        self.summaries_schema = _results.summaries_schema(manifest)
        self.caps = {c["index"]: c["generations"] for c in manifest["cells"]}
        self._new()

    def _new(self) -> None:
        self.batch = store.Batch()
        self.since = None
        self.checkpoints: list[Path] = []

    def add(self, rows: list[dict], records: pa.Table | None, checkpoints: list[Path]) -> int:
        """Queue the outcome of some runs (``execute_many``'s); returns how many finished."""
        for row in rows:
            self.batch.add(row)
        if records is not None and records.num_rows:
            self.batch.records.append(records)
            self.batch.n_rows += records.num_rows
        self.checkpoints += checkpoints
        self.since = self.since or time.monotonic()
        return sum(r["status"] in store.DONE for r in rows)

    def due(self) -> bool:
        return bool(self.batch) and (len(self.batch) >= self.batch_runs or self.batch.n_rows >= self.batch_rows
                                     or time.monotonic() - self.since >= self.batch_seconds)

    def flush(self, final: bool = False) -> None:
        """Commit the batch (if any); ``final``: merge the small parts too."""
        with store.deferred_interrupt():
            if self.batch:
                batch, checkpoints = self.batch, self.checkpoints
                store.commit(self.out, self.parts, batch, self.records_schema, self.summaries_schema)
                self._new()
                done = [r for r in batch.rows if r["status"] in store.DONE]
                for path in checkpoints:
                    path.unlink(missing_ok=True)
                if self.keep_run_dirs:
                    write_run_dirs(self.out, done, batch.records)
            # merged up to the default batch size, whatever batches this start commits
            store.compact(self.out, self.parts, max(self.batch_runs, BATCH_RUNS), max(self.batch_rows, BATCH_ROWS),
                          force=final)


def write_run_dirs(out: Path, rows: list[dict], records: list[pa.Table]) -> int:
    """``OUT/runs/<run_id>/`` as ``evomod run`` writes it (records.parquet with the
    goal dictionary-encoded, summary.json, best.json) for each finished run of
    ``rows`` that has none; ``records``: tables holding their records rows."""
    out = Path(out)
    names = [c.name for c in record_columns()]
    table = pa.concat_tables(records) if records else None
    by_run = {}
    if table is not None and table.num_rows:
        table = table.sort_by([("run_id", "ascending"), ("generation", "ascending")])
        ids = np.asarray(table.column("run_id").to_pylist(), dtype=object)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        ends = np.r_[starts[1:], len(ids)]
        by_run = {ids[a]: (int(a), int(b)) for a, b in zip(starts, ends)}
    mode = 0o777 & ~umask()  # mkdtemp makes it private; a run folder is an ordinary one
    written = 0
    for row in rows:
        run_id = row["run_id"]
        if (out / "runs" / run_id).exists():
            continue
        lo, hi = by_run.get(run_id, (0, 0))
        rec = table.slice(lo, hi - lo).select([n for n in names if n in table.column_names]) if table is not None \
            else pa.table({})
        goal_names = row["goal_names"]
        if "goal" in rec.column_names:
            index = {g: i for i, g in enumerate(goal_names)}
            goal = pa.DictionaryArray.from_arrays(
                pa.array([index[g] for g in rec.column("goal").to_pylist()], pa.int32()), pa.array(goal_names))
            rec = rec.set_column(rec.column_names.index("goal"), "goal", goal)
        (out / "runs").mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{run_id}.", suffix=".tmp", dir=out / "runs"))
        try:
            os.chmod(tmp, mode)
            pq.write_table(rec, tmp / "records.parquet")
            (tmp / "summary.json").write_text(row["summary"], encoding="utf-8")
            (tmp / "best.json").write_text(row["best"], encoding="utf-8")
            os.replace(tmp, out / "runs" / run_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        written += 1
    return written


def restore_run_dirs(out: Path) -> int:
    """Write the missing run folders of every finished run from the datasets
    (``evomod study --keep-run-dirs`` on a study written without them)."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    out = Path(out)
    manifest = _results.read_manifest(out)
    if _results.is_legacy(manifest):
        return 0
    todo = sorted(r for r in _results.done_runs(out, manifest) if not (out / "runs" / r).is_dir())
    written = 0
    for lo in range(0, len(todo), BATCH_RUNS):
        ids = pa.array(todo[lo:lo + BATCH_RUNS])
        t = _results.summaries(out, ["run_id", "status", "goal_names", "summary", "best"], manifest)
        t = t.filter(pc.and_(pc.is_in(t.column("run_id"), ids), pc.is_in(t.column("status"), pa.array(store.DONE))))
        records = _results.read_records(out, filter=ds.field("run_id").isin(ids))
        written += write_run_dirs(out, t.to_pylist(), [records])
    return written

"""A study's results on disk: two Parquet datasets written in batches, and the
list of committed parts.

::

    OUT/records/part-NNNNNN-TOKEN.parquet    per-generation records of a batch of runs, sorted by
                                             run_id and generation, the run's identity columns in front
    OUT/summaries/part-NNNNNN-TOKEN.parquet  one row per run of the same batch: runs.parquet's columns
                                             plus the run's summary.json and best.json (as text)
    OUT/parts.json                           the committed parts, their sizes and CRC-32s

A batch is committed in three steps: its records part and its summaries part
are each written to a temporary name, fsynced and renamed into place, then
``parts.json`` is rewritten the same way with the new part in it. A part
exists for readers only once ``parts.json`` lists it; a run counts as done
only once a listed summaries part holds it with status finished or solved.
A process killed at any point leaves either a listed, complete part or files
no reader trusts, which the next writer deletes (``open_store``).

Small parts are merged (``compact``): a study of 10^5 short runs ends with
a few hundred files whatever the batch interval was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from evomod.io.files import atomic_write, fsync_dir
from evomod.registry import ConfigError

PARTS_FILE = "parts.json"
FORMAT = "evomod-parts/1"
RECORDS, SUMMARIES, DAMAGED = "records", "summaries", "damaged"
PART = re.compile(r"part-(\d{6,})-([0-9a-f]{8})\.parquet")
DONE = ("finished", "solved")
COMPACT_AT = 16  # small parts merged into one once there are this many
ROW_GROUP = 65_536  # rows per row group: filters on run_id skip the others (min/max statistics)


def empty_parts() -> dict:
    return {"format": FORMAT, "next": 0, "parts": []}


def read_parts(out) -> dict:
    """``OUT/parts.json`` (empty when the study has committed nothing yet)."""
    path = Path(out) / PARTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty_parts()
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__}); it lists the study's "
                          "results, restore it or start the study in another --out", "--out") from None
    ok = (isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("next"), int)
          and isinstance(data.get("parts"), list)
          and all(isinstance(p, dict) and PART.fullmatch(str(p.get("name", "")) + ".parquet") for p in data["parts"]))
    if not ok:
        raise ConfigError(f"{path}: not an evomod parts list ({FORMAT}); restore it or start the study in "
                          "another --out", "--out")
    return data


def write_parts(out, parts: dict) -> None:
    text = json.dumps(parts, indent=1) + "\n"
    atomic_write(Path(out) / PARTS_FILE, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), durable=True)


def part_files(out, parts: dict, kind: str) -> list[Path]:
    """The committed files of one dataset (``records`` or ``summaries``), in commit order."""
    key = "records_bytes" if kind == RECORDS else "summaries_bytes"
    return [Path(out) / kind / f"{p['name']}.parquet" for p in parts["parts"] if p.get(key)]


def crc32(path: Path) -> str:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return f"{crc:08x}"


def _write(path: Path, tables, schema: pa.Schema, compression: str) -> int:
    """Write ``tables`` (one after another) as one Parquet file, durably; returns its size."""
    def write(tmp):
        with pq.ParquetWriter(tmp, schema, compression=compression) as writer:
            for t in tables:
                writer.write_table(t.cast(schema) if not t.schema.equals(schema) else t, row_group_size=ROW_GROUP)
    atomic_write(path, write, durable=True)
    return path.stat().st_size


@dataclass
class Batch:
    """Finished and failed runs waiting to be committed together."""

    records: list = field(default_factory=list)  # pa.Table per finished run
    rows: list = field(default_factory=list)  # summaries rows (dicts), finished and failed
    n_rows: int = 0  # records rows

    def add(self, row: dict, records: pa.Table | None = None) -> None:
        self.rows.append(row)
        if records is not None:
            self.records.append(records)
            self.n_rows += records.num_rows

    def __len__(self) -> int:
        return len(self.rows)


def commit(out, parts: dict, batch: Batch, records_schema: pa.Schema, summaries_schema: pa.Schema) -> dict:
    """Write ``batch`` as one part and list it in ``parts.json``; returns its entry.
    ``parts`` is updated in place."""
    out = Path(out)
    name = f"part-{parts['next']:06d}-{uuid.uuid4().hex[:8]}"
    entry = {"name": name, "runs": len(batch.rows), "ok": sum(r["status"] in DONE for r in batch.rows),
             "rows": batch.n_rows}
    if batch.n_rows:
        table = pa.concat_tables([t.cast(records_schema) if not t.schema.equals(records_schema) else t
                                  for t in batch.records])
        table = table.sort_by([("run_id", "ascending"), ("generation", "ascending")])
        path = out / RECORDS / f"{name}.parquet"
        entry["records_bytes"] = _write(path, [table], records_schema, "snappy")
        entry["records_crc32"] = crc32(path)
    rows = sorted(batch.rows, key=lambda r: r["run_id"])
    summaries = pa.Table.from_pylist([{f.name: r.get(f.name) for f in summaries_schema} for r in rows],
                                     schema=summaries_schema)
    path = out / SUMMARIES / f"{name}.parquet"
    entry["summaries_bytes"] = _write(path, [summaries], summaries_schema, "zstd")
    entry["summaries_crc32"] = crc32(path)
    _publish(out, parts, {**parts, "next": parts["next"] + 1, "parts": [*parts["parts"], entry]})
    return entry


def _publish(out: Path, parts: dict, new: dict) -> None:
    """Write ``new`` as parts.json, then make ``parts`` (the caller's copy) equal it."""
    write_parts(out, new)
    parts.clear()
    parts.update(new)


@contextlib.contextmanager
def deferred_interrupt():
    """Hold Ctrl-C (SIGINT) back until the block is done: a commit is either
    wholly listed in parts.json or not at all, and the caller's copy agrees.
    Outside the main thread (where signals cannot be caught) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def _small(entry: dict, runs: int, rows: int) -> bool:
    return entry["runs"] < runs and entry["rows"] < rows


def compact(out, parts: dict, runs: int, rows: int, force: bool = False) -> bool:
    """Merge the small parts (fewer than ``runs`` runs and ``rows`` records rows)
    into one, once there are ``COMPACT_AT`` of them (``force``: two). The merged
    part is committed like a batch, then the old files are deleted; a kill in
    between leaves files the next ``open_store`` deletes. Returns whether it merged."""
    out = Path(out)
    small = [p for p in parts["parts"] if _small(p, runs, rows)]
    if len(small) < (2 if force else COMPACT_AT):
        return False
    name = f"part-{parts['next']:06d}-{uuid.uuid4().hex[:8]}"
    entry = {"name": name, "runs": sum(p["runs"] for p in small), "ok": sum(p["ok"] for p in small),
             "rows": sum(p["rows"] for p in small)}
    for kind, compression in ((RECORDS, "snappy"), (SUMMARIES, "zstd")):
        files = [out / kind / f"{p['name']}.parquet" for p in small if p.get(f"{kind}_bytes")]
        if not files:
            continue
        schema = pa.unify_schemas([pq.read_schema(f) for f in files])
        path = out / kind / f"{name}.parquet"
        entry[f"{kind}_bytes"] = _write(path, (pq.read_table(f) for f in files), schema, compression)
        entry[f"{kind}_crc32"] = crc32(path)
    gone = {p["name"] for p in small}
    _publish(out, parts, {**parts, "next": parts["next"] + 1,
                          "parts": [p for p in parts["parts"] if p["name"] not in gone] + [entry]})
    for p in small:
        for kind in (RECORDS, SUMMARIES):
            (out / kind / f"{p['name']}.parquet").unlink(missing_ok=True)
    return True


def _damage(out: Path, entry: dict) -> str:
    """Why a listed part cannot be trusted, or ""."""
    for kind in (RECORDS, SUMMARIES):
        size = entry.get(f"{kind}_bytes")
        if not size:
            continue
        path = out / kind / f"{entry['name']}.parquet"
        try:
            if path.stat().st_size != size:
                return f"{path.relative_to(out)} has {path.stat().st_size} bytes, {size} were written"
            if crc32(path) != entry.get(f"{kind}_crc32"):
                return f"{path.relative_to(out)} changed since it was written (CRC-32)"
            rows = pq.read_metadata(path).num_rows
        except FileNotFoundError:
            return f"{path.relative_to(out)} is missing"
        except (OSError, pa.ArrowException) as exc:
            return f"{path.relative_to(out)} cannot be read ({exc.__class__.__name__})"
        want = entry["rows"] if kind == RECORDS else entry["runs"]
        if rows != want:
            return f"{path.relative_to(out)} holds {rows} rows, {want} were written"
    return ""


def check(out) -> dict:
    """The parts list, once every listed part is what was written (sizes, CRC-32,
    row counts); a damaged part is a one-line ``ConfigError``. For readers
    (``evomod report``), which change nothing."""
    out = Path(out)
    parts = read_parts(out)
    for p in parts["parts"]:
        why = _damage(out, p)
        if why:
            raise ConfigError(f"{out}: {why}; run the study again to set the part aside and recompute its "
                              f"{p['runs']} run(s)", "study_dir")
    return parts


def open_store(out, warn=None) -> dict:
    """Check what a writer may trust before it starts; returns the parts list.

    Every listed part is checked (sizes, CRC-32, row counts): a damaged one is
    dropped from ``parts.json`` and moved to ``OUT/damaged/`` (its runs run
    again), with one line on stderr. Files no reader trusts (parts that a
    killed writer did not list, temporary files) are deleted. Call it with the
    study's lock held."""
    out = Path(out)
    warn = warn or (lambda line: print(f"evomod: warning: {line}", file=sys.stderr))
    parts = read_parts(out)
    bad = [(p, why) for p in parts["parts"] if (why := _damage(out, p))]
    if bad:
        (out / DAMAGED).mkdir(exist_ok=True)
        for p, why in bad:
            warn(f"{why}: its part is set aside in {out / DAMAGED} and its {p['runs']} run(s) will run again")
            for kind in (RECORDS, SUMMARIES):
                src = out / kind / f"{p['name']}.parquet"
                if src.exists():
                    os.replace(src, out / DAMAGED / f"{kind}-{src.name}")
        names = {p["name"] for p, _ in bad}
        parts["parts"] = [p for p in parts["parts"] if p["name"] not in names]
        write_parts(out, parts)
    listed = {p["name"] for p in parts["parts"]}
    for kind in (RECORDS, SUMMARIES):
        folder = out / kind
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = PART.fullmatch(path.name)
            stray = (m is not None and path.stem not in listed) or (path.name.startswith(".part-"))
            if stray and path.is_file():
                path.unlink()
        fsync_dir(folder)
    for path in out.iterdir():  # atomic_write's temporary files of a killed writer
        if path.is_file() and re.fullmatch(r"\.(parts\.json|runs\.parquet|study\.json|study\.toml|report\.\w+)\.\w+.*",
                                           path.name):
            path.unlink()
    return parts

"""Studies at scale: the batched dataset layout, record thinning, run seeds
for many runs, the bound on a study's size, the lock, file modes, damaged
parts, read-only directories, --keep-run-dirs and the conversion of studies
written with one folder per run (tests/data/legacy-study)."""

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evomod.cli import main
from evomod.study import documents, records_dataset, run_seed, run_study
from evomod.study import store as _store

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "tests" / "data" / "legacy-study"
STUDY = """
description = "scale: fixed vs mvg"
base = "ka2005-logic-mvg"
seeds = 4
seed = 5

[overrides]
generations = 30
population = 40
"selection.elite" = 8
"fitness.solved_at" = 0.75
"modularity.every" = 7
"modularity.n_random" = 5
"schedule.period" = 6

[grid]
condition = [
  { label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] },
  { label = "mvg", "schedule.name" = "mvg", "schedule.goals" = ["G1", "G2"] },
]
"""
N = 8
WALL = {"wall_seconds"}


def write(path, text=STUDY):
    path.write_text(text)
    return path


def one_line_error(capsys):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evomod: error:") and "Traceback" not in err
    return lines[0]


def rows(out):
    nan_free = lambda v: "NaN" if isinstance(v, float) and np.isnan(v) else v  # noqa: E731 (NaN != NaN)
    return sorted(({k: nan_free(v) for k, v in r.items() if k not in WALL}
                   for r in pq.read_table(out / "runs.parquet").to_pylist()), key=lambda r: r["run_id"])


def records(out):
    return records_dataset(out).to_table().sort_by([("run_id", "ascending"), ("generation", "ascending")])


def same_table(a, b):
    assert a.schema.equals(b.schema), (a.schema, b.schema)
    for name in a.column_names:
        x, y = a.column(name).to_numpy(zero_copy_only=False), b.column(name).to_numpy(zero_copy_only=False)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    return True


def files(out):
    return sorted(str(p.relative_to(out)) for p in Path(out).rglob("*") if p.is_file())


def small(out, path, **kwargs):
    return run_study(path, out, workers=1, processes=False, progress=False, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The study in one batch: what every other way of running it must give."""
    root = tmp_path_factory.mktemp("scale")
    path = write(root / "scale.toml")
    outcome = small(root / "ref", path)
    assert (outcome.finished, outcome.failed) == (N, 0)
    return path, root / "ref"


# --- seeds and size --------------------------------------------------------------------------

def test_vectorised_run_seeds_equal_numpy_seed_sequences():
    from evomod.study.seeding import run_seeds

    rng = np.random.default_rng(3)
    for study_seed in (0, 11, 2**32 - 1, 2**32, 2**63 + 5, 3**90):
        key = int(rng.integers(0, 2**32))
        idx = np.r_[0, 1, 999, 1000, rng.integers(0, 2**32, 30)]
        want = [int(np.random.SeedSequence(study_seed, spawn_key=(key, int(i))).generate_state(1, np.uint64)[0] >> 1)
                for i in idx]
        assert run_seeds(study_seed, key, idx).tolist() == want
        assert run_seed(study_seed, f"{key:08x}", int(idx[5])) == want[5]


def test_a_study_too_large_is_refused_at_once(tmp_path, capsys):
    path = write(tmp_path / "huge.toml", STUDY.replace("seeds = 4", "seeds = 100000000"))
    started = time.perf_counter()
    assert main(["study", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert time.perf_counter() - started < 10
    line = one_line_error(capsys)
    assert "200,000,000 runs" in line and "1,000,000" in line and "seeds" in line
    assert not (tmp_path / "out").exists()


# --- layout ----------------------------------------------------------------------------------

def test_layout_of_a_study(reference):
    _, out = reference
    parts = json.loads((out / "parts.json").read_text())
    assert len(parts["parts"]) == 1 and parts["parts"][0]["runs"] == N
    assert files(out) == sorted(["study.toml", "study.json", "study.lock", "parts.json", "runs.parquet",
                                 "qm-cache.json", f"records/{parts['parts'][0]['name']}.parquet",
                                 f"summaries/{parts['parts'][0]['name']}.parquet"])
    data = records(out)
    assert data.num_rows == N * 30 and len(set(data.column("run_id").to_pylist())) == N
    # pandas and a plain pyarrow read of OUT/records give the same rows
    import pandas as pd

    assert len(pd.read_parquet(out / "records")) == N * 30
    manifest = json.loads((out / "study.json").read_text())
    assert manifest["format"] == "evomod-study/2" and "runs" not in manifest
    table = rows(out)
    best = documents(out, [r["run_id"] for r in table], "best")
    assert {json.loads(b)["format"] for b in best.values()} == {"evomod-genome/1"} and len(best) == N


def test_small_batches_compact_to_the_same_results(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "batched"
    small(out, path, batch_runs=1)  # a part per run, merged as they pile up and at the end
    parts = json.loads((out / "parts.json").read_text())["parts"]
    assert len(parts) == 1 and parts[0]["runs"] == N
    assert rows(out) == rows(ref) and same_table(records(out), records(ref))
    assert not [f for f in files(out) if Path(f).name.startswith(".")]


def test_two_workers_give_the_same_records(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "two"
    assert main(["study", str(path), "--out", str(out), "--workers", "2", "-q"]) == 0
    assert rows(out) == rows(ref) and same_table(records(out), records(ref))


# --- thinning ----------------------------------------------------------------------------------

def _experiment_study(name, every, generations, population):
    from evomod.replicate import get, study

    table = study(get(name), runs=1, generations=generations)
    table["overrides"].update({"population": population, "modularity.every": 7, "modularity.n_random": 5,
                               "records.every": every})
    if name == "clune2013":
        table["overrides"]["selection.mu"] = population // 2
    else:
        table["overrides"]["selection.elite"] = population // 5
    return table


@pytest.mark.parametrize("name, generations, population", [("ka2005-logic", 200, 60), ("clune2013", 60, 40)])
def test_thinned_records_give_every_measure_exactly(tmp_path, name, generations, population):
    """records.every = 9 writes far fewer rows, and every measure of the reports
    (evomod report's and the replication's, which read records) is unchanged."""
    from evomod.analysis.report import conditions
    from evomod.replicate import get
    from evomod.replicate.measures import BEYOND_Q, MEASURES, collect

    exp = get(name)
    full, thin = tmp_path / "full", tmp_path / "thin"
    run_study(_experiment_study(name, 1, generations, population), full, workers=1, processes=False, progress=False)
    run_study(_experiment_study(name, 9, generations, population), thin, workers=1, processes=False, progress=False)
    a, b = records(full), records(thin)
    assert b.num_rows < 0.6 * a.num_rows
    # the kept rows are the full records' rows, value for value
    key = lambda t: {(r, g): i for i, (r, g) in enumerate(zip(t.column("run_id").to_pylist(),  # noqa: E731
                                                               t.column("generation").to_pylist()))}
    where = key(a)
    idx = pa.array([where[k] for k in key(b)])
    assert same_table(a.take(idx).drop_columns([]), b)
    names = [m for m in MEASURES if m not in BEYOND_Q]
    got_full, got_thin = collect(full, exp, names), collect(thin, exp, names)
    for label in got_full:
        for m in names:
            assert np.array_equal(got_full[label][m], got_thin[label][m], equal_nan=True), (label, m)
    assert rows(full) == rows(thin)
    for c, d in zip(conditions(full)[1], conditions(thin)[1]):
        assert np.array_equal(c.to_solve, d.to_solve) and np.array_equal(c.to_perfect, d.to_perfect)
        assert np.array_equal(c.final_qm, d.final_qm, equal_nan=True) and c.switches == d.switches
    assert main(["report", str(thin)]) == 0


def test_records_every_is_validated(tmp_path, capsys):
    path = write(tmp_path / "bad.toml", STUDY.replace('"schedule.period" = 6', '"schedule.period" = 6\n'
                                                       '"records.every" = 0'))
    assert main(["study", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert "records.every" in one_line_error(capsys)


# --- lock, modes, damage, read-only --------------------------------------------------------

def test_a_second_writer_is_refused_with_the_holders_pid_and_host(reference, tmp_path, capsys):
    from evomod.study.lock import StudyLock

    path, ref = reference
    out = tmp_path / "locked"
    shutil.copytree(ref, out)
    before = {f: (out / f).read_bytes() for f in files(out) if f != "study.lock"}
    with StudyLock(out):
        assert main(["study", str(path), "--out", str(out), "-q"]) == 2
        line = one_line_error(capsys)
        assert f"pid {os.getpid()} on {socket.gethostname()}" in line and "in use by another evomod study" in line
    assert {f: (out / f).read_bytes() for f in files(out) if f != "study.lock"} == before
    # the lock went with its holder: the same command now resumes (nothing to do)
    assert main(["study", str(path), "--out", str(out), "-q"]) == 0


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_outputs_follow_the_umask(reference, tmp_path, mask):
    path, _ = reference
    old = os.umask(mask)
    try:
        out = tmp_path / "modes"
        small(out, path, keep_run_dirs=True)
        assert main(["report", str(out)]) == 0
    finally:
        os.umask(old)
    for p in [out, *out.rglob("*")]:
        want = (0o777 if p.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_a_damaged_part_is_detected_and_its_runs_run_again(reference, tmp_path, capsys, damage):
    path, ref = reference
    out = tmp_path / "damaged"
    shutil.copytree(ref, out)
    name = json.loads((out / "parts.json").read_text())["parts"][0]["name"]
    part = out / "records" / f"{name}.parquet"
    blob = bytearray(part.read_bytes())
    if damage == "flip":
        blob[len(blob) // 2] ^= 0xFF
        part.write_bytes(bytes(blob))
    elif damage == "truncate":
        part.write_bytes(bytes(blob[: len(blob) // 3]))
    else:
        part.unlink()
    capsys.readouterr()
    if damage != "delete":  # a report before the resume says what is wrong in one line
        assert main(["report", str(out)]) == 2
        assert "run the study again" in one_line_error(capsys)
    outcome = small(out, path)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and f"its {N} run(s) will run again" in err
    assert (outcome.skipped, outcome.finished) == (0, N)
    assert rows(out) == rows(ref) and same_table(records(out), records(ref))
    assert main(["report", str(out)]) == 0


def test_strays_of_a_killed_writer_are_removed(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "strays"
    shutil.copytree(ref, out)
    name = json.loads((out / "parts.json").read_text())["parts"][0]["name"]
    for kind in ("records", "summaries"):  # a part written but never listed, and temporary files
        shutil.copy(out / kind / f"{name}.parquet", out / kind / "part-000099-0123abcd.parquet")
        (out / kind / ".part-000100-0123abcd.parquet.x1y2z3.parquet").write_bytes(b"half")
    (out / ".parts.json.abc123.json").write_text("{")
    before = files(ref)
    small(out, path)
    assert files(out) == before and rows(out) == rows(ref)


def _read_only(folder: Path, argv: list[str]):
    """``argv`` run with ``folder`` read-only: by permissions for a normal user;
    for root (whom permissions do not stop) on a read-only bind mount in a
    private mount namespace (``unshare``); None where neither is possible."""
    if os.geteuid() != 0:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return argv
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", f"mount --bind {folder} {folder} && "
                            f"mount -o remount,ro,bind {folder}"], capture_output=True)
    if probe.returncode != 0:
        return None
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, "sh", str(folder), *argv]


def test_read_only_study_directory_gets_one_line(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    (out / "study.lock").unlink()
    before = {f: (out / f).read_bytes() for f in files(out)}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["study", str(path), "--out", str(out), "-q"], ["report", str(out)]):
        cmd = _read_only(out, [sys.executable, "-m", "evomod.cli", *args])
        if cmd is None:
            pytest.skip("cannot make a read-only directory here (root without unshare)")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "writ" in lines[0] and str(out) in lines[0]
    assert {f: (out / f).read_bytes() for f in files(out)} == before


# --- keep-run-dirs and conversion -----------------------------------------------------------

def _run_dir_matches(out, run_id, table):
    rec = pq.read_table(out / "runs" / run_id / "records.parquet")
    assert pa.types.is_dictionary(rec.schema.field("goal").type)
    mine = table.filter(pa.compute.equal(table.column("run_id"), run_id))
    assert rec.num_rows == mine.num_rows
    assert rec.column("goal").to_pylist() == mine.column("goal").to_pylist()
    assert np.array_equal(rec.column("best_fitness").to_numpy(), mine.column("best_fitness").to_numpy())
    summary = json.loads((out / "runs" / run_id / "summary.json").read_text())
    assert summary["source"].endswith(run_id) and summary["generations_run"] == mine.num_rows
    return True


def test_keep_run_dirs_writes_and_restores_run_folders(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "kept"
    assert main(["study", str(path), "--out", str(out), "--workers", "1", "--keep-run-dirs", "-q"]) == 0
    table = records(out)
    ids = sorted(set(table.column("run_id").to_pylist()))
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids
    assert all(_run_dir_matches(out, r, table) for r in ids)
    # a study written without them gets them back on a resume with the flag
    again = tmp_path / "restored"
    shutil.copytree(ref, again)
    assert main(["study", str(path), "--out", str(again), "--keep-run-dirs", "-q"]) == 0
    for r in ids:
        for name, kind in (("summary.json", "summary"), ("best.json", "best")):
            assert (again / "runs" / r / name).read_text() == documents(again, [r], kind)[r]
        assert _run_dir_matches(again, r, table)


def _legacy_copy(tmp_path):
    out = tmp_path / "legacy"
    shutil.copytree(LEGACY, out)
    path = write(tmp_path / "legacy.toml", (out / "study.toml").read_text())
    return path, out


def test_report_reads_a_per_run_folder_study_as_it_is(tmp_path, capsys):
    _, out = _legacy_copy(tmp_path)
    before = {f: (out / f).read_bytes() for f in files(out) if f != "runs.parquet"}
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    data = json.loads((out / "report.json").read_text())
    assert [(c["label"], c["done"], c["failed"]) for c in data["conditions"]] == [("fixed", 2, 0), ("mvg", 1, 1)]
    assert {f: (out / f).read_bytes() for f in before} == before  # nothing of the study changed
    legacy_rows = pq.read_table(LEGACY / "runs.parquet").to_pylist()
    assert len(records_dataset(out).to_table().to_pylist()) == 3 * 12 and len(legacy_rows) == 4


def test_resume_converts_a_per_run_folder_study(tmp_path, capsys):
    """The converted study holds the old runs' results unchanged, runs the failed
    run again, and ends as the same study run from scratch in the new layout."""
    path, out = _legacy_copy(tmp_path)
    old_rows = {r["run_id"]: r for r in pq.read_table(LEGACY / "runs.parquet").to_pylist()}
    old_records = {r: pq.read_table(LEGACY / "records" / f"{r}.parquet") for r in old_rows
                   if (LEGACY / "records" / f"{r}.parquet").exists()}
    outcome = small(out, path)
    assert "converted" in capsys.readouterr().err
    assert (outcome.skipped, outcome.finished, outcome.failed) == (3, 1, 0)
    assert not (out / "runs").exists() and not (out / "failed").exists()
    assert not [f for f in files(out) if f.startswith("records/") and "part-" not in f]
    new = records(out)
    for r, t in old_records.items():
        mine = new.filter(pa.compute.equal(new.column("run_id"), r))
        assert same_table(mine.select(t.column_names), t.cast(mine.select(t.column_names).schema))
    fresh = tmp_path / "fresh"
    small(fresh, path)
    assert rows(out) == rows(fresh) and same_table(records(out), records(fresh))
    assert main(["report", str(out)]) == 0


def test_migrate_converts_only(tmp_path, capsys):
    _, out = _legacy_copy(tmp_path)
    assert main(["study", "--migrate", str(out)]) == 0
    assert "4 run(s) converted" in capsys.readouterr().out  # 3 finished, 1 failed
    table = pq.read_table(out / "runs.parquet").to_pylist()
    assert sorted(r["status"] for r in table) == sorted(r["status"] for r in pq.read_table(
        LEGACY / "runs.parquet").to_pylist())
    assert json.loads((out / "study.json").read_text())["format"] == "evomod-study/2"
    assert main(["study", "--migrate", str(out)]) == 0  # again: nothing to do
    assert "nothing to convert" in capsys.readouterr().out
    assert main(["report", str(out)]) == 0
    assert main(["study", "--migrate", str(tmp_path)]) == 2
    assert "not a study directory" in one_line_error(capsys)


def test_a_conversion_killed_midway_can_be_run_again(tmp_path, monkeypatch):
    from evomod.study import legacy

    path, out = _legacy_copy(tmp_path)
    real = _store.commit
    monkeypatch.setattr(legacy, "MIGRATE_BATCH", 1)
    calls = []

    def dies(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_store, "commit", dies)
    with pytest.raises(KeyboardInterrupt):
        legacy.migrate(out)
    monkeypatch.setattr(_store, "commit", real)
    assert json.loads((out / "study.json").read_text())["format"] == "evomod-study/1"
    assert main(["study", "--migrate", str(out)]) == 0
    assert sorted(r["status"] for r in pq.read_table(out / "runs.parquet").to_pylist()) == sorted(
        r["status"] for r in pq.read_table(LEGACY / "runs.parquet").to_pylist())
    assert len(json.loads((out / "parts.json").read_text())["parts"]) >= 1
    assert records_dataset(out).to_table().num_rows == 3 * 12
    del path

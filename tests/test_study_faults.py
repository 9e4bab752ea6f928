"""A study's writer killed at any point: the next start resumes to exactly the
results of an uninterrupted study and leaves no stray file.

The writer (the submitting process) is killed with SIGKILL at the k-th file
rename or fsync it makes (``os.replace``/``os.fsync`` patched in a child
process): inside a batch commit (records part, summaries part, parts.json),
a merge of small parts, runs.parquet, or the report; k is drawn at random
(seeded; the seed is in the test id) among the calls an uninterrupted study
makes. A real SIGKILL of a running ``evomod study`` (worker processes
included) is tested too."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import KILL_AT_NTH_WRITE

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
STUDY = """
base = "ka2005-logic-mvg"
seeds = 3
seed = 9

[overrides]
generations = 20
population = 30
"selection.elite" = 6
"modularity.every" = 5
"modularity.n_random" = 4
"schedule.period" = 5

[grid]
condition = [
  { label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] },
  { label = "mvg", "schedule.name" = "mvg", "schedule.goals" = ["G1", "G2"] },
]
"""
# a study in small batches (several commits and merges), then its report; the writer dies at the
# KILL_AT-th call of os.replace or os.fsync (0: never; the calls are counted into COUNT_FILE)
DRIVER = KILL_AT_NTH_WRITE + r"""
if os.environ.get("KILL_AT_FIRST_PART"):  # before the first records part's rename: written, not committed
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if os.path.basename(str(src)).startswith(".part-"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
from evomod.study import run_study
from evomod.analysis.report import write_report
run_study(sys.argv[1], sys.argv[2], workers=1, processes=False, progress=False, batch_runs=2)
write_report(sys.argv[2])
if count_file:
    open(count_file, "w").write(str(calls[0]))
"""


def drive(tmp_path, study, out, kill_at=0, count=False, first_part=False):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KILL_AT": str(kill_at)}
    if first_part:
        env["KILL_AT_FIRST_PART"] = "1"
    if count:
        env["COUNT_FILE"] = str(tmp_path / "count")
    proc = subprocess.run([sys.executable, str(script), str(study), str(out)], env=env, capture_output=True,
                          text=True, timeout=300)
    return proc


def rows(out):
    keep = lambda v: "NaN" if isinstance(v, float) and np.isnan(v) else v  # noqa: E731
    return sorted(({k: keep(v) for k, v in r.items() if k != "wall_seconds"}
                   for r in pq.read_table(out / "runs.parquet").to_pylist()), key=lambda r: r["run_id"])


def records(out):
    from evomod.study import records_dataset

    t = records_dataset(out).to_table().sort_by([("run_id", "ascending"), ("generation", "ascending")])
    return {name: t.column(name).to_numpy(zero_copy_only=False) for name in t.column_names}


def same_records(a, b):
    assert a.keys() == b.keys()
    return all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)


def no_strays(out):
    """Every file is one a finished study has: listed parts, no temporary or unlisted file."""
    parts = json.loads((out / "parts.json").read_text())["parts"]
    listed = {f"{kind}/{p['name']}.parquet" for p in parts for kind in ("records", "summaries")
              if p.get(f"{kind}_bytes")}
    found = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    extra = found - listed - {"study.toml", "study.json", "study.lock", "parts.json", "runs.parquet", "qm-cache.json",
                              "report.md", "report.json", "report-fitness.png", "report-qm.png", "report-solve.png",
                              "report-adaptation.png"}
    assert not extra, extra
    assert not [p for p in (out / "checkpoints").iterdir()] if (out / "checkpoints").exists() else True
    return True


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    study = root / "study.toml"
    study.write_text(STUDY)
    proc = drive(root, study, root / "ref", count=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return study, root / "ref", int((root / "count").read_text())


SEEDS = [11, 12]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_writer_killed_at_a_random_write_resumes_exactly(uninterrupted, tmp_path, seed):
    study, ref, calls = uninterrupted
    kill_at = random.Random(seed).randint(1, calls)
    out = tmp_path / "out"
    killed = drive(tmp_path, study, out, kill_at)
    assert killed.returncode == -signal.SIGKILL, (kill_at, calls, killed.stderr[-2000:])
    resumed = drive(tmp_path, study, out)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert rows(out) == rows(ref) and same_records(records(out), records(ref))
    assert no_strays(out)


def test_killed_during_the_first_batch_write(uninterrupted, tmp_path):
    """Killed with the first records part written to its temporary file but not renamed."""
    study, ref, _ = uninterrupted
    out = tmp_path / "out"
    assert drive(tmp_path, study, out, first_part=True).returncode == -signal.SIGKILL
    assert [p.name for p in (out / "records").iterdir()][0].startswith(".part-")  # half a batch, hidden
    assert not (out / "parts.json").exists()
    assert drive(tmp_path, study, out).returncode == 0
    assert rows(out) == rows(ref) and same_records(records(out), records(ref)) and no_strays(out)


@pytest.mark.slow
def test_sigkill_of_a_running_study_and_resume(uninterrupted, tmp_path):
    """``evomod study`` with 2 worker processes, killed (process group) once a
    part is committed, then run again: the uninterrupted study's results."""
    study, ref, _ = uninterrupted
    slow = tmp_path / "slow.toml"
    slow.write_text(STUDY.replace("seeds = 3", "seeds = 12"))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "evomod.cli", "study", str(slow), "--out", str(out), "--workers", "2", "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        parts = out / "parts.json"
        if parts.exists() and json.loads(parts.read_text())["parts"]:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    full = tmp_path / "full"
    assert subprocess.run([*cmd[:5], "--out", str(full), "--workers", "1", "-q"], env=env, capture_output=True,
                          timeout=300).returncode == 0
    assert rows(out) == rows(full) and same_records(records(out), records(full))
    assert not [p for p in out.rglob(".*") if p.is_file()]

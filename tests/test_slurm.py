"""A 2-run study through a real single-node SLURM (dask-jobqueue's SLURMCluster).

``scripts/start-slurm.sh`` (root) installs SLURM and munge when missing and
starts munged, slurmctld and slurmd; CI runs it before pytest. Here it is run
again (it leaves running daemons alone) but never to install: where SLURM is
not installed, or does not start, the test is skipped with the reason."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("dask_jobqueue")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "start-slurm.sh"
STUDY = """
description = "two tiny runs on SLURM"
base = "ka2005-logic-mvg"
seeds = 1
seed = 7

[overrides]
generations = 30
population = 50
"selection.elite" = 10
"modularity.every" = 5

[grid]
"schedule.period" = [5, 10]

[cluster]
kind = "slurm"
cores = 1
memory = "1GB"
walltime = "00:10:00"
"""


pytestmark = pytest.mark.slow  # 10-15 s each where SLURM runs


@pytest.fixture(scope="module")
def slurm():
    if not SCRIPT.is_file():
        pytest.skip(f"{SCRIPT} is missing")
    if os.geteuid() != 0:
        pytest.skip("starting SLURM needs root (scripts/start-slurm.sh)")
    missing = [t for t in ("sbatch", "slurmctld", "slurmd", "munged") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"SLURM is not installed ({', '.join(missing)} not found); "
                    "`bash scripts/start-slurm.sh` as root installs and starts it")
    try:
        proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        pytest.skip("scripts/start-slurm.sh did not finish within 180 s")
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        pytest.skip(f"SLURM did not start: {tail}")


def test_study_on_slurm(slurm, tmp_path):
    study = tmp_path / "slurm.toml"
    study.write_text(STUDY)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "evomod.cli", "study", str(study), "--out", str(out), "--jobs", "2", "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    assert len(rows) == 2 and all(r["status"] in ("finished", "solved") for r in rows)
    assert sorted(r["schedule.period"] for r in rows) == [5, 10]
    assert pq.read_table(out / "records").num_rows == 2 * 30
    # the workers were SLURM jobs: their logs are in OUT/logs, none in the current directory
    logs = list((out / "logs").glob("*.out")) + list((out / "logs").glob("*.err"))
    assert logs and any("distributed" in p.read_text(errors="replace") for p in logs)
    assert not list(tmp_path.glob("slurm-*.out"))
    # a second start has nothing to do and submits nothing
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 0 and "0 run(s) done now, 2 done before" in again.stdout


def test_replicate_quick_on_slurm(slurm, tmp_path):
    out = tmp_path / "rep"
    cmd = [sys.executable, "-m", "evomod.cli", "replicate", "ka2005-logic", "--quick", "--runs", "1",
           "--cluster", "slurm", "--jobs", "2", "--out", str(out), "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    assert len(rows) == 4 and all(r["status"] in ("finished", "solved") for r in rows)
    assert "| recovery | MVG-long |" in (out / "REPORT.md").read_text()
    assert list((out / "logs").glob("*.err"))  # the runs went through SLURM jobs


SCALE_STUDY = """
description = "10^4 short runs on SLURM and locally"
base = "ka2005-logic-mvg"
seeds = 1000
seed = 1

[overrides]
generations = 5
population = 50
"selection.elite" = 10
"modularity.every" = 0

[grid]
"selection.pm" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
"""


@pytest.mark.slow
def test_ten_thousand_runs_on_slurm_equal_the_local_study(slurm, tmp_path):
    """10^4 runs through dask-jobqueue on the single-node SLURM: the same runs table and records
    as the same study on local workers, and the same files (besides the jobs' logs)."""
    import numpy as np

    from evomod.study import records_dataset

    study = tmp_path / "scale.toml"
    study.write_text(SCALE_STUDY)
    outs = {}
    for where, flags in (("slurm", ["--cluster", "slurm", "--jobs", "2"]), ("local", ["--workers", "2"])):
        outs[where] = tmp_path / where
        proc = subprocess.run([sys.executable, "-m", "evomod.cli", "study", str(study), "--out", str(outs[where]),
                               *flags, "-q"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]

    def runs(out):
        t = pq.read_table(out / "runs.parquet").drop(["wall_seconds"]).sort_by("run_id")
        return [{k: ("nan" if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in t.to_pylist()]

    assert len(runs(outs["slurm"])) == 10_000 and runs(outs["slurm"]) == runs(outs["local"])
    a, b = (records_dataset(outs[w]).to_table().sort_by([("run_id", "ascending"), ("generation", "ascending")])
            for w in ("slurm", "local"))
    for name in a.column_names:
        x, y = a.column(name).to_numpy(zero_copy_only=False), b.column(name).to_numpy(zero_copy_only=False)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name

    def files(out):
        return sorted(str(p.relative_to(out)).split("/")[0] + "/" if p.parent != out else p.name
                      for p in out.rglob("*") if p.is_file() and "logs" not in p.relative_to(out).parts)

    assert len(files(outs["slurm"])) == len(files(outs["local"])) <= 50

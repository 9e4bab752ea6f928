"""Checkpoint and resume: a run killed mid-way and resumed logs exactly what
an uninterrupted run logs."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import config_with

from evomod import config as C
from evomod.engine import checkpoint, run
from evomod.engine.results import RECORD_COLUMNS
from evomod.registry import ConfigError


class Crash(Exception):
    pass


def crash_after_saves(monkeypatch, n):
    real, count = checkpoint.save, [0]

    def save(*args, **kwargs):
        real(*args, **kwargs)
        count[0] += 1
        if count[0] == n:
            raise Crash

    monkeypatch.setattr(checkpoint, "save", save)


def same_records(a, b):
    ca, cb = a.records.columns(), b.records.columns()
    for name in RECORD_COLUMNS:
        assert np.array_equal(ca[name], cb[name], equal_nan=ca[name].dtype.kind == "f"), name
    assert np.array_equal(a.best_genome, b.best_genome)
    assert a.first_solved == b.first_solved and a.status == b.status
    assert a.switches == b.switches  # derived from the records: restored with them


@pytest.mark.parametrize("cfg", [
    config_with({"population": 100, "generations": 230, "selection": {"elite": 30},
                 "modularity": {"n_random": 20}}, seed=4),
    pytest.param(config_with(C.read_raw("clune2013-pcc-mvg"), population=60, generations=230, selection={"mu": 30}),
                 marks=pytest.mark.slow),
], ids=["logic-mvg", "clune-pcc-mvg"])
def test_crash_then_resume_gives_the_uninterrupted_records(cfg, tmp_path, monkeypatch):
    whole = run(cfg)
    path = tmp_path / "run.ckpt.npz"
    with monkeypatch.context() as m:
        crash_after_saves(m, 2)  # dies right after the checkpoint before generation 100
        with pytest.raises(Crash):
            run(cfg, checkpoint=path, checkpoint_every=50)
    assert checkpoint.load(path, cfg)["generation"] == 100
    same_records(whole, run(cfg, checkpoint=path, checkpoint_every=50))


def test_checkpoint_of_another_config_is_refused(tmp_path, monkeypatch):
    cfg = config_with({"population": 50, "generations": 120, "selection": {"elite": 10},
                       "modularity": {"every": 0}})
    path = tmp_path / "c.npz"
    with monkeypatch.context() as m:
        crash_after_saves(m, 1)
        with pytest.raises(Crash):
            run(cfg, checkpoint=path, checkpoint_every=50)
    with pytest.raises(ConfigError, match="another config"):
        run(cfg.model_copy(update={"seed": 1}), checkpoint=path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="unreadable"):
        run(cfg, checkpoint=path)


def test_killed_process_resumes_exactly(tmp_path):
    """SIGKILL a real run once it has checkpointed, resume in this process."""
    script = (
        "import sys; from evomod import config as C; from evomod.engine import run\n"
        "cfg = C.load(None, ['modularity.every=0'], generations=3000, population=200,\n"
        "             **{'selection': {'elite': 60}})\n"
        "run(cfg, checkpoint=sys.argv[1], checkpoint_every=200)\n")
    path = tmp_path / "k.npz"
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
    try:
        deadline = time.time() + 120
        while not path.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert path.exists(), "no checkpoint written"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    cfg = C.load(None, ["modularity.every=0"], generations=3000, population=200, selection={"elite": 60})
    resumed_from = checkpoint.load(path, cfg)["generation"]
    assert 0 < resumed_from < 3000
    same_records(run(cfg), run(cfg, checkpoint=path, checkpoint_every=200))


def test_cli_checkpoint_flag(tmp_path, capsys):
    from evomod.cli import main

    args = ["run", "--generations", "120", "-q", "--set", "population=60", "--set", "selection.elite=10"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    ck = tmp_path / "b.npz"
    assert main([*args, "--out", str(tmp_path / "b"), "--checkpoint", str(ck), "--checkpoint-every", "50"]) == 0
    assert not ck.exists()  # removed once the run is written
    import pyarrow.parquet as pq

    a, b = (pq.read_table(tmp_path / d / "records.parquet").to_pydict() for d in "ab")
    assert a.keys() == b.keys()
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert main([*args, "--out", str(tmp_path / "c"), "--checkpoint-every", "0"]) == 2

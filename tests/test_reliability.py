"""Hostile inputs and faults (issue 16): each case first reproduced, then fixed.

Hangs run in a subprocess with a timeout, so a regression fails instead of
hanging the suite; everything else runs in-process through ``evomod.cli.main``.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import KILL_AT_NTH_WRITE

from evomod.cli import main

SMALL = ["-q", "--set", "population=60", "--set", "selection.elite=10", "--set", "modularity.n_random=20"]
ROOT = Path(__file__).resolve().parents[1]


def env():
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")


def evomod(*argv, timeout=120, cwd=None):
    """``python -m evomod ARGV`` in a subprocess; fails (not hangs) past ``timeout`` s."""
    try:
        return subprocess.run([sys.executable, "-m", "evomod", *map(str, argv)], capture_output=True,
                              text=True, env=env(), timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"evomod {' '.join(map(str, argv))} still running after {timeout} s")


def python(code, timeout=120):
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              env=env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s")


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evomod") and "Traceback" not in err, err
    return lines[0]


def cli(argv, capsys):
    """(exit code, stdout, stderr) of ``evomod ARGV`` in-process."""
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def strict_json(text: str):
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


# --- 1. non-finite numbers: rejected where they enter; kernels terminate on NaN ----------------

@pytest.mark.parametrize("setting", [
    "objectives.weights={connections=nan}",
    "objectives.weights={connections=inf}",
    "objectives.locality_exponent=inf",
    "fitness.gate_penalty=inf",
    "fitness.gate_penalty=nan",
    "selection.pm=nan",
])
def test_non_finite_setting_is_one_line_error(setting, in_tmp, capsys):
    code, _, err = cli(["run", "--generations", "5", "--out", in_tmp / "o", *SMALL, "--set", setting], capsys)
    assert code == 2
    assert setting.split("=")[0].split(".")[-1] in one_line(err)
    assert not (in_tmp / "o").exists()


def test_non_finite_in_a_toml_file_is_refused(in_tmp, capsys):
    (in_tmp / "c.toml").write_text("generations = 5\n[objectives]\nlocality_exponent = inf\n"
                                   "weights = {locality = 0.0}\n")
    code, _, err = cli(["run", in_tmp / "c.toml", "--out", in_tmp / "o", *SMALL], capsys)
    assert code == 2 and "locality_exponent" in one_line(err)
    (in_tmp / "d.toml").write_text('[selection]\nname = "deap:selTournament"\nargs = {tournsize = nan}\n')
    code, _, err = cli(["run", in_tmp / "d.toml", "--out", in_tmp / "o", *SMALL], capsys)
    assert code == 2 and "tournsize" in one_line(err)


def test_nan_weight_run_ends_with_one_line(tmp_path):
    """It used to spin forever in the elite step's quickselect."""
    done = evomod("run", "--generations", "5", "--out", tmp_path / "o", *SMALL,
                  "--set", "objectives.weights={connections=nan}", timeout=90)
    assert done.returncode == 2
    assert "connections" in one_line(done.stderr)


def test_selection_kernels_terminate_on_nan_and_inf():
    """Every built-in strategy on objectives holding NaN and +-inf returns valid parents."""
    done = python("""
        import numpy as np
        from evomod import rng
        from evomod.selection import SELECTION
        from evomod.selection import kernels as K
        size = 40
        cases = (np.full((size, 1), 2**64 - 1, np.uint64), 16)
        given = {"mu": 10, "elite": 5}
        for fill in (np.nan, np.inf, -np.inf):
            for pattern in ("all", "some"):
                obj = np.random.default_rng(0).random((size, 2))
                if pattern == "all":
                    obj[:] = fill
                else:
                    obj[::3] = fill
                for name in SELECTION.names():
                    entry = SELECTION.get(name)
                    fields = entry.params.model_fields
                    params = entry.params(name=name, **{k: v for k, v in given.items() if k in fields})
                    cols = obj if getattr(entry.fn, "multi_objective", False) else obj[:, :1].copy()
                    parents, keep = entry.fn(cols, rng.new_state(np.random.SeedSequence(1)), params, cases)
                    assert parents.shape == (size,) and parents.min() >= 0 and parents.max() < size, name
                a = obj[:, 0].copy()
                K.kth_smallest(a, 7)
                rows = K.top_rows(obj[:, 0], 5, rng.new_state(np.random.SeedSequence(2)))
                assert len(set(rows.tolist())) == 5
                parents, keep = K.elite_parents(obj[:, 0], 10, rng.new_state(np.random.SeedSequence(3)))
                assert keep.sum() == 10 and len(set(parents.tolist())) == size - 10
        print("ok")
    """, timeout=300)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-3000:]


def test_nan_objectives_rank_last_in_the_engine():
    """A cost that overflows to inf (and inf x 0 = NaN) must neither hang nor win."""
    from evomod.engine.loop import _finite_objectives

    obj = np.array([[0.5, 1.0], [np.nan, 0.0], [np.inf, 2.0], [-np.inf, np.nan]])
    out = _finite_objectives(obj)
    assert np.isfinite(out).all()
    assert out[1, 0] == out[3, 0] < 0.5 < out[2, 0]  # NaN ranks with -inf, below every number
    assert out[3, 1] < 0.0 and out[0, 0] == 0.5


# --- 2. a checkpoint path without .npz; 7. files get the umask's permissions -------------------

def small_config(**over):
    from evomod import config as C

    return C.load(None, ["population=60", "selection.elite=10", "modularity.n_random=20"],
                  **{"generations": 90, **over})


class Crash(Exception):
    pass


def crash_at_save(monkeypatch, n):
    """The n-th checkpoint is written, then the run dies."""
    from evomod.engine import checkpoint

    real, count = checkpoint.save, [0]

    def save(*args, **kwargs):
        real(*args, **kwargs)
        count[0] += 1
        if count[0] == n:
            raise Crash

    monkeypatch.setattr(checkpoint, "save", save)


def same_run(a, b):
    ca, cb = a.records.columns(), b.records.columns()
    assert ca.keys() == cb.keys()
    for k in ca:
        assert np.array_equal(ca[k], cb[k], equal_nan=ca[k].dtype.kind == "f"), k
    assert np.array_equal(a.best_genome, b.best_genome)


@pytest.mark.parametrize("name", ["state", "state.ckpt", "run.npz.bak"])
def test_checkpoint_any_name_is_written_and_resumed(name, tmp_path, monkeypatch):
    """np.savez appended .npz to the temporary name: the real file stayed empty."""
    from evomod.engine import checkpoint, run

    cfg = small_config()
    path = tmp_path / name
    with monkeypatch.context() as m:
        crash_at_save(m, 1)
        with pytest.raises(Crash):
            run(cfg, checkpoint=path, checkpoint_every=30)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no stray temporary
    assert checkpoint.load(path, cfg)["generation"] == 30
    same_run(run(cfg), run(cfg, checkpoint=path, checkpoint_every=30))


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_files_follow_the_umask(umask, in_tmp, capsys):
    from evomod.engine import checkpoint, run

    old = os.umask(umask)
    try:
        cfg = small_config()
        ck = in_tmp / "ck.npz"
        with pytest.MonkeyPatch.context() as m:
            crash_at_save(m, 1)
            with pytest.raises(Crash):
                run(cfg, checkpoint=ck, checkpoint_every=30)
        code, _, err = cli(["run", "--generations", "3", "--out", in_tmp / "r", *SMALL,
                            "--set", f'modularity.cache="{in_tmp / "qm.json"}"'], capsys)
        assert code == 0, err
    finally:
        os.umask(old)
    assert checkpoint.load(ck, cfg)
    files = [ck, in_tmp / "qm.json", in_tmp / "r", *(in_tmp / "r").iterdir()]
    for path in files:
        want = (0o777 if path.is_dir() else 0o666) & ~umask
        assert path.stat().st_mode & 0o777 == want, (path.name, oct(path.stat().st_mode))


# --- 3. a user's file given as the Q_m cache ----------------------------------------------------

@pytest.mark.parametrize("content", [b"my notes\n", b'{"format": "something else"}', b"\x00\xff"])
def test_cache_path_on_a_foreign_file_is_refused_and_untouched(content, in_tmp, capsys):
    notes = in_tmp / "notes.json"
    notes.write_bytes(content)
    code, _, err = cli(["run", "--generations", "3", "--out", in_tmp / "r", *SMALL,
                        "--set", 'modularity.cache="notes.json"'], capsys)
    assert code == 2 and "notes.json" in one_line(err)
    assert notes.read_bytes() == content
    assert sorted(p.name for p in in_tmp.iterdir()) == ["notes.json"]


# --- 4. places the run writes are checked before the first generation --------------------------

def out_targets(tmp):
    (tmp / "file").write_text("x")
    (tmp / "dangling").symlink_to(tmp / "nowhere" / "dir")
    return {"proc": "/proc/evomod-test-out", "under-file": tmp / "file" / "out",
            "under-file-deep": tmp / "file" / "a" / "b", "dangling-symlink": tmp / "dangling"}


@pytest.mark.parametrize("where", ["proc", "under-file", "under-file-deep", "dangling-symlink"])
def test_unwritable_out_is_refused_before_the_run(where, in_tmp, capsys, monkeypatch):
    from evomod.engine import loop

    target = out_targets(in_tmp)[where]
    monkeypatch.setattr(loop, "_Loop", None)  # the run must not start at all
    code, _, err = cli(["run", "--generations", "3", "--out", target, *SMALL], capsys)
    assert code == 2 and "--out" in one_line(err)
    assert (in_tmp / "file").read_text() == "x"


@pytest.mark.parametrize("flag", ["--checkpoint", "cache"])
@pytest.mark.parametrize("where", ["proc", "under-file", "dangling-symlink", "directory"])
def test_unwritable_checkpoint_or_cache_is_refused_before_the_run(flag, where, in_tmp, capsys, monkeypatch):
    from evomod.engine import loop

    targets = out_targets(in_tmp)
    (in_tmp / "adir").mkdir()
    target = in_tmp / "adir" if where == "directory" else targets[where]
    monkeypatch.setattr(loop, "_Loop", None)
    extra = [flag, target] if flag == "--checkpoint" else ["--set", f'modularity.cache="{target}"']
    code, _, err = cli(["run", "--generations", "3", "--out", in_tmp / "o", *SMALL, *extra], capsys)
    assert code == 2
    one_line(err)
    assert not (in_tmp / "o").exists()


def test_read_only_file_system_is_refused(in_tmp, capsys, monkeypatch):
    """Root may write anywhere but on a read-only file system: simulated by the OS error it gives."""
    import errno

    from evomod.io import files

    real = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT and str(path).startswith(str(in_tmp / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, flags, *args)

    (in_tmp / "ro").mkdir()
    monkeypatch.setattr(files.os, "open", read_only)
    code, _, err = cli(["run", "--generations", "3", "--out", in_tmp / "ro" / "out", *SMALL], capsys)
    assert code == 2 and "read-only" in one_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(in_tmp, capsys):
    ro = in_tmp / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = cli(["run", "--generations", "3", "--out", ro / "out", *SMALL], capsys)
    finally:
        ro.chmod(0o755)
    assert code == 2 and "--out" in one_line(err)


# --- 5. Ctrl-C and SIGTERM: a checkpoint, then the same command resumes ---------------------------

def interrupt_run(argv, sig, cwd, wait_for=20.0):
    """Start ``evomod run ARGV``, send ``sig`` once it is past its first generations, wait for it."""
    proc = subprocess.Popen([sys.executable, "-m", "evomod", "run", *map(str, argv)], cwd=cwd, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(wait_for)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the run did not stop after the signal")
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.parametrize("sig, explicit", [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_interrupt_saves_state_and_the_same_command_resumes(sig, explicit, tmp_path):
    # long enough to be running after 8 s on a fast machine (about 40 s here)
    argv = ["--generations", "400000", "--out", "r", "-q", "--set", "population=400",
            "--set", "selection.elite=100", "--set", "modularity.every=0"]
    if explicit:
        argv += ["--checkpoint", "state.bin", "--checkpoint-every", "100000"]
    code, _, err = interrupt_run(argv, sig, tmp_path, wait_for=8.0)
    assert code == 128 + sig, err
    assert "Traceback" not in err and "run the same command to resume" in err
    ck = tmp_path / ("state.bin" if explicit else "r.interrupted.npz")
    assert ck.exists() and not (tmp_path / "r").exists()
    from evomod import config as C
    from evomod.engine import checkpoint

    cfg = C.load(None, ["population=400", "selection.elite=100", "modularity.every=0"], generations=400000)
    saved = checkpoint.load(ck, cfg)["generation"]
    assert 0 < saved < 400000
    # the same command resumes from there and completes (not interrupted again: under load, a
    # second signal at a fixed time could land while the checkpoint is still being read)
    done = evomod("run", *argv, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    summary = strict_json((tmp_path / "r" / "summary.json").read_text())
    assert summary["generations_run"] in (400000, 400000 - saved), summary
    assert not ck.exists()  # the run is complete on disk


@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_sigterm_while_loading_is_one_line(delay, tmp_path):
    """SIGTERM before the generations start (importing, reading the config) stops like Ctrl-C:
    one line, exit 143, nothing written."""
    code, _, err = interrupt_run(["--generations", "50", "--out", "r", *SMALL], signal.SIGTERM, tmp_path,
                                 wait_for=delay)
    assert "Traceback" not in err, err
    if code != 0:
        assert code == 128 + signal.SIGTERM and err.strip().splitlines()[-1].startswith("evomod"), err
        assert not (tmp_path / "r").exists()


def test_stop_between_generations_resumes_exactly(tmp_path):
    """A stop requested after generation 40 saves the state for generation 41:
    resuming gives the uninterrupted records."""
    from evomod.engine import run

    cfg = small_config()
    polls = [0]

    def stop():
        polls[0] += 1
        return polls[0] > 40

    path = tmp_path / "ck"
    first = run(cfg, checkpoint=path, checkpoint_every=None, stop=stop)
    assert first.status == "interrupted" and first.generations_run == 41
    same_run(run(cfg), run(cfg, checkpoint=path, checkpoint_every=None))


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc/PID/maps")
@pytest.mark.parametrize("library", ["pydantic_core", "llvmlite", "numba/_helperlib"])
def test_ctrl_c_while_loading_is_one_line(library, tmp_path):
    """Ctrl-C while pydantic or numba load (once the process has mapped
    ``library``) printed a traceback. (Before Python itself has started,
    nothing of evomod runs yet: no program can answer there.)"""
    proc = subprocess.Popen([sys.executable, "-m", "evomod", "run", "--generations", "50", "--out",
                             tmp_path / "r", *SMALL], env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    try:
        while time.time() < deadline and proc.poll() is None:
            if library in Path(f"/proc/{proc.pid}/maps").read_text():
                break
            time.sleep(0.002)
    except OSError:
        pass
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("no exit after Ctrl-C")
    assert "Traceback" not in err, err
    if proc.returncode != 0:  # it may have finished first
        assert proc.returncode == 130 and err.strip().splitlines()[-1].startswith("evomod"), err


# --- 8. checkpoints: empty, truncated, altered -------------------------------------------------

@pytest.fixture(scope="module")
def saved_checkpoint(tmp_path_factory):
    from evomod.engine import run

    cfg = small_config()
    path = tmp_path_factory.mktemp("ck") / "ck.npz"
    polls = [0]
    run(cfg, checkpoint=path, checkpoint_every=None, stop=lambda: polls.__setitem__(0, polls[0] + 1) or polls[0] > 30)
    return cfg, path.read_bytes()


def altered_checkpoint(blob: bytes, how: str) -> bytes:
    import io

    if how == "empty":
        return b""
    if how.startswith("truncated"):
        return blob[: int(len(blob) * float(how.split("-")[1]))]
    arrays = dict(np.load(io.BytesIO(blob)))
    meta = json.loads(arrays["meta"].tobytes())
    if how == "zero-state":
        arrays["state"] = np.zeros_like(arrays["state"])
    elif how == "bad-genome":
        arrays["genomes"] = arrays["genomes"].copy()
        arrays["genomes"][3, 0] = 30000
    elif how == "short-genomes":
        arrays["genomes"] = arrays["genomes"][:10]
    elif how == "missing-column":
        arrays = {k: v for k, v in arrays.items() if k != "rec_q"}
    elif how == "retyped-records":
        arrays["rec_best_fitness"] = arrays["rec_best_fitness"].astype(np.float32)
    elif how.startswith("meta-"):
        key, value = {"meta-nan": ("elapsed", float("nan")), "meta-generation": ("generation", "30"),
                      "meta-huge": ("generation", 10**30), "meta-list": (None, [1, 2])}[how]
        if key is None:
            meta = value
        else:
            meta[key] = value
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("how", ["empty", "truncated-0.5", "truncated-0.99", "truncated-0.01", "zero-state",
                                 "bad-genome", "short-genomes", "missing-column", "retyped-records",
                                 "meta-nan", "meta-generation", "meta-huge", "meta-list"])
def test_damaged_checkpoint_is_one_line(how, saved_checkpoint, in_tmp, capsys):
    cfg, blob = saved_checkpoint
    ck = in_tmp / "ck.npz"
    bad = altered_checkpoint(blob, how)
    ck.write_bytes(bad)
    code, _, err = cli(["run", "--generations", "90", "--out", in_tmp / "r", *SMALL, "--checkpoint", ck], capsys)
    assert code == 2 and "checkpoint" in one_line(err)
    assert ck.read_bytes() == bad and not (in_tmp / "r").exists()


# --- 12. stale temporaries; no progress frames in a pipe ---------------------------------------

def test_stale_temporaries_are_cleaned_on_the_next_write(in_tmp, capsys):
    from evomod.io.files import _HOST

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    leftover = in_tmp / f".r.{_HOST}.{dead}.abcd1234.tmp"  # a writer SIGKILLed mid-way
    leftover.mkdir()
    (leftover / "records.parquet").write_bytes(b"half")
    old = in_tmp / ".r.9f8e7d6c.tmp"  # the former naming, an hour old
    old.mkdir()
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    live = in_tmp / f".r.{_HOST}.{os.getpid()}.00ff00ff.tmp"  # a writer still at work
    live.mkdir()
    code, _, err = cli(["run", "--generations", "3", "--out", in_tmp / "r", *SMALL], capsys)
    assert code == 0, err
    assert not leftover.exists() and not old.exists() and live.exists()


def test_no_progress_frames_into_a_pipe(tmp_path):
    done = evomod("run", "--generations", "300", "--out", tmp_path / "r", "--set", "population=50",
                  "--set", "selection.elite=10", "--set", "modularity.every=0")
    assert done.returncode == 0 and "\r" not in done.stderr and done.stderr.strip() == "", done.stderr


# --- case 10: values with no upper bound --------------------------------------------------

def test_huge_settle_steps_is_one_line_error(in_tmp, capsys):
    code, _out, err = cli(["run", "--generations", "2", "--set", "representation.settle_steps=1000000000",
                           "--out", "r"], capsys)
    assert code == 2 and "representation.settle_steps" in one_line(err) and "10000" in err
    assert not Path("r").exists()


def _literal_values(program, steps):
    """Every node on every row after ``steps`` synchronous NAND steps, by
    simulating until a state repeats (a dict of seen states) and then jumping
    to ``steps`` by the period: independent of the kernel's cycle detection."""
    from evomod.representations.program import COPY, INPUT

    kind, start, src = program.kind, program.src_start, program.src
    out = []
    for row in program.rows:
        state = tuple(int(row[program.column[v]]) if kind[v] == INPUT else 0 for v in range(kind.size))
        seen, trail = {state: 0}, [state]
        for t in range(1, steps + 1):
            state = tuple(state[v] if kind[v] in (INPUT, COPY)
                          else 1 - min(state[s] for s in src[start[v]:start[v + 1]]) for v in range(kind.size))
            if state in seen:  # period t - seen[state] from step seen[state]
                first = seen[state]
                state = trail[first + (steps - first) % (t - first)]
                break
            seen[state] = t
            trail.append(state)
        values = list(state)
        for v in range(kind.size):
            if kind[v] == COPY:
                values[v] = state[src[start[v]]]
        out.append(values)
    return np.array(out, dtype=np.int8)


def test_settling_a_cyclic_program_jumps_by_its_period():
    import dataclasses
    import time

    from evomod import rng
    from evomod.representations.nand import kernels as K
    from evomod.representations.program import from_circuit

    spec = K.CircuitSpec(4, 12, 1, settle_steps=13)
    genomes = K.random_genomes(400, spec.locus_high(), rng.seeded_state(5))
    names = ["x", "y", "z", "w"] + [f"n{i}" for i in range(20)]
    tested = 0
    for genome in genomes:
        program = from_circuit(genome, spec, names)
        if program.steps == 0:
            continue
        tested += 1
        for steps in (13, 10**9, 10**9 + 1):
            started = time.perf_counter()
            got = dataclasses.replace(program, steps=steps).values()
            # a hang guard, not a speed claim: 10**9 literal steps would take minutes (compile: first call)
            assert time.perf_counter() - started < (30.0 if tested == 1 else 5.0)
            assert np.array_equal(got, _literal_values(program, steps)), (genome, steps)
        if tested == 25:
            break
    assert tested == 25


# --- cases 8 and 11: best.json is read through its schema ---------------------------------

def _best(tmp_path, capsys) -> dict:
    assert main(["run", "--generations", "5", "-q", "--set", "population=40", "--set", "selection.elite=10",
                 "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    return json.loads((tmp_path / "r" / "best.json").read_text())


@pytest.mark.parametrize("change, key", [
    (lambda d: d.update(inputs=["x", "x", "z", "w"]), "duplicate input name 'x'"),
    (lambda d: d.update(inputs=["x", "y", "z", "1w"]), "invalid input name '1w'"),
    (lambda d: d.update(inputs=["a", "b", "c", "d"]), "differ from the task's x, y, z, w"),
    (lambda d: d["goal"].update(expressions=["(x ^ y) & (("]), "goal.expressions: syntax error"),
    (lambda d: d["goal"].update(expressions=["x & q"]), "goal.expressions"),
    (lambda d: d.update(colour="red"), "unknown key 'colour'; allowed here: format, representation"),
    (lambda d: d["modularity"].update(method="louvain"), "modularity.method"),
    (lambda d: d.update(genome=[True] * len(d["genome"])), "genome"),
])
def test_lenient_genome_files_are_refused(change, key, tmp_path, capsys):
    data = _best(tmp_path, capsys)
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    for argv in (["show", path], ["modularity", path]):
        code, _out, err = cli(argv, capsys)
        assert code == 2 and key in one_line(err), err
    assert path.read_bytes() == before


@pytest.mark.parametrize("text, why", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "evomod-genome/1", "fitness": NaN}', "NaN is not a JSON number"),
    ('{"format": "evomod-genome/1", "fitness": Infinity}', "Infinity is not a JSON number"),
])
def test_hostile_json_is_one_line(text, why, in_tmp, capsys):
    Path("g.json").write_text(text)
    code, _out, err = cli(["show", "g.json"], capsys)
    assert code == 2 and why in one_line(err)


# --- cases 8 and 12: outputs checked first, presets only by name ---------------------------

def test_unwritable_draw_and_bench_out_are_one_line(in_tmp, capsys):
    assert main(["run", "--generations", "3", "-q", "--set", "population=40", "--set", "selection.elite=10",
                 "--out", "r"]) == 0
    capsys.readouterr()
    Path("blocker").write_text("keep")
    code, _out, err = cli(["show", "r/best.json", "--draw", "blocker/x.png"], capsys)
    assert code == 2 and one_line(err).startswith("evomod: error: --draw blocker/x.png")
    code, _out, err = cli(["bench", "selection", "--quick", "--out", "blocker"], capsys)
    assert code == 2 and "--out blocker: is a file" in one_line(err)
    assert Path("blocker").read_text() == "keep"


def test_preset_names_cannot_leave_the_presets(in_tmp, capsys):
    # a TOML file one level up, reachable as ../x from the presets folder under the old lookup
    from importlib import resources

    outside = Path(str(resources.files("evomod.presets"))).parent / "x.toml"
    assert not outside.exists()
    for name in ("../x", "../presets/ka2005-logic-g1", "ka2005-logic-g1/../ka2005-logic-g2"):
        code, _out, err = cli(["presets", name], capsys)
        assert code == 2 and f"unknown preset {name!r}; built in: bool-adder2" in one_line(err)


# --- every writer of a run killed at a random point ----------------------------------------------

KILLER = KILL_AT_NTH_WRITE + r"""
from evomod.cli import main
code = main(sys.argv[1:])
if count_file:
    open(count_file, "w").write(str(calls[0]))
sys.exit(code)
"""
RUN_ARGV = ["run", "--generations", "60", "-q", "--set", "population=40", "--set", "selection.elite=10",
            "--set", "modularity.n_random=10", "--set", 'modularity.cache="cache.json"',
            "--checkpoint", "state.npz", "--checkpoint-every", "20", "--out", "r"]


def killed_run(folder: Path, kill_at: int = 0, count: bool = False) -> subprocess.CompletedProcess:
    (folder / "killer.py").write_text(KILLER)
    extra = {"KILL_AT": str(kill_at), **({"COUNT_FILE": str(folder / "count")} if count else {})}
    return subprocess.run([sys.executable, "killer.py", *RUN_ARGV], cwd=folder, env={**env(), **extra},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    done = killed_run(folder, count=True)
    assert done.returncode == 0, done.stderr
    return folder, int((folder / "count").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_run_writers_killed_at_a_random_write_resume_exactly(seed, reference_run, tmp_path):
    """Checkpoints, the Q_m cache and the run folder are written by rename (and
    fsync): SIGKILL at a random one of those calls (seeded), then the same
    command: the uninterrupted run's records and best genome, and no stray file."""
    import random

    import pyarrow.parquet as pq

    ref, calls = reference_run
    kill_at = random.Random(seed).randint(1, calls)
    assert killed_run(tmp_path, kill_at).returncode == -signal.SIGKILL
    again = killed_run(tmp_path)
    assert again.returncode == 0, again.stderr
    a, b = pq.read_table(ref / "r" / "records.parquet"), pq.read_table(tmp_path / "r" / "records.parquet")
    assert a.column_names == b.column_names and a.num_rows == b.num_rows == 60
    for name in a.column_names:
        x, y = a.column(name).to_numpy(zero_copy_only=False), b.column(name).to_numpy(zero_copy_only=False)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert json.loads((ref / "r" / "best.json").read_text()) == json.loads((tmp_path / "r" / "best.json").read_text())
    strays = [p.name for p in tmp_path.rglob(".*") if p.is_file() or p.is_dir()]
    assert not strays and not (tmp_path / "state.npz").exists(), strays

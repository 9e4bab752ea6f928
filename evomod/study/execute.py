"""Running a study's runs on Dask ``distributed``.

Workers are processes with one thread each (the numba kernels hold the
GIL): a ``LocalCluster`` by default, an existing scheduler with
``scheduler=``, or a batch system through dask-jobqueue
(``evomod.study.clusters``). One task is one whole run, or for short runs a
few whole runs of one cell (about ``TASK_SECONDS`` of work, so that Dask's
own cost per task, a few milliseconds, stays small beside it). At most
``WINDOW`` runs are in flight: the scheduler's and this process's memory do
not grow with the study. Workers compute and shape the results; this
process writes them in batches (``evomod.study.batches``), so only the
modularity cache file and the checkpoints need a file system the workers
share.
"""

from __future__ import annotations

import json
import math
import sys
import time
import tomllib
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from evomod.io.files import atomic_write
from evomod.registry import ConfigError
from evomod.study import legacy, store
from evomod.study import results as _results
from evomod.study.batches import BATCH_RUNS, BATCH_SECONDS, Writer, restore_run_dirs
from evomod.study.clusters import connect
from evomod.study.lock import LOCK_FILE, StudyLock
from evomod.study.spec import RunSpec, Study, expand, load_study, manifest

RETRIES = 2  # resubmissions of a task whose worker died


# --- on the workers ------------------------------------------------------------------------

def execute(config, checkpoint=None, checkpoint_every=1000):
    """One run; returns ("ok", RunResult) or ("failed", traceback text, seconds).
    With ``checkpoint`` (a path the workers can reach), the run saves its
    state there every ``checkpoint_every`` generations and a retried or
    restarted run resumes from it, to exactly the uninterrupted records."""
    from evomod import engine

    started = time.perf_counter()
    try:
        return ("ok", engine.run(config, checkpoint=checkpoint, checkpoint_every=checkpoint_every))
    except Exception:
        return ("failed", traceback.format_exc(), time.perf_counter() - started)


def execute_many(cell_config, runs, checkpoint_every, axes, name):
    """Several runs of one cell, one after another: ``runs`` holds (seed, meta,
    checkpoint path) per run. Returns (summaries rows, records table): the
    rows of finished runs carry summary.json and best.json
    (``evomod.study.results.payload``), those of failed runs the traceback."""
    import pyarrow as pa

    rows, tables = [], []
    for seed, meta, checkpoint in runs:
        config = cell_config.model_copy(update={"seed": seed})
        res = execute(config, checkpoint, checkpoint_every)
        if res[0] == "ok":
            try:
                row, table = _results.payload(res[1], meta, config.generations, axes, f"{name}:{meta['run_id']}")
                rows.append(row)
                tables.append(table)
                continue
            except Exception:
                res = ("failed", "writing the run failed:\n" + traceback.format_exc(), res[1].wall_seconds)
        rows.append(_results.failure_row(meta, config.generations, res[1], res[2]))
    return rows, (pa.concat_tables(tables) if tables else None)


def _warm_up(configs, directed_flags) -> None:
    """Compile (or load from numba's cache) every kernel a run uses, once per worker."""
    import numpy as np

    from evomod import engine
    from evomod import modularity as _mod

    for config in configs:
        try:
            engine.run(config)
        except Exception:  # warming is best effort: the real run reports errors
            pass
    two_k4 = np.kron(np.eye(2), np.ones((4, 4)) - np.eye(4))
    for directed in directed_flags:
        try:
            _mod.qm(two_k4, directed, n_random=2)
        except Exception:
            pass


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - distributed is a dependency
    _WorkerPlugin = object


class WarmUp(_WorkerPlugin):
    """Runs a 2-generation copy of each distinct kind of run on every worker
    as it joins, so JIT compilation is not counted in the first real run."""

    name = "evomod-warmup"

    def __init__(self, configs, directed_flags):
        self.configs = configs
        self.directed_flags = directed_flags

    def setup(self, worker):
        _warm_up(self.configs, self.directed_flags)


def warm_up_configs(runs: list[RunSpec]) -> tuple[list, list]:
    configs, seen, directed = [], set(), set()
    for r in runs:
        cfg = r.config
        kind = json.dumps([cfg.task.model_dump(mode="json"), cfg.representation.model_dump(mode="json"),
                           cfg.selection.name, cfg.schedule.name, cfg.objectives.model_dump(mode="json")],
                          sort_keys=True)
        directed.add(cfg.modularity.directed)
        if kind not in seen:
            seen.add(kind)
            mod = cfg.modularity.model_copy(update={"every": 0, "cache": ""})
            configs.append(cfg.model_copy(update={"generations": 2, "modularity": mod}))
    return configs, sorted(directed)


# --- the study -----------------------------------------------------------------------------

def check_out(study: Study, out: Path) -> bool:
    """True when ``out`` holds this study already (resume); refuses another study's directory."""
    out = Path(out)
    if not out.exists():
        return False
    if not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a directory", "--out")
    saved = out / "study.toml"
    if not saved.is_file():
        # logs/: a batch cluster's, from a failed start; study.lock: a start killed before it wrote anything
        if any(p.name not in ("logs", LOCK_FILE) for p in out.iterdir()):
            raise ConfigError(f"--out {out}: not empty and holds no study.toml; choose another directory",
                              "--out")
        return False
    try:
        old = tomllib.loads(saved.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{saved}: cannot be read ({exc.__class__.__name__}); choose another --out",
                          "--out") from None
    if old != study.data:
        raise ConfigError(f"--out {out}: holds another study ({saved} differs from {study.where()}); "
                          "use another --out, or the same study file to resume", "--out")
    try:
        base = _results.read_manifest(out).get("base")
    except (OSError, ValueError):
        base = None
    if base is not None and base != json.loads(json.dumps(study.base_raw, default=str)):
        raise ConfigError(f"--out {out}: the base config changed since this study started; "
                          "use another --out", "--out")
    return True


@dataclass
class Outcome:
    out: Path
    total: int
    skipped: int  # finished before this start
    finished: int  # this start
    failed: int
    solved: int  # runs of the whole study that solved every goal they met
    seconds: float
    interrupted: bool = False

    def text(self) -> str:
        done = f"{self.finished} run(s) done now" + (f", {self.skipped} done before" if self.skipped else "")
        parts = [f"Study of {self.total} runs: {done}, {self.failed} failed"
                 + (" (interrupted)" if self.interrupted else "") + f", in {self.seconds:.1f} s."]
        parts.append(f"{self.solved} of {self.total} runs solved every goal they met.")
        if self.failed:
            parts.append(f"Failures and their tracebacks: {self.out / 'runs.parquet'} (column error); "
                         "run the same command again to retry them.")
        parts.append(f"Results: {self.out / 'runs.parquet'} (one row per run), {self.out / 'records'} "
                     f"(per-generation records); `evomod report {self.out}` writes tables and plots.")
        return " ".join(parts)


WINDOW = 1000  # runs in flight at most: the scheduler's and this process's memory stay flat
TASK_SECONDS = 0.25  # work per task aimed at when runs are short
MAX_PER_TASK = 100
POLL = 0.005  # seconds between looks for finished tasks when none is ready


def _checkpoint_file(out: Path, spec: RunSpec) -> Path:
    return out / "checkpoints" / f"{spec.run_id}.npz"


class _Feed:
    """The pending runs, cut into tasks of one cell's runs each: one run per
    task until the first results tell how long a run takes, then as many as
    fill ``TASK_SECONDS`` (at most ``MAX_PER_TASK``)."""

    def __init__(self, pending: list[RunSpec]):
        self.pending, self.next = pending, 0
        self.seconds = None  # a run's wall time, a moving average

    def observe(self, rows: list[dict]) -> None:
        for r in rows:
            w = r.get("wall_seconds")
            if w is not None and math.isfinite(w):
                self.seconds = w if self.seconds is None else 0.8 * self.seconds + 0.2 * w

    def take(self) -> list[RunSpec]:
        size = 1 if self.seconds is None else int(min(MAX_PER_TASK, max(1, TASK_SECONDS / max(self.seconds, 1e-4))))
        task, cell = [], None
        while self.next < len(self.pending) and len(task) < size:
            spec = self.pending[self.next]
            if cell is not None and spec.cell.index != cell:
                break
            cell = spec.cell.index
            task.append(spec)
            self.next += 1
        return task

    def __bool__(self) -> bool:
        return self.next < len(self.pending)


def _run_all(client, pending: list[RunSpec], out: Path, man: dict, writer: Writer, total: int, progress: bool,
             retries: int, checkpoint_every: int) -> tuple[int, int, bool]:
    from distributed import as_completed
    from tqdm.auto import tqdm

    client.register_plugin(WarmUp(*warm_up_configs(pending)), name=WarmUp.name)
    token = uuid.uuid4().hex[:8]
    (out / "checkpoints").mkdir(exist_ok=True)
    axes, name = man["axes"], man["name"]
    feed = _Feed(pending)
    tasks: dict = {}  # key -> (specs, future)
    done = as_completed()
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))

    def submit(limit: int) -> None:
        in_flight = sum(len(specs) for specs, _ in tasks.values())
        while feed and in_flight < limit:
            specs = feed.take()
            runs = [(s.seed, s.meta(), str(_checkpoint_file(out, s).resolve())) for s in specs]
            fut = client.submit(execute_many, specs[0].cell.config, runs, checkpoint_every, axes, name,
                                key=f"evomod-{specs[0].run_id}-{len(specs)}-{token}", pure=False, retries=retries)
            tasks[fut.key] = (specs, fut)
            done.add(fut)
            in_flight += len(specs)

    finished = failed = 0
    bar = tqdm(total=total, initial=total - len(pending), unit="run", dynamic_ncols=True, disable=not progress)
    bar.set_postfix(failed=0)
    try:
        submit(2 * n_workers)  # one run each, to learn how long a run takes
        while tasks:
            ready = done.next_batch(block=False) if done.has_ready() else []
            if not ready:
                if writer.due():
                    writer.flush()
                time.sleep(POLL)
                continue
            for fut in ready:
                specs, _ = tasks.pop(fut.key)
                try:
                    rows, table = fut.result()
                except Exception as exc:  # the worker died (KilledWorker) or the task was lost
                    text = "".join(traceback.format_exception(exc))
                    rows = [_results.failure_row(s.meta(), s.cell.config.generations, text, math.nan) for s in specs]
                    table = None
                fut.release()
                feed.observe(rows)
                ok = writer.add(rows, table, [_checkpoint_file(out, s) for s in specs])
                finished += ok
                failed += len(rows) - ok
                bar.update(len(rows))
            submit(WINDOW)
            bar.set_postfix(failed=failed, refresh=False)
            if writer.due():
                writer.flush()
    except KeyboardInterrupt:
        client.cancel([f for _, f in tasks.values()])
        return finished, failed, True
    finally:
        bar.close()
    return finished, failed, False


def _prepare(out: Path, study: Study, man: dict, keep_run_dirs: bool, migrate_only: bool = False) -> dict:
    """With the lock held: convert a per-run-folder study, check what is
    committed (``store.open_store``), write study.toml and study.json."""
    if (out / "study.json").is_file() and _results.is_legacy(_results.read_manifest(out)):
        n = legacy.migrate(out, keep_run_dirs)
        print(f"evomod: converted {out} to the dataset layout ({n} run(s) kept); see docs/studies-at-scale.md",
              file=sys.stderr)
    else:
        legacy.remove_leftovers(out, keep_run_dirs=True)  # of a conversion killed while cleaning up
    parts = store.open_store(out)
    if not migrate_only:
        if not (out / "study.toml").is_file():
            _results.write_text(out / "study.toml", study.text or tomli_w.dumps(study.data))
        text = json.dumps(man, indent=1) + "\n"
        path = out / "study.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            _results.write_text(path, text)
    return parts


def run_study(source, out=None, *, scheduler=None, cluster=None, jobs=None, workers=None, client=None,
              processes=True, progress=True, retries=RETRIES, keep_run_dirs=False, batch_runs=BATCH_RUNS,
              batch_seconds=BATCH_SECONDS) -> Outcome:
    """Run (or resume) a study on Dask and write its directory; returns what happened.

    Every run's config is validated first (:func:`expand`); runs already
    committed to the study's datasets are skipped, so calling it again
    resumes the study and retries failed runs. One Dask task is one whole
    run, on workers with one thread each; at most ``WINDOW`` tasks are in
    flight. This process writes the results in batches of runs
    (``evomod.study.batches``), and ``runs.parquet`` at the end, after
    Ctrl-C too. One process at a time may write a study directory (an OS
    lock, ``evomod.study.lock``). The directory's layout is in the
    ``evomod.study`` module docstring.

    Parameters
    ----------
    source : str, pathlib.Path or dict
        A study file or its parsed contents (:func:`load_study`).
    out : str or pathlib.Path, optional
        The study directory; default ``studies/NAME``. A directory holding
        another study is refused; one in the per-run-folder layout of
        earlier versions is converted first.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    cluster : {"local", "slurm", "pbs", "sge", "lsf"}, optional
        Where to start workers; default the study's ``[cluster] kind``, else
        ``"local"`` (a ``LocalCluster``).
    jobs : int, optional
        Batch jobs to submit (batch clusters); default ``[cluster] jobs`` or
        min(runs, 8).
    workers : int, optional
        Worker processes of a local cluster; default the number of cores.
    client : distributed.Client, optional
        Use this client instead of starting a cluster.
    processes : bool
        Local workers as processes (True) or threads in this process.
    progress : bool
        Show a progress bar of runs done and failed.
    retries : int
        Resubmissions of a task that raised outside the run itself.
    keep_run_dirs : bool
        Also write ``OUT/runs/<run_id>/`` (records.parquet, summary.json,
        best.json) for every finished run, as earlier versions did.
    batch_runs, batch_seconds : int, float
        A batch of results is committed once it holds this many runs, or its
        oldest has waited this long.

    Returns
    -------
    Outcome
        Runs in total, skipped (finished before), finished now, failed,
        solved, wall seconds, whether interrupted; ``.text()`` says it in
        words.

    Raises
    ------
    ConfigError
        Before anything runs: an invalid study or cell config, a bad
        ``jobs``/``workers``, incompatible options, an ``out`` holding
        another study or in use by another process, an unwritable ``out``,
        an unreachable scheduler or a missing batch system.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> study = {"base": "ka2005-logic-mvg", "seeds": 1, "seed": 7,
    ...          "overrides": {"generations": 10, "population": 20, "selection.elite": 5, "modularity.every": 0},
    ...          "grid": {"selection.pm": [0.5, 0.7]}}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = run_study(study, f"{tmp}/s", workers=1, processes=False, progress=False)
    ...     again = run_study(study, f"{tmp}/s", workers=1, processes=False, progress=False)  # resumes: nothing to do
    ...     table = pq.read_table(f"{tmp}/s/runs.parquet")
    >>> first.total, first.finished, first.failed, again.skipped, again.finished
    (2, 2, 0, 2, 0)
    >>> table.column("run_id").to_pylist(), table.column("selection.pm").to_pylist()
    (['6505267e-s000', 'cfe3c65f-s000'], [0.5, 0.7])
    """
    started = time.perf_counter()
    for flag, value in (("--jobs", jobs), ("--workers", workers)):
        if value is not None and (type(value) is not int or value < 1):
            raise ConfigError(f"{flag} {value}: must be an integer >= 1", flag)
    if scheduler and (cluster or jobs or workers):
        raise ConfigError("--scheduler: an existing cluster takes no --cluster, --jobs or --workers", "--scheduler")
    study = load_study(source)
    out = Path(out) if out is not None else Path("studies") / study.name
    runs = expand(study, out)  # validates every cell before anything runs
    man = json.loads(json.dumps(manifest(study, runs), default=str))
    lock = None
    own_client, own_cluster = False, None
    finished = failed = 0
    interrupted = False
    writer = None
    try:
        if check_out(study, out):  # resuming: nothing is started before the lock is held
            lock = StudyLock(out)
            parts = _prepare(out, study, man, keep_run_dirs)
            done = _results.done_runs(out, man)
        else:
            parts, done = None, set()
        pending = [r for r in runs if r.run_id not in done]
        if pending and client is None:
            client, own_cluster = connect(study, len(pending), scheduler, cluster, jobs, workers, processes,
                                          log_directory=out / "logs")
            own_client = True
        if lock is None:
            out.mkdir(parents=True, exist_ok=True)
            lock = StudyLock(out)
            check_out(study, out)  # another process may have started it meanwhile, and ended
            parts = _prepare(out, study, man, keep_run_dirs)
            done = _results.done_runs(out, man)
            pending = [r for r in pending if r.run_id not in done]
        if keep_run_dirs:
            restore_run_dirs(out)
        if pending:
            writer = Writer(out, man, parts, batch_runs=batch_runs, batch_seconds=batch_seconds,
                            keep_run_dirs=keep_run_dirs)
            finished, failed, interrupted = _run_all(client, pending, out, man, writer, len(runs), progress,
                                                     retries, study.checkpoint_every)
    except KeyboardInterrupt:
        if lock is None:  # nothing was written yet
            raise
        interrupted = True
    finally:
        for thing in (client if own_client else None, own_cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:
                    pass
        try:
            if writer is not None:  # what finished is committed, even after Ctrl-C
                writer.flush(final=True)
            if lock is not None and lock.held:
                table = _write_runs_table(out, man, parts)
        finally:
            if lock is not None:
                lock.release()
    status = table.column("status").to_pylist()
    return Outcome(out, len(runs), len(runs) - len(pending), finished, status.count("failed"),
                   status.count("solved"), time.perf_counter() - started, interrupted)


def _write_runs_table(out: Path, man: dict, parts: dict):
    """runs.parquet, rewritten only when the committed parts changed since it was written."""
    import pyarrow.parquet as pq

    stamp = f"{parts['next']}:{len(parts['parts'])}".encode()
    path = out / "runs.parquet"
    try:
        meta = pq.read_schema(path).metadata or {}
        if meta.get(b"evomod.parts") == stamp:
            return pq.read_table(path)
    except (OSError, ValueError):
        pass
    table = _results.runs_table(out, man)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"evomod.parts": stamp})
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    return table


def migrate_study(out) -> int:
    """``evomod study --migrate DIR``: convert a per-run-folder study in place
    (``evomod.study.legacy.migrate``) and rewrite its runs.parquet; returns the
    runs converted. A study already in the dataset layout is left as it is."""
    out = Path(out)
    if not (out / "study.json").is_file() or not (out / "study.toml").is_file():
        raise ConfigError(f"--migrate {out}: not a study directory (no study.json and study.toml)", "--migrate")
    with StudyLock(out) as _:
        man = _results.read_manifest(out)
        if not _results.is_legacy(man):
            return 0
        n = legacy.migrate(out, keep_run_dirs=False)
        parts = store.open_store(out)
        _write_runs_table(out, _results.read_manifest(out), parts)
    return n

"""Where a study's runs go: a local cluster, an existing scheduler, or batch
jobs through dask-jobqueue (SLURM, PBS, SGE, LSF); every failure to get one
is a one-line ``ConfigError`` before anything is written."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from evomod.registry import ConfigError
from evomod.study.spec import CLUSTER_KINDS, Study

CONNECT_TIMEOUT = 5  # seconds to reach a --scheduler
_SUBMIT = {"slurm": "sbatch", "pbs": "qsub", "sge": "qsub", "lsf": "bsub"}
_CLASS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}
_LOCAL_OPTIONS = ("n_workers", "memory_limit")
# a command that fails when the batch system's controller cannot be reached (jobqueue would only log it)
_PREFLIGHT = {"slurm": ["sinfo", "-h", "-o", "%P"], "pbs": ["qstat", "-B"], "sge": ["qstat"], "lsf": ["bqueues"]}
PREFLIGHT_TIMEOUT = 30


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__


def connect(study: Study, n_tasks: int, scheduler=None, kind=None, jobs=None, workers=None, processes=True,
            log_directory=None):
    """A ``distributed.Client`` and the cluster it started (or None); bad input or an
    unreachable cluster is a one-line ``ConfigError``."""
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot connect within {CONNECT_TIMEOUT} s "
                              f"({_first_line(exc)})", "--scheduler") from None
        return client, None
    table = study.cluster
    kind = kind or table.get("kind", "local")
    if kind not in CLUSTER_KINDS:
        raise ConfigError(f"--cluster {kind}: allowed: {', '.join(CLUSTER_KINDS)}", "--cluster")
    # the [cluster] options apply unless the table names another kind
    options = {k: v for k, v in table.items() if k != "kind"} if table.get("kind", kind) == kind else {}
    if kind == "local":
        from distributed import LocalCluster

        bad = [k for k in options if k not in _LOCAL_OPTIONS]
        if bad:
            raise ConfigError(f"cluster.{bad[0]}: not an option of a local cluster "
                              f"(allowed: {', '.join(_LOCAL_OPTIONS)})", f"cluster.{bad[0]}")
        if jobs is not None:
            raise ConfigError("--jobs: applies to --cluster slurm|pbs|sge|lsf; a local cluster takes --workers",
                              "--jobs")
        n = workers or options.get("n_workers") or os.cpu_count() or 1
        extra = {"memory_limit": options["memory_limit"]} if "memory_limit" in options else {}
        cluster = LocalCluster(n_workers=max(1, min(n, n_tasks)), threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.ERROR, **extra)
        return Client(cluster), cluster
    if workers is not None:
        raise ConfigError(f"--workers: applies to a local cluster; --cluster {kind} takes --jobs", "--workers")
    submit = _SUBMIT[kind]
    if shutil.which(submit) is None:
        raise ConfigError(f"--cluster {kind}: `{submit}` not found on PATH; is {kind.upper()} installed "
                          "on this machine?", "--cluster")
    _preflight(kind)
    import dask_jobqueue

    cls = getattr(dask_jobqueue, _CLASS[kind])
    njobs = jobs or options.pop("jobs", None) or min(n_tasks, 8)
    options.pop("jobs", None)
    if type(njobs) is not int or njobs < 1:
        raise ConfigError(f"cluster.jobs = {njobs!r}: must be an integer >= 1", "cluster.jobs")
    options.setdefault("cores", 1)
    options.setdefault("processes", options["cores"])  # one thread per worker
    options.setdefault("memory", "2GB")
    options.setdefault("silence_logs", "error")
    if log_directory is not None:  # the jobs' stdout/stderr (default: slurm-N.out in the current directory)
        options.setdefault("log_directory", str(Path(log_directory).resolve()))
    try:
        cluster = cls(**options)
    except (TypeError, ValueError) as exc:
        bad = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        if bad:
            raise ConfigError(f"cluster.{bad.group(1)}: not an option of dask_jobqueue.{cls.__name__}",
                              f"cluster.{bad.group(1)}") from None
        raise ConfigError(f"[cluster] for {kind}: {_first_line(exc).rstrip(':')} (options go to "
                          f"dask_jobqueue.{cls.__name__})", "cluster") from None
    try:
        cluster.scale(jobs=njobs)
        return Client(cluster), cluster
    except Exception as exc:
        cluster.close()
        raise ConfigError(f"--cluster {kind}: cannot submit jobs ({_first_line(exc)})", "--cluster") from None


def _preflight(kind: str) -> None:
    cmd = _PREFLIGHT[kind]
    if shutil.which(cmd[0]) is None:
        return
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PREFLIGHT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"--cluster {kind}: `{' '.join(cmd)}` did not answer within {PREFLIGHT_TIMEOUT} s; "
                          "is the controller up?", "--cluster") from None
    if proc.returncode != 0:
        why = (proc.stderr or proc.stdout).strip().splitlines()
        raise ConfigError(f"--cluster {kind}: `{' '.join(cmd)}` failed ({why[0] if why else proc.returncode})",
                          "--cluster")



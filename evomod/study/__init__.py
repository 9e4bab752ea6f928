"""Studies: a grid of configs x seeds, run on Dask, collected in one directory.

A study file (TOML)::

    description = "fixed goal vs MVG"
    base = "ka2005-logic-mvg"   # preset, TOML path (relative to this file) or [base] table
    seeds = 4                   # runs per cell
    seed = 2005                 # study seed: every run's seed derives from it
    checkpoint_every = 1000     # generations between a run's checkpoints (default 1000)

    [overrides]                 # applied to every run
    generations = 2000

    [grid]                      # Cartesian product of the lists
    "selection.pm" = [0.5, 0.7]
    condition = [               # a condition axis: each table sets its keys together
      { label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] },
      { label = "mvg", "schedule.name" = "mvg" },
    ]

    [cluster]                   # optional: kind = local|slurm|pbs|sge|lsf + dask-jobqueue options
    kind = "slurm"
    queue = "short"

A grid key is a dotted config key with a list of values, or the name of a
*condition axis* whose values are tables of keys set together (``label``
names the condition); nested TOML tables (``[grid.schedule]``) mean dotted
keys. Every cell's config is validated before anything runs. Run ids are
``KEY-sNNN`` (KEY: 8 hex digits of a hash of the cell's overrides) and each
run's ``seed`` is drawn from ``SeedSequence(study seed, spawn_key=(KEY,
seed index))``: neither depends on the order runs execute in, on the number
of workers, or on where a cell sits in the grid.

``run_study`` expands it (``spec``), runs what is not finished yet on Dask
(``execute``: one task per run, worker processes with one thread each, at
most ``WINDOW`` tasks in flight) and writes the study directory in batches
of runs (``batches``, ``store``)::

    OUT/study.toml       the study file (a different one is refused)
    OUT/study.json       axes and cells; every run's id and seed follow from them
    OUT/study.lock       held by the process writing the study (``lock``): a second one is refused
    OUT/parts.json       the committed parts: a run is done once a listed part holds it
    OUT/records/part-NNNNNN-TOKEN.parquet    per-generation records of a batch of runs, with run_id,
                         cell, the swept keys and seed as columns: ``records_dataset(OUT)`` (pyarrow)
                         or ``pandas.read_parquet(OUT / "records")`` reads the whole study
    OUT/summaries/part-NNNNNN-TOKEN.parquet  one row per finished or failed run of a batch: the
                         columns of runs.parquet, the error of a failed run, summary.json and
                         best.json as text (``documents(OUT, run_ids, "best")``)
    OUT/runs.parquet     one row per run (status, generations to solve, final q/qm, generations to
                         a perfect best after each goal switch, ...), pending runs included
    OUT/qm-cache.json    Q_rand / Q_max per degree sequence, shared by the runs
    OUT/checkpoints/<run_id>.npz  a running run's state; a retried or restarted run resumes
                         from it to exactly the uninterrupted records (removed once committed)
    OUT/logs/            batch jobs' output (--cluster slurm|pbs|sge|lsf)
    OUT/runs/<run_id>/   only with ``keep_run_dirs``: records.parquet, summary.json, best.json

A study of 10^5 runs ends with a few hundred files (docs/studies-at-scale.md).
A directory written by earlier versions, with a folder per run, is read as it
is by ``evomod report`` and converted by the next ``evomod study`` on it
(``legacy``).

Notes: a worker that dies mid-run has its task rescheduled by Dask (up to
``distributed.scheduler.allowed-failures`` times) before the run is recorded
as failed; ``retries`` resubmits a task that raised outside ``engine.run``.
Workers write numba's compiled kernels next to evomod's sources
(``cache=True``); on a shared file system, concurrent first compilations can
race: set ``NUMBA_CACHE_DIR`` to a node-local directory for the workers (e.g.
``job_script_prologue = ["export NUMBA_CACHE_DIR=/tmp/numba-$USER"]`` in
``[cluster]``). Results are written by the submitting process; only
``OUT/qm-cache.json`` and ``OUT/checkpoints/`` must be reachable by the
workers at the same path (on batch clusters, put OUT on the shared file system).
"""

from evomod.study.execute import Outcome, check_out, connect, migrate_study, run_study
from evomod.study.results import documents, read_records, rebuild, records_dataset, runs_table
from evomod.study.spec import RunSpec, Study, cells, expand, load_study, manifest, run_seed

__all__ = ["Outcome", "RunSpec", "Study", "cells", "check_out", "connect", "documents", "expand", "load_study",
           "manifest", "migrate_study", "read_records", "rebuild", "records_dataset", "run_seed", "run_study",
           "runs_table"]

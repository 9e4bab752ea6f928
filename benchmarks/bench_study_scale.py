"""A study of many short runs: per-run cost as the study grows, memory, resume time and file count.

One study of ``--runs`` runs (a grid of 10 mutation rates x runs/10 seeds on
``ka2005-logic-mvg``, S = 50, ``--generations`` generations, modularity off),
on a LocalCluster of ``--workers`` worker processes, timed as a whole:

- **per-run cost**: study time / runs, for a study of ``runs / 10`` runs and
  for the full study, in the same process (flat if the machinery does not
  slow down as the study grows);
- **memory**: the peak resident memory of this process (the client, which
  writes every batch) and of the scheduler, read after the study;
- **resume**: the same command again on the finished study (everything
  skipped);
- **files**: every file in the study directory at the end.

The baseline each figure is read against is the same study at a tenth of
the size, measured in the same run. Usage::

    python benchmarks/bench_study_scale.py --runs 10000        # ~2-3 minutes on 2 cores
    python benchmarks/bench_study_scale.py --runs 100000       # ~20 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

STUDY = """
description = "benchmark: many short runs"
base = "ka2005-logic-mvg"
seeds = {seeds}
seed = 1

[overrides]
generations = {generations}
population = 50
"selection.elite" = 10
"modularity.every" = 0

[grid]
"selection.pm" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
"""


def study(client, root: Path, name: str, runs: int, generations: int) -> dict:
    from evomod.study import run_study

    path = root / f"{name}.toml"
    path.write_text(STUDY.format(seeds=runs // 10, generations=generations))
    started = time.perf_counter()
    outcome = run_study(path, root / name, client=client, progress=False)
    seconds = time.perf_counter() - started
    assert outcome.failed == 0 and outcome.finished == runs, outcome
    started = time.perf_counter()
    again = run_study(path, root / name, client=client, progress=False)
    resume = time.perf_counter() - started
    assert again.finished == 0 and again.skipped == runs, again
    files = sum(1 for p in (root / name).rglob("*") if p.is_file())
    return {"runs": runs, "seconds": seconds, "per_run_ms": 1000 * seconds / runs, "resume": resume,
            "files": files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs of the full study (a multiple of 100)")
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                            dashboard_address=None) as cluster, \
            Client(cluster) as client:
        root = Path(tmp)
        small = study(client, root, "small", args.runs // 10, args.generations)
        full = study(client, root, "full", args.runs, args.generations)
        client_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        scheduler_mb = client.run_on_scheduler(
            lambda: __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss) / 1024
    print(f"{args.workers} local workers, runs of {args.generations} generations (S = 50, modularity off)\n")
    print("| study | runs | wall time | per run | resume (all skipped) | files |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r in (("a tenth (the baseline)", small), ("full", full)):
        print(f"| {label} | {r['runs']:,} | {r['seconds']:.1f} s | {r['per_run_ms']:.2f} ms | "
              f"{r['resume']:.2f} s | {r['files']:,} |")
    print(f"\nper-run cost, full / a tenth: {full['per_run_ms'] / small['per_run_ms']:.2f}x")
    print(f"peak resident memory: client {client_mb:.0f} MB, scheduler {scheduler_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

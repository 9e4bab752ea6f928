"""Speed of ``evomod study`` on a LocalCluster: 2 workers vs 1, and the
scheduling overhead per run.

1. A 20-run study (fixed vs MVG on NAND circuits, 10 seeds each, S = 1000,
   Q_m every 10th generation) on 1 worker process and on 2: the study's time
   (submission to the last run written), the speed-up, and the overhead per
   run = (workers x study time - sum of the runs' own wall times) / runs,
   i.e. worker time not spent inside ``engine.run`` (dispatch, transfer of
   the result, the client writing it, idle tail).
2. A study of 20 one-generation runs on 1 worker: study time / runs is the
   whole per-run cost of the machinery (task round trip, writing the run
   directory, its records file and the tables) for a run of ~1 ms.

Clusters are started (and their workers warmed) before the clock starts:
the start-up is reported on its own. Usage::

    python benchmarks/bench_study.py            # ~1.5 minutes on 2 cores (3 repetitions)
    python benchmarks/bench_study.py --quick    # smoke test
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from evomod.study import run_study

STUDY = """
description = "benchmark: fixed vs mvg"
base = "ka2005-logic-mvg"
seeds = {seeds}
seed = 1

[overrides]
generations = {generations}
"modularity.every" = {every}

[grid]
condition = [
  {{ label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] }},
  {{ label = "mvg", "schedule.name" = "mvg", "schedule.goals" = ["G1", "G2"] }},
]
"""


def timed_study(client, root: Path, name: str, seeds: int, generations: int, every: int) -> dict:
    path = root / f"{name}.toml"
    path.write_text(STUDY.format(seeds=seeds, generations=generations, every=every))
    started = time.perf_counter()
    outcome = run_study(path, root / name, client=client, progress=False)
    seconds = time.perf_counter() - started
    assert outcome.failed == 0 and outcome.finished == 2 * seeds, outcome
    walls = pq.read_table(root / name / "runs.parquet").column("wall_seconds").to_pylist()
    return {"seconds": seconds, "runs": len(walls), "run_seconds": sum(walls)}


def start(workers: int, root: Path):
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    timed_study(client, root, f"warm{workers}", workers, 20, 10)  # imports, JIT, first writes
    return cluster, client, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    ap.add_argument("--repeat", type=int, default=3, help="studies per worker count, alternated (default 3)")
    args = ap.parse_args()
    seeds, generations = (3, 500) if args.quick else (10, 5000)
    results = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clusters = {w: start(w, root) for w in (1, 2)}
        try:
            for rep in range(args.repeat):  # alternated: slow drifts of a shared machine hit both alike
                for w in (1, 2):
                    results[w].append(timed_study(clusters[w][1], root, f"study{w}-{rep}", seeds, generations, 10))
            tiny = timed_study(clusters[1][1], root, "tiny", seeds, 1, 0)
        finally:
            for cluster, client, _ in clusters.values():
                client.close()
                cluster.close()
    best = {w: min(r, key=lambda x: x["seconds"]) for w, r in results.items()}
    print(f"CPU cores: {os.cpu_count()}; study: {best[1]['runs']} runs (2 conditions x {seeds} seeds), "
          f"ka2005-logic-mvg, S = 1000, {generations:,} generations, Q_m every 10th; "
          f"best of {args.repeat} studies per worker count, alternated\n")
    print("| workers | runs | study time (s) | all study times (s) | sum of run wall times (s) "
          "| overhead per run (ms) | cluster start + warm-up (s) |")
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for w in (1, 2):
        s = best[w]
        overhead = (w * s["seconds"] - s["run_seconds"]) / s["runs"]
        times = ", ".join(f"{r['seconds']:.2f}" for r in results[w])
        print(f"| {w} | {s['runs']} | {s['seconds']:.2f} | {times} | {s['run_seconds']:.2f} | "
              f"{1e3 * overhead:.1f} | {clusters[w][2]:.1f} |")
    ratios = [a["seconds"] / b["seconds"] for a, b in zip(results[1], results[2])]
    print(f"\nSpeed-up, 2 workers vs 1: {best[1]['seconds'] / best[2]['seconds']:.2f}x best vs best "
          f"(per repetition: {', '.join(f'{x:.2f}' for x in ratios)}; target >= 1.8x)")
    print(f"{tiny['runs']} one-generation runs on 1 worker: {tiny['seconds']:.2f} s, "
          f"{1e3 * tiny['seconds'] / tiny['runs']:.1f} ms per run all included "
          f"({1e3 * (tiny['seconds'] - tiny['run_seconds']) / tiny['runs']:.1f} ms outside engine.run; "
          "target <= 50 ms)")


if __name__ == "__main__":
    main()

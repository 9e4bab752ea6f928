"""How the time per generation grows with the work: population, gates, inputs, Clune's population, threads.

Each figure is the median time of one generation of the engine's loop
(``evomod.engine.loop._Loop``: evaluate, score, select, copy rows, vary; no
records and no modularity logging, so the evolution alone is timed), leaving
out set-up, the first full evaluation and kernel compilation (a warm-up
compiles first). The median of single generations resists the other loads of
a shared machine. Serial and ``engine.parallel = true`` alternate in blocks
in one process, so their ratio is measured under the same conditions.

Sweeps (everything else as in the preset):

- population S = 10^3, 10^4, 10^5 (``ka2005-logic-mvg``, L = 0.3 S), serial
  and parallel on every core;
- gates 12, 24, 48 (S = 1000);
- inputs N = 4, 6, 8, 10 (S = 1000, 12 gates; the goal ANDs the XORs of
  input pairs, x0 ^ x1 & x2 ^ x3 & ..., so every input matters);
- Clune P&CC (``clune2013-pcc-mvg``) with 1,000 and 10,000 parents (a pool
  of 2,000 and 20,000 rows), serial and parallel.

Usage::

    python benchmarks/bench_scaling.py                  # ~10 minutes; writes docs/scaling.png
    python benchmarks/bench_scaling.py --quick          # smoke: ~1 minute, no plot
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

from evomod import config
from evomod import rng as _rng
from evomod.engine.loop import _Loop
from evomod.problems import tasks as _tasks
from evomod.problems.schedules import SCHEDULES
from evomod.selection import SELECTION

ROOT = Path(__file__).resolve().parents[1]


def generation_times(cfg, generations: int) -> np.ndarray:
    """Seconds of each of ``generations`` generations of the engine's loop
    (``evomod.engine.loop``: evaluate, score, select, copy rows, vary; no
    records), after one generation that evaluates the whole initial population."""
    task = _tasks.build(cfg.task)
    rep = config.representation_of(cfg, task)
    rep.parallel = cfg.engine.parallel
    init_seq, evolve_seq, schedule_seq, _ = np.random.SeedSequence(cfg.seed).spawn(4)
    schedule = SCHEDULES.get(cfg.schedule.name).fn(cfg.schedule, task.goals, task.inputs, schedule_seq)
    select, params = SELECTION.get(cfg.selection.name).fn, cfg.selection
    loop = _Loop(cfg, rep, _rng.new_state(evolve_seq), _rng.new_state(init_seq))
    times = np.empty(generations)
    for t in range(generations + 1):
        started = time.perf_counter()
        rep.evaluate(loop.pop)
        loop.score(schedule.tables[schedule.goal_at(t)])
        loop.step(select, params)
        if t:
            times[t - 1] = time.perf_counter() - started
    return times


def per_generation(preset: str, overrides: list[str], g: int, repeats: int = 3) -> tuple[float, float]:
    """Median seconds per generation, (serial, parallel); the two alternate in
    blocks of ``g`` generations, ``repeats`` blocks each."""
    out = {False: [], True: []}
    for par in (False, True):  # compile / load both paths
        generation_times(config.load(preset, [*overrides, f"engine.parallel={str(par).lower()}"], generations=3), 2)
    for r in range(repeats):
        for par in (False, True):
            cfg = config.load(preset, [*overrides, f"engine.parallel={str(par).lower()}"], generations=g, seed=r)
            out[par].append(generation_times(cfg, g))
    return float(np.median(np.concatenate(out[False]))), float(np.median(np.concatenate(out[True])))


def logic_task(n_inputs: int) -> list[str]:
    names = [f"x{i}" for i in range(n_inputs)]
    pairs = [f"({names[i]} ^ {names[i + 1]})" for i in range(0, n_inputs - 1, 2)]
    goal = " & ".join(pairs) if n_inputs % 2 == 0 else " & ".join(pairs) + f" & {names[-1]}"
    quoted = ", ".join(f'"{n}"' for n in names)
    return [f"task.inputs=[{quoted}]", f'task.goals={{A = "{goal}"}}', "schedule.name=\"fixed\"",
            'schedule.goals=["A"]']


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, no plot")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "scaling.png"))
    args = parser.parse_args(argv)
    threads = numba.get_num_threads()
    q = args.quick
    rows = []

    def add(sweep, label, preset, overrides, g):
        serial, parallel = per_generation(preset, overrides, g, repeats=1 if q else 3)
        rows.append((sweep, label, serial, parallel))
        print(f"| {sweep} | {label} | {serial * 1e3:,.3f} | {parallel * 1e3:,.3f} | {serial / parallel:.2f}x |",
              flush=True)

    print(f"Time per generation (ms), modularity off; parallel: engine.parallel = true on {threads} threads\n")
    print("| sweep | size | serial ms | parallel ms | parallel speed-up |")
    print("|---|---|---:|---:|---:|")
    for s in ((1000, 10_000) if q else (1000, 3000, 10_000, 30_000, 100_000)):
        add("population S (logic)", f"{s:,}", "ka2005-logic-mvg", [f"population={s}", f"selection.elite={3 * s // 10}"],
            max(10, (400 if q else 4000) * 1000 // s))
    for gates in ((12, 24) if q else (12, 24, 48)):
        add("gates (logic, S = 1000)", str(gates), "ka2005-logic-mvg", [f"representation.gates={gates}"],
            200 if q else 2000)
    for n in ((4, 6) if q else (4, 6, 8, 10)):
        add("inputs N (logic, S = 1000)", str(n), "ka2005-logic-mvg", logic_task(n), 200 if q else 2000)
    for mu in ((1000,) if q else (1000, 10_000)):
        add("Clune P&CC parents", f"{mu:,}", "clune2013-pcc-mvg", [f"population={2 * mu}", f"selection.mu={mu}"],
            (5 if q else 50) * 1000 // mu)
    if not q:
        plot(rows, Path(args.plot), threads)
        print(f"\nplot: {args.plot}")
    return 0


def plot(rows, path: Path, threads: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweeps = list(dict.fromkeys(r[0] for r in rows))
    fig, axes = plt.subplots(1, len(sweeps), figsize=(4 * len(sweeps), 3.6))
    for ax, sweep in zip(axes, sweeps):
        sel = [r for r in rows if r[0] == sweep]
        x = np.arange(len(sel))
        ax.plot(x, [r[2] * 1e3 for r in sel], "o-", label="serial")
        ax.plot(x, [r[3] * 1e3 for r in sel], "s--", label=f"parallel, {threads} threads")
        ax.set_xticks(x, [r[1] for r in sel])
        ax.set_yscale("log")
        ax.set_title(sweep, fontsize=10)
        ax.set_ylabel("ms per generation")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())

"""Speed of every selection strategy, and of NSGA-II against DEAP's.

Every registered strategy runs on the same S = 1000 rows of two random
objectives (lexicase: 256 random pass/fail cases per row), through its
registered function as the engine calls it; ``deap:selTournament`` is the
adapter's slow path. ``stochastic_nsga2`` is also timed on a 2000-row pool.
Then ``nsga2`` against ``deap.tools.selNSGA2`` (default ``nd='standard'``
sort, and ``nd='log'``) on identical inputs in this process; DEAP's time
covers the ``selNSGA2`` call only (its individuals are built beforehand).
numba kernels are compiled (or loaded from cache) by an untimed warm-up.

Usage::

    python benchmarks/bench_selection.py            # ~5 s
    python benchmarks/bench_selection.py --quick    # ~2 s
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

try:
    from evomod import rng
    from evomod.selection import SELECTION
except ImportError:  # run as a script from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from evomod import rng
    from evomod.selection import SELECTION

SIZE = 1000
N_CASES = 256
PARAMS = {"deap:selTournament": {"args": {"tournsize": 3}}}


def best_time(fn, repeats: int, loops: int) -> float:
    """Seconds per call: the best of ``repeats`` means over ``loops`` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - started) / loops)
    return best


def strategy_call(name: str, objectives: np.ndarray, cases, seed: int):
    entry = SELECTION.get(name)
    params = entry.params(name=name, **PARAMS.get(name, {}))
    state = rng.new_state(np.random.SeedSequence(seed))
    args = (objectives, state, params, cases if name == "lexicase" else None)
    return lambda: entry.fn(*args)


def deap_individuals(objectives: np.ndarray):
    from deap import base

    fitness = type("BenchFitness", (base.Fitness,), {"weights": (1.0,) * objectives.shape[1]})

    class Individual:
        __slots__ = ("fitness",)

        def __init__(self, values):
            self.fitness = fitness(values)

    return [Individual(tuple(row)) for row in objectives.tolist()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run")
    args = parser.parse_args(argv)
    repeats, loops = (2, 20) if args.quick else (5, 200)

    gen = np.random.default_rng(2024)
    objectives = gen.random((SIZE, 2))
    words = (N_CASES + 63) // 64
    bits = gen.integers(0, 2**63, (SIZE, words), dtype=np.uint64) * np.uint64(2) \
        + gen.integers(0, 2, (SIZE, words), dtype=np.uint64)
    cases = (bits, N_CASES)
    pool = gen.random((2 * SIZE, 2))

    rows = []
    for name in SELECTION.names() + ["deap:selTournament"]:
        call = strategy_call(name, objectives, cases, seed=1)
        call()  # warm-up: JIT compile or cache load
        slow = name.startswith("deap:")
        seconds = best_time(call, repeats, max(1, loops // 50) if slow else loops)
        rows.append((name, f"{SIZE} x 2", seconds))
    call = strategy_call("stochastic_nsga2", pool, None, seed=2)
    call()
    rows.append(("stochastic_nsga2", f"{2 * SIZE} x 2", best_time(call, repeats, max(1, loops // 4))))

    print(f"## Selection strategies (S = {SIZE}, M = 2; lexicase: {N_CASES} cases)\n")
    print("| strategy | rows x objectives | us per call |")
    print("|---|---|---:|")
    for name, shape, seconds in rows:
        print(f"| `{name}` | {shape} | {seconds * 1e6:,.1f} |")

    from deap import tools

    individuals = deap_individuals(objectives)
    mu = SIZE // 2
    ours = best_time(strategy_call("nsga2", objectives, None, seed=3), repeats, loops)
    standard = best_time(lambda: tools.selNSGA2(individuals, mu), 1 if args.quick else 3, 1)
    log = best_time(lambda: tools.selNSGA2(individuals, mu, nd="log"), repeats, 2 if args.quick else 10)
    print(f"\n## NSGA-II environmental selection, {SIZE} x 2, mu = {mu}\n")
    print("| implementation | ms per call | evomod speed-up |")
    print("|---|---:|---:|")
    print(f"| evomod `nsga2` (sort, crowding, survivors, tournaments) | {ours * 1e3:.3f} | 1 |")
    print(f"| `deap.tools.selNSGA2` (nd='standard') | {standard * 1e3:.1f} | {standard / ours:,.0f}x |")
    print(f"| `deap.tools.selNSGA2` (nd='log') | {log * 1e3:.2f} | {log / ours:,.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speed of the Kashtan–Alon logic-gate GA: evomod vs a plain DEAP program.

Both run the same model (S = 1000, L = 300, Pm = 0.7, 12 NAND gates, G1/G2
switched every 20 generations, no modularity logging) in one process, on
one core; the figure that matters is their ratio. evomod's numba kernels
are compiled (or loaded from cache) by a warm-up run that is not timed.

Usage::

    python benchmarks/bench_logic.py                  # full: ~1 minute
    python benchmarks/bench_logic.py --quick          # smoke: a few seconds
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deap_baseline import run_deap  # noqa: E402

from evomod import config, engine, rng
from evomod.problems import goals  # noqa: E402
from evomod.representations.nand import kernels as circuits


def evomod_rate(generations: int, feedforward: bool, repeats: int) -> float:
    cfg = config.load("ka2005-logic-mvg", [f"representation.feedforward={str(feedforward).lower()}",
                                           "modularity.every=0"],
                      generations=generations)
    engine.run(cfg.model_copy(update={"generations": 50}))  # warm-up: JIT / cache load
    best = 0.0
    for r in range(repeats):
        started = time.perf_counter()
        result = engine.run(cfg.model_copy(update={"seed": r}))
        best = max(best, result.generations_run / (time.perf_counter() - started))
    return best


def kernel_rate(genomes: np.ndarray, spec: circuits.CircuitSpec, repeats: int = 200) -> float:
    """Circuits evaluated per second by one ``evaluate`` call over the population."""
    inputs, mask = goals.input_tables(spec.n_inputs), goals.row_mask(spec.n_inputs)
    size = genomes.shape[0]
    out = np.zeros((size, spec.n_outputs, spec.n_words), np.uint64)
    settled = np.zeros((size, spec.n_words), np.uint64)
    n_eff = np.zeros(size, np.int64)
    effective = np.zeros(size, np.uint64)
    todo = np.ones(size, np.bool_)
    args = (genomes, spec.n_inputs, spec.n_gates, spec.n_outputs, spec.settle_steps, inputs, mask)
    circuits.evaluate(*args, todo, out, settled, n_eff, effective)
    started = time.perf_counter()
    for _ in range(repeats):
        todo[:] = True
        circuits.evaluate(*args, todo, out, settled, n_eff, effective)
    return repeats * size / (time.perf_counter() - started)


def evolved_population(feedforward: bool) -> np.ndarray:
    """The population of a 2,000-generation MVG run: what the kernel sees in practice."""
    captured = {}
    original = circuits.evaluate

    def spy(genomes, *rest):
        captured["genomes"] = genomes.copy()
        return original(genomes, *rest)

    circuits.evaluate = spy
    try:
        cfg = config.load("ka2005-logic-mvg", [f"representation.feedforward={str(feedforward).lower()}",
                                           "modularity.every=0"],
                          generations=2000)
        engine.run(cfg)
    finally:
        circuits.evaluate = original
    return captured["genomes"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--generations", type=int, default=20_000, help="evomod generations per timing")
    parser.add_argument("--deap-generations", type=int, default=20, help="DEAP generations (2-3 gen/s)")
    args = parser.parse_args(argv)
    gens, deap_gens, repeats = (2000, 3, 1) if args.quick else (args.generations, args.deap_generations, 3)

    rows = []
    for ff in (False, True):
        spec = circuits.CircuitSpec(4, 12, 1, ff)
        random_pop = circuits.random_genomes(1000, spec.locus_high(), rng.new_state(np.random.SeedSequence(0)))
        rows.append((ff, evomod_rate(gens, ff, repeats), kernel_rate(random_pop, spec),
                     kernel_rate(evolved_population(ff), spec)))
    started = time.perf_counter()
    deap = run_deap(deap_gens, seed=0)
    deap_rate = deap["generations"] / (time.perf_counter() - started)

    print("Kashtan–Alon logic GA, S = 1000, L = 300, Pm = 0.7, 12 gates, MVG E = 20, one core\n")
    print("| circuits | evomod gen/s | DEAP gen/s | ratio | kernel, random circuits/s | kernel, evolved circuits/s |")
    print("|---|---|---|---|---|---|")
    for ff, rate, k_rand, k_evo in rows:
        label = "feed-forward" if ff else "feedback (default)"
        print(f"| {label} | {rate:,.0f} | {deap_rate:.2f} | {rate / deap_rate:,.0f}x | "
              f"{k_rand / 1e6:.1f} M | {k_evo / 1e6:.1f} M |")
    print("\nDEAP baseline runs the feedback model (benchmarks/deap_baseline.py).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

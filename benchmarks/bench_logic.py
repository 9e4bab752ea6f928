"""Speed of the Kashtan–Alon logic-gate GA: evomod against a competent DEAP program and a bare numba loop.

Every line runs the same model (S = 1000, L = 300, Pm = 0.7, 12 NAND gates
with feedback, G1/G2 switched every 20 generations) in one process; run it
pinned to one core. The figures that matter are ratios between lines
measured here, interleaved (each repeat runs every evomod line once, seeds
0, 1, ...; the best repeat counts, as other loads of a shared machine only
ever slow a run down):

- ``evomod, Q_m every generation``: ``evomod run ka2005-logic-mvg`` as
  shipped (Q and Q_m of the best logged every generation);
- ``evomod, modularity off``: the same with ``modularity.every = 0``;
- ``bare numba loop``: ``benchmarks/bare_loop.py``, the same GA as one
  compiled loop (the ceiling for the engine's overhead);
- ``DEAP, bit-parallel``: ``benchmarks/deap_baseline.py``, truth tables as
  Python ints (the baseline the ratios name);
- ``DEAP, row by row``: the same program evaluating one row and one gate
  at a time (the earlier baseline, for comparison only).

evomod's kernels are compiled (or loaded from cache) by a warm-up that is
not timed.

Usage::

    taskset -c 1 python benchmarks/bench_logic.py            # full: ~3 minutes
    python benchmarks/bench_logic.py --quick                 # smoke: ~20 seconds
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_loop import bare_rate  # noqa: E402
from deap_baseline import run_deap  # noqa: E402

from evomod import config, engine, rng  # noqa: E402
from evomod.representations.nand import kernels as circuits  # noqa: E402


def evomod_rate(generations: int, seed: int, overrides=()) -> float:
    cfg = config.load("ka2005-logic-mvg", list(overrides), generations=generations, seed=seed)
    started = time.perf_counter()
    result = engine.run(cfg)
    return result.generations_run / (time.perf_counter() - started)


def kernel_rate(genomes: np.ndarray, spec: circuits.CircuitSpec, repeats: int = 200) -> float:
    """Circuits evaluated per second by one ``evaluate`` call over the population."""
    size = genomes.shape[0]
    out = np.zeros((size, spec.n_outputs, spec.n_words), np.uint64)
    settled = np.zeros((size, spec.n_words), np.uint64)
    n_eff = np.zeros(size, np.int64)
    effective = np.zeros(size, np.uint64)
    todo = np.ones(size, np.bool_)
    args = (genomes, spec.arrays())
    circuits.evaluate(*args, todo, out, settled, n_eff, effective)
    started = time.perf_counter()
    for _ in range(repeats):
        todo[:] = True
        circuits.evaluate(*args, todo, out, settled, n_eff, effective)
    return repeats * size / (time.perf_counter() - started)


def evolved_population(generations: int = 2000) -> np.ndarray:
    """The population after a 2,000-generation MVG run: what the kernel sees in practice."""
    captured = {}
    original = circuits.evaluate

    def spy(genomes, *rest):
        captured["genomes"] = genomes.copy()
        return original(genomes, *rest)

    circuits.evaluate = spy
    try:
        engine.run(config.load("ka2005-logic-mvg", ["modularity.every=0"], generations=generations))
    finally:
        circuits.evaluate = original
    return captured["genomes"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--generations", type=int, default=20_000, help="evomod generations per timing")
    parser.add_argument("--deap-generations", type=int, default=200, help="bit-parallel DEAP generations")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    gens, deap_gens, row_gens, repeats = ((2000, 10, 2, 1) if args.quick
                                          else (args.generations, args.deap_generations, 5, args.repeats))
    off = ["modularity.every=0"]
    evomod_rate(50, 0), evomod_rate(50, 0, off), bare_rate(50)  # warm-up: JIT / cache load
    rates = {"qm": [], "off": [], "bare": []}
    for r in range(repeats):
        rates["bare"].append(bare_rate(gens, seed=r)[0])
        rates["off"].append(evomod_rate(gens, r, off))
        rates["qm"].append(evomod_rate(gens, r))
    med = {k: float(np.max(v)) for k, v in rates.items()}
    deap = run_deap(deap_gens, seed=0)
    deap_rate = deap["generations"] / deap["seconds"]
    rows = run_deap(row_gens, seed=0, evaluation="row-by-row")
    row_rate = rows["generations"] / rows["seconds"]

    spec = circuits.CircuitSpec(4, 12, 1, False)
    random_pop = circuits.random_genomes(1000, spec.locus_high(), rng.new_state(np.random.SeedSequence(0)))
    k_rand, k_evo = kernel_rate(random_pop, spec), kernel_rate(evolved_population(), spec)

    print(f"Kashtan–Alon logic GA (ka2005-logic-mvg): S = 1000, L = 300, Pm = 0.7, 12 gates with feedback, "
          f"MVG E = 20; evomod: {gens:,} generations, best of {repeats} interleaved repeats (seeds 0..)\n")
    print("| line | gen/s | vs DEAP bit-parallel | vs bare loop |")
    print("|---|---:|---:|---:|")
    for label, rate in (("evomod, Q_m every generation (the preset)", med["qm"]),
                        ("evomod, modularity off", med["off"]), ("bare numba loop", med["bare"]),
                        (f"DEAP, bit-parallel ({deap_gens} generations)", deap_rate),
                        (f"DEAP, row by row ({row_gens} generations)", row_rate)):
        print(f"| {label} | {rate:,.1f} | {rate / deap_rate:,.1f}x | {rate / med['bare']:.0%} |")
    print(f"\nQ_m logging cost: {med['off'] / med['qm']:.2f}x the run without it")
    print(f"evaluate kernel (all 1000 rows): random circuits {k_rand / 1e6:.1f} M/s, "
          f"evolved circuits {k_evo / 1e6:.1f} M/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speed of the layered-network kernels (evomod.representations.layered.kernels) on Clune et al.'s setup.

S = 1000 random 8-8-4-2-1 networks (``random_networks`` with connection
counts drawn in [0, 120), capped at the 106 slots), evaluated on all 256 retina
patterns by

* the numba kernel ``layered.evaluate`` (exact integer arithmetic), and
* a straightforward numpy implementation: float64 batched matmul and
  ``np.tanh(20 x)`` over the whole population, layer by layer,

in the same run (the two must agree bit for bit). Also times
``mutate_clune`` and ``connection_costs(optimal=True)`` on S = 1000, and
whole generations of the ``clune2013-pa`` / ``clune2013-pcc`` presets. The
JIT is warmed up (or loaded from cache) before any timing; each figure is
the best of several repeats.

Usage::

    python benchmarks/bench_networks.py            # ~1 minute
    python benchmarks/bench_networks.py --quick    # ~10 s
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from evomod import config, rng
from evomod.problems import goals
from evomod.representations.layered import kernels as layered
from evomod.representations.layered import wiring


def numpy_outputs(genomes: np.ndarray, spec: layered.LayeredSpec, x: np.ndarray) -> np.ndarray:
    """bool (S, R, K): output > 0, float64 batched matmul + tanh(20 x)."""
    size = genomes.shape[0]
    h = x  # (R, N), broadcast against the population by matmul
    for t in range(len(spec.layers) - 1):
        a, b = spec.layers[t], spec.layers[t + 1]
        w = genomes[:, spec.slot_start[t]:spec.slot_start[t + 1]].astype(np.float64).reshape(size, a, b)
        lo = spec.n_slots + spec.layer_start[t + 1] - spec.n_inputs
        bias = genomes[:, lo:lo + b].astype(np.float64)
        h = np.tanh(20.0 * (np.matmul(h, w) + bias[:, None, :]))
    return h > 0


def best_time(fn, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15

    preset = config.load("clune2013-pa")  # Clune et al.'s networks and variation rates
    params, spec = preset.representation, config.representation_of(preset).spec
    size = args.size
    state = rng.seeded_state(2013)
    genomes = layered.random_population(spec, size, state, 0, 120)
    n_conn = (genomes[:, :spec.n_slots] != 0).sum(axis=1)
    inputs = goals.input_tables(8)
    n_rows = 256
    x = np.stack([goals.unpack(inputs[k], 8) for k in range(8)], axis=1).astype(np.float64) * 2 - 1
    out = np.zeros((size, 1, 4), dtype=np.uint64)
    todo = np.ones(size, dtype=np.bool_)
    net = spec.arrays()

    def run_kernel():
        todo[:] = True
        layered.evaluate(genomes, net, inputs, n_rows, todo, out)

    run_kernel()  # warm-up / cache load
    ref = numpy_outputs(genomes, spec, x)
    got = np.stack([goals.unpack(out[i, 0], 8) for i in range(size)])
    if not np.array_equal(got, ref[:, :, 0]):
        raise SystemExit("numba kernel and numpy reference disagree")

    t_kernel = best_time(run_kernel, repeats)
    t_numpy = best_time(lambda: numpy_outputs(genomes, spec, x), max(2, repeats // 3))

    # mutation: on a fresh copy each time (the population drifts otherwise)
    keep = np.zeros(size, dtype=np.bool_)
    stale = np.zeros(size, dtype=np.bool_)
    rewired = np.zeros(size, dtype=np.bool_)
    work = genomes.copy()

    def run_mutate():
        layered.mutate_clune(work, keep, state, stale, rewired, net, params.p_add, params.p_remove, params.bias_rate)

    run_mutate()
    work[:] = genomes
    t_mutate = best_time(run_mutate, repeats)

    n_c = np.zeros(size, dtype=np.int64)
    n_kept = np.zeros(size, dtype=np.int64)
    wire = np.zeros(size)

    def run_costs(optimal):
        todo[:] = True
        wiring.connection_costs(genomes, todo, optimal, net, n_c, wire, n_kept)

    run_costs(True)
    t_costs = best_time(lambda: run_costs(True), repeats)
    t_costs_fixed = best_time(lambda: run_costs(False), repeats)

    rate_k, rate_n = size / t_kernel, size / t_numpy
    print(f"S = {size} random Clune networks (8-8-4-2-1), {n_conn.mean():.1f} connections on average, "
          f"256 patterns; best of {repeats} repeats\n")
    print("| operation | time per call | networks/s |")
    print("|---|---:|---:|")
    print(f"| evaluate, numba kernel (int32) | {t_kernel * 1e6:,.0f} µs | {rate_k:,.0f} |")
    print(f"| evaluate, numpy matmul + tanh | {t_numpy * 1e6:,.0f} µs | {rate_n:,.0f} |")
    print(f"| mutate_clune | {t_mutate * 1e6:,.0f} µs | {size / t_mutate:,.0f} |")
    print(f"| connection_costs(optimal=True) | {t_costs * 1e6:,.0f} µs | {size / t_costs:,.0f} |")
    print(f"| connection_costs(optimal=False) | {t_costs_fixed * 1e6:,.0f} µs | {size / t_costs_fixed:,.0f} |")
    ratio = rate_k / rate_n
    print(f"\nevaluate speed-up, numba / numpy: {ratio:.1f}x (target >= 10x)")
    generation_table(200 if args.quick else 2000)
    return 0


def generation_table(generations: int) -> None:
    """Whole generations of the Clune presets through the engine: evaluate the
    1,000 offspring, price them, select (NSGA-II over the 2,000-row pool), mutate."""
    from evomod import config, engine

    print(f"\n| preset, {generations:,} generations | ms / generation, Q not logged | "
          "ms / generation, directed Q logged every generation |")
    print("|---|---:|---:|")
    for name in ("clune2013-pa", "clune2013-pcc"):
        times = []
        for every in (0, 1):
            cfg = config.load(name, [f"modularity.every={every}"], generations=generations)
            engine.run(cfg.model_copy(update={"generations": 20}))  # warm-up: JIT / cache load
            started = time.perf_counter()
            result = engine.run(cfg)
            times.append(1e3 * (time.perf_counter() - started) / result.generations_run)
        print(f"| {name} | {times[0]:.2f} | {times[1]:.2f} |")
    print("(target: a full Clune generation <= 20 ms)")


if __name__ == "__main__":
    raise SystemExit(main())

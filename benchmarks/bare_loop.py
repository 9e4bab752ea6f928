"""The Kashtan–Alon logic GA as one numba loop: the ceiling for the engine's overhead.

The same GA as ``evomod run ka2005-logic-mvg`` (S = 1000, L = 300, Pm = 0.7,
12 NAND gates with feedback, G1 <-> G2 every 20 generations, penalty 0.2 per
effective gate above 11) written as a single ``@njit`` function: the
engine's own kernels (``nand.kernels.evaluate`` and ``mutate``,
``selection.kernels.elite_parents``) called from one compiled loop, with no
records, no Python per generation, no registries or plug-ins, no lexicase
cases. It draws the same random numbers in the same order as the engine
(``SeedSequence(seed).spawn(4)``: the initial population, then evolution),
so its best fitness of every generation equals ``evomod run``'s with
``modularity.every = 0``; ``--check`` verifies it.

Usage::

    taskset -c 1 python benchmarks/bare_loop.py                 # rate of the bare loop and of the engine
    python benchmarks/bare_loop.py --generations 2000 --check   # same best fitness as the engine
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from numba import njit

from evomod import config, engine
from evomod import rng as _rng
from evomod.bits import popcount
from evomod.problems import tasks as _tasks
from evomod.representations.nand import kernels as _circ
from evomod.selection.kernels import elite_parents


@njit(cache=True)
def _score(tables, valid, target, size, n_pairs, penalty, free, fitness):
    """Fitness of every row (no performance or lexicase arrays); returns the fittest row."""
    best = 0
    for i in range(tables.shape[0]):
        total = 0
        for k in range(tables.shape[1]):
            for w in range(tables.shape[2]):
                total += popcount(~(tables[i, k, w] ^ target[k, w]) & valid[i, w])
        extra = size[i] - free
        fitness[i] = total / n_pairs - (penalty * extra if extra > 0 else 0.0)
        if fitness[i] > fitness[best]:
            best = i
    return best


@njit(cache=True)
def bare_run(genomes, high, circuits, targets, period, generations, n_elite, pm, penalty, free, state, best_fitness):
    """Evolve ``genomes`` in place for ``generations``; ``best_fitness[t]`` gets generation t's best."""
    n_inputs, n_gates, n_outputs = circuits.n_inputs, circuits.n_gates, circuits.n_outputs
    inputs = circuits.inputs
    size, n_loci = genomes.shape
    n_words = inputs.shape[1]
    tables = np.zeros((size, n_outputs, n_words), np.uint64)
    valid = np.zeros((size, n_words), np.uint64)
    n_eff = np.zeros(size, np.int64)
    stale = np.ones(size, np.bool_)
    effective = np.zeros(size, np.uint64)
    fitness = np.empty(size)
    n_pairs = n_outputs * (1 << n_inputs)
    for t in range(generations):
        target = targets[(t // period) % targets.shape[0]]
        _circ.evaluate(genomes, circuits, stale, tables, valid, n_eff, effective)
        best = _score(tables, valid, target, n_eff, n_pairs, penalty, free, fitness)
        best_fitness[t] = fitness[best]
        if t + 1 == generations:
            break
        parents, keep = elite_parents(fitness, n_elite, state)
        for i in range(size):  # the elite step overwrites only rows that are nobody's parent
            p = parents[i]
            if p != i:
                for j in range(n_loci):
                    genomes[i, j] = genomes[p, j]
                for k in range(n_outputs):
                    for w in range(n_words):
                        tables[i, k, w] = tables[p, k, w]
                for w in range(n_words):
                    valid[i, w] = valid[p, w]
                n_eff[i] = n_eff[p]
                stale[i] = stale[p]
                effective[i] = effective[p]
        _circ.mutate(genomes, keep, pm, high, state, stale, effective, n_gates)


def setup(generations: int, seed: int = 0, overrides=()):
    """The arguments of ``bare_run`` for the ka2005-logic-mvg preset (with ``overrides``)."""
    cfg = config.load("ka2005-logic-mvg", ["modularity.every=0", *overrides], generations=generations, seed=seed)
    if cfg.selection.name != "elite" or cfg.selection.pc > 0 or cfg.schedule.name not in ("mvg", "fixed"):
        raise ValueError("the bare loop runs the elite strategy without crossover under a fixed or mvg schedule")
    task = _tasks.build(cfg.task)
    rep = config.representation_of(cfg, task)
    s = rep.spec
    names = cfg.schedule.goals
    targets = np.ascontiguousarray(np.stack([task.goals[g] for g in names]), dtype=np.uint64)
    period = cfg.schedule.period if cfg.schedule.name == "mvg" else 1 << 62
    init_seq, evolve_seq, _schedule, _modularity = np.random.SeedSequence(seed).spawn(4)
    genomes = _circ.random_genomes(cfg.population, rep.high, _rng.new_state(init_seq))
    args = (genomes, rep.high, s.arrays(), targets, period, generations, cfg.selection.elite, cfg.selection.pm,
            cfg.fitness.gate_penalty, cfg.fitness.free_gates, _rng.new_state(evolve_seq), np.empty(generations))
    return cfg, args


def bare_rate(generations: int, seed: int = 0, overrides=()) -> tuple[float, np.ndarray]:
    """Generations per second of the bare loop (set-up excluded) and its best fitness per generation."""
    _cfg, args = setup(generations, seed, overrides)
    started = time.perf_counter()
    bare_run(*args)
    return generations / (time.perf_counter() - started), args[-1]


def engine_rate(generations: int, seed: int = 0, overrides=()) -> tuple[float, np.ndarray]:
    """The same for ``evomod.engine.run`` (modularity off), everything in ``run`` included."""
    cfg = config.load("ka2005-logic-mvg", ["modularity.every=0", *overrides], generations=generations, seed=seed)
    started = time.perf_counter()
    result = engine.run(cfg)
    return generations / (time.perf_counter() - started), result.records.columns()["best_fitness"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generations", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved timings of each; the median counts")
    parser.add_argument("--check", action="store_true", help="check the best fitness equals the engine's")
    args = parser.parse_args(argv)
    bare_rate(50)  # compile / load the cache
    engine_rate(50)
    bare, eng = [], []
    for r in range(args.repeats):
        rate, best_bare = bare_rate(args.generations, seed=r)
        bare.append(rate)
        rate, best_engine = engine_rate(args.generations, seed=r)
        eng.append(rate)
        if args.check and not np.array_equal(best_bare, best_engine):
            print(f"seed {r}: the bare loop's best fitness differs from the engine's", file=sys.stderr)
            return 1
    b, e = float(np.median(bare)), float(np.median(eng))
    print(f"ka2005-logic-mvg, modularity off, {args.generations:,} generations, median of {args.repeats} "
          f"(seeds 0..{args.repeats - 1}), interleaved")
    print(f"  bare numba loop  {b:9,.0f} gen/s")
    print(f"  evomod engine    {e:9,.0f} gen/s   {e / b:.0%} of the bare loop")
    if args.check:
        print("  best fitness of every generation: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())

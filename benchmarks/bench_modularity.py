"""Speed of evomod.modularity, each figure against a baseline timed in the same run.

1. ``max_q`` (default spectral search) on random graphs with 16 nodes and 30
   edges vs networkx ``louvain_communities`` + ``modularity``: time per graph
   and how often evomod's Q is at least networkx's.
2. ``qm`` on a 16-node evolved circuit with a warm degree-sequence cache
   (only Q_real is searched) vs a cold call (Q_rand over N = 1,000 random
   networks and the Q_max annealing).
3. The engine (Kashtan–Alon MVG, S = 1000) with Q and Q_m of the best logged
   every generation (or every 10th) vs not logged; with the Q_rand / Q_max
   table shipped with evomod (the default) and without it.

Usage::

    taskset -c 1 python benchmarks/bench_modularity.py           # full: ~3 minutes
    python benchmarks/bench_modularity.py --quick                # smoke: ~30 seconds
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
from networkx.algorithms.community import louvain_communities
from networkx.algorithms.community import modularity as nx_modularity

from evomod import config, engine, modularity
from evomod.modularity import table as nulltable


def random_graphs(count: int, n: int = 16, m: int = 30) -> list[np.ndarray]:
    out = []
    for seed in range(count):
        G = nx.gnm_random_graph(n, m, seed=seed)
        out.append(nx.to_numpy_array(G))
    return out


def bench_max_q(count: int) -> dict:
    graphs = random_graphs(count)
    for A in graphs[:2]:
        modularity.max_q(A)  # compile / load the cache
    started = time.perf_counter()
    ours = [modularity.max_q(A, seed=s)[0] for s, A in enumerate(graphs)]
    t_ours = (time.perf_counter() - started) / count
    nx_graphs = [nx.from_numpy_array(A) for A in graphs]
    started = time.perf_counter()
    theirs = [nx_modularity(G, louvain_communities(G, seed=s)) for s, G in enumerate(nx_graphs)]
    t_nx = (time.perf_counter() - started) / count
    ours, theirs = np.array(ours), np.array(theirs)
    return {"t_ours": t_ours, "t_nx": t_nx, "ge": float(np.mean(ours >= theirs - 1e-12)),
            "gain": float(np.mean(ours - theirs))}


def circuit_of_size(nodes: int) -> np.ndarray:
    """The graph of an evolved circuit with ``nodes`` nodes (inputs, gates, output)."""
    cfg = config.load(None, ["modularity.every=0"], generations=2000)
    rep = config.representation_of(cfg)
    for seed in range(50):
        result = engine.run(cfg.model_copy(update={"seed": seed}))
        A, _names = rep.to_graph(result.best_genome)
        if A.shape[0] == nodes:
            return A
    raise RuntimeError(f"no evolved circuit with {nodes} nodes in 50 runs")


def bench_qm(A: np.ndarray, repeats: int) -> dict:
    modularity.qm(A, n_random=20)  # compile
    cache = modularity.DegreeCache()
    started = time.perf_counter()
    cold = modularity.qm(A, cache=cache)
    t_cold = time.perf_counter() - started
    started = time.perf_counter()
    for s in range(repeats):
        modularity.qm(A, seed=s, cache=cache)
    t_warm = (time.perf_counter() - started) / repeats
    return {"t_cold": t_cold, "t_warm": t_warm, "qm": cold.qm, "nodes": A.shape[0],
            "edges": int(A.sum() // 2)}


def engine_rate(generations: int, every: int) -> tuple[float, dict]:
    cfg = config.load(None, [f"modularity.every={every}"], generations=generations)
    started = time.perf_counter()
    result = engine.run(cfg)
    return result.generations_run / (time.perf_counter() - started), result.modularity


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script runs")
    args = parser.parse_args(argv)
    graphs, repeats, gens = (10, 50, 1000) if args.quick else (200, 2000, 20_000)

    r = bench_max_q(graphs)
    print(f"max_q, {graphs} random graphs G(16 nodes, 30 edges):")
    print(f"  evomod spectral {r['t_ours'] * 1e3:.3f} ms/graph; networkx louvain + modularity "
          f"{r['t_nx'] * 1e3:.3f} ms/graph; ratio {r['t_nx'] / r['t_ours']:.1f}x")
    print(f"  evomod Q >= networkx Q on {r['ge']:.0%} of graphs (mean Q gain {r['gain']:+.4f})")

    q = bench_qm(circuit_of_size(16), repeats)
    print(f"qm, evolved circuit with {q['nodes']} nodes and {q['edges']} edges (Q_m {q['qm']:.3f}):")
    print(f"  warm cache {q['t_warm'] * 1e6:.0f} us/call; cold (N = 1000) {q['t_cold'] * 1e3:.0f} ms; "
          f"ratio {q['t_cold'] / q['t_warm']:.0f}x")

    engine_rate(50, 1)  # compile / load everything the engine uses
    base, _ = engine_rate(gens, 0)
    logged, mod = engine_rate(gens, 1)
    every10, _ = engine_rate(gens, 10)
    shipped = nulltable.load
    nulltable.load = lambda: {}  # every degree sequence computed by the run itself
    try:
        cold, mod_cold = engine_rate(gens, 1)
    finally:
        nulltable.load = shipped
    print(f"engine, ka2005-logic-mvg, {gens:,} generations, seed 0 (not among the table's seeds):")
    print(f"  not logged                  {base:9,.0f} gen/s")
    for label, rate, m in (("every generation", logged, mod), ("every 10th generation", every10, None),
                           ("every generation, no table", cold, mod_cold)):
        extra = "" if m is None else (f"  ({m['graphs_measured']:,} graphs measured, degree-sequence "
                                      f"hit rate {m['cache_hit_rate']:.1%})")
        print(f"  {label:<27} {rate:9,.0f} gen/s  cost {base / rate:.1f}x{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

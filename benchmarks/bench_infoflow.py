"""Speed of information-flow modularity (evomod.measures.infoflow) on evolved 12-gate circuits.

The circuits are the final bests of ka2005-logic-mvg runs stopped once both
goals were solved. Timed, warm (numba compiled or loaded first):

* the exchange matrix of the best-Q partition: evomod's kernel vs the same
  definition in plain Python (Counter-based, over the same node program), the
  ratio measured in this run;
* the information-flow modularity of that partition (exchange plus the
  baseline of 100 random same-size partitions), against the issue's 50 ms;
* the search for the best 2-module partition.

Usage::

    python benchmarks/bench_infoflow.py            # 8 circuits, ~1 minute
    python benchmarks/bench_infoflow.py --quick    # 2 circuits
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from math import log2

import numpy as np

from evomod import config, engine
from evomod import modularity as _mod
from evomod.measures import infoflow
from evomod.representations import program as signals


def evolved_circuits(n: int):
    out = []
    seed = 0
    while len(out) < n:
        cfg = config.load("ka2005-logic-mvg", ["stop_on_solve=true", "modularity.every=0"], generations=20_000)
        result = engine.run(cfg.model_copy(update={"seed": seed}))
        seed += 1
        if result.status == "solved":
            out.append(result)
    return out


def plain_exchange(p: signals.Program, labels) -> np.ndarray:
    """The definition in plain Python: do(S = s) for every value s of the sent signal, every row."""
    src, reader = p.wires()
    k = max(labels) + 1

    def run(row, cut, forced):
        vals = [0] * p.n_nodes
        for v in range(p.n_nodes):
            if p.kind[v] == signals.INPUT:
                vals[v] = int(p.rows[row, p.column[v]])

        def read(e, state):
            return forced[src[e]] if e in cut else state[src[e]]

        def node(v, state):
            es = range(p.src_start[v], p.src_start[v + 1])
            if p.kind[v] == signals.NAND:
                return 1 - (read(es[0], state) & read(es[1], state))
            return read(es[0], state)  # COPY (circuits only here)

        if p.steps == 0:
            for v in p.order:
                vals[v] = node(v, vals)
        else:
            for _ in range(p.steps):
                prev = list(vals)
                for v in p.order:
                    if p.kind[v] != signals.COPY:
                        vals[v] = node(v, prev)
            for v in p.order:
                if p.kind[v] == signals.COPY:
                    vals[v] = node(v, vals)
        return vals

    rows = range(p.n_rows)
    base = [run(r, set(), {}) for r in rows]
    out = np.zeros((k, k))
    for a in range(k):
        for b in range(k):
            cut = {e for e in range(len(src)) if a != b and labels[src[e]] == a and labels[reader[e]] == b}
            if not cut:
                continue
            sent = sorted({int(src[e]) for e in cut})
            members = [v for v in range(p.n_nodes) if labels[v] == b]
            p_s = Counter(tuple(base[r][v] for v in sent) for r in rows)
            joint, p_c = Counter(), Counter()
            for s, count in p_s.items():
                forced = dict(zip(sent, s))
                for r in rows:
                    c = tuple(run(r, cut, forced)[v] for v in members)
                    w = count / p.n_rows / p.n_rows
                    joint[s, c] += w
                    p_c[c] += w
            out[a, b] = sum(w * log2(w / (p_s[s] / p.n_rows * p_c[c])) for (s, c), w in joint.items())
    return out


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return min(times), value


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    circuits = evolved_circuits(2 if args.quick else 8)
    rep = config.representation_of(circuits[0].config)
    rows = []
    for result in circuits:
        program = rep.program(result.best_genome, result.inputs)
        A, _ = rep.to_graph(result.best_genome, result.inputs)
        labels = _mod.q_only(A, False, seed=0).labels
        infoflow.information_flow(program, labels)  # warm-up: compile or load the kernels
        t_kernel, fast = best_of(lambda: infoflow.exchange(program, labels), 5)
        t_plain, slow = best_of(lambda: plain_exchange(program, labels), 1)
        assert np.allclose(fast, slow, atol=1e-9), (fast, slow)
        t_flow, flow = best_of(lambda: infoflow.information_flow(program, labels), 5)
        t_search, found = best_of(lambda: infoflow.search(program, 2, start=labels), 1)
        rows.append((program.n_nodes, program.steps > 0, t_kernel, t_plain, t_flow, t_search, flow.score,
                     found.score))
        print(f"{program.n_nodes:>3} nodes{' (feedback)' if program.steps else ''}: exchange {t_kernel * 1e3:.2f} ms "
              f"vs plain Python {t_plain * 1e3:.1f} ms ({t_plain / t_kernel:.0f}x); info-flow score of the "
              f"best-Q partition {t_flow * 1e3:.1f} ms (score {flow.score:.3f}); 2-module search "
              f"{t_search * 1e3:.0f} ms (score {found.score:.3f})")
    r = np.array([row[2:6] for row in rows])
    med = np.median(r, axis=0)
    print(f"\nmedian over {len(rows)} circuits: exchange {med[0] * 1e3:.2f} ms vs plain Python {med[1] * 1e3:.1f} ms "
          f"({np.median(r[:, 1] / r[:, 0]):.0f}x); info-flow score {med[2] * 1e3:.1f} ms (max "
          f"{r[:, 2].max() * 1e3:.1f} ms; target <= 50 ms); search {med[3] * 1e3:.0f} ms")


if __name__ == "__main__":
    main()

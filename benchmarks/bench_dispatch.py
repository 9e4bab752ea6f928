"""What a kernel call costs with its spec arrays as one NamedTuple instead of separate arguments.

``nand.kernels.evaluate`` takes the circuit spec as one ``CircuitArrays``
NamedTuple (N, G, K, T, input columns, row mask): 7 arguments. The
baseline is the same kernel behind 12 separate arguments (a thin njit
wrapper that builds the tuple inside compiled code, where that costs
nothing). Both are called on the same population, interleaved, in two
cases: no row stale (the call is all dispatch: numba types every argument
on every call) and every row stale (a full evaluation of S = 1000 circuits).

Usage::

    taskset -c 1 python benchmarks/bench_dispatch.py
"""

from __future__ import annotations

import sys
import timeit

import numpy as np
from numba import njit

from evomod import rng
from evomod.representations.nand import kernels as K


@njit(cache=True)
def evaluate_flat(genomes, n_inputs, n_gates, n_outputs, settle_steps, inputs, mask,
                  todo, out_tables, settled, n_effective, effective):
    K.evaluate(genomes, K.CircuitArrays(n_inputs, n_gates, n_outputs, settle_steps, inputs, mask),
               todo, out_tables, settled, n_effective, effective)


def main() -> int:
    spec = K.CircuitSpec(4, 12, 1)
    size = 1000
    genomes = K.random_genomes(size, spec.locus_high(), rng.seeded_state(1))
    packed = spec.arrays()
    todo = np.zeros(size, np.bool_)
    out = (np.zeros((size, 1, 1), np.uint64), np.zeros((size, 1), np.uint64), np.zeros(size, np.int64),
           np.zeros(size, np.uint64))

    def flat():
        evaluate_flat(genomes, *packed, todo, *out)

    def tupled():
        K.evaluate(genomes, packed, todo, *out)

    flat(), tupled()
    print("nand.kernels.evaluate, S = 1000, best of 7 repeats, interleaved\n")
    print("| case | 12 arguments | NamedTuple of the spec | difference |")
    print("|---|---:|---:|---:|")
    for label, stale in (("no row stale (dispatch only)", False), ("every row stale", True)):
        a, b = [], []
        for _ in range(7):
            for fn, acc in ((flat, a), (tupled, b)):
                def call(fn=fn):
                    todo[:] = stale
                    fn()
                n = 2000 if not stale else 200
                acc.append(min(timeit.repeat(call, number=n, repeat=3)) / n)
        ta, tb = min(a), min(b)
        print(f"| {label} | {ta * 1e6:.2f} µs | {tb * 1e6:.2f} µs | {(tb - ta) * 1e6:+.2f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

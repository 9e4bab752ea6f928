"""Thin wrappers that call the engine's kernels on one genome or one stream,
for tests (the engine calls the kernels on whole populations)."""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod import rng as _rng
from evomod.config import load, representation_of
from evomod.engine.loop import score
from evomod.representations.nand import kernels as _circ


@njit(cache=True)
def fill_u64(s, out):
    """Fill ``out`` with the next raw 64-bit outputs of xoshiro state ``s``."""
    for i in range(out.shape[0]):
        out[i] = _rng.next_u64(s)


def evaluate_one(genome: np.ndarray, spec: _circ.CircuitSpec, inputs: np.ndarray, mask: np.ndarray):
    """Output tables ``(K, W)``, settled bits ``(W,)`` and effective-gate count of one circuit."""
    g = np.asarray(genome, dtype=_circ.GENOME_DTYPE).reshape(1, -1)
    out = np.zeros((1, spec.n_outputs, spec.n_words), dtype=np.uint64)
    settled = np.zeros((1, spec.n_words), dtype=np.uint64)
    n_eff = np.zeros(1, dtype=np.int64)
    circuits = _circ.CircuitArrays(spec.n_inputs, spec.n_gates, spec.n_outputs, spec.settle_steps, inputs, mask)
    _circ.evaluate(g, circuits, np.ones(1, dtype=np.bool_), out, settled, n_eff, np.zeros(1, dtype=np.uint64))
    return out[0], settled[0], int(n_eff[0])


def count_correct(out_tables: np.ndarray, settled: np.ndarray, target: np.ndarray) -> np.ndarray:
    """int64 (S,): settled (row, output) pairs of each row of ``out_tables``
    (uint64 (S, K, W)) that match ``target`` (uint64 (K, W)), as the engine's
    ``score`` counts them (performance with one pair worth 1)."""
    size = out_tables.shape[0]
    fitness, performance = np.empty(size), np.empty(size)
    cases = np.empty((size, out_tables.shape[1] * out_tables.shape[2]), np.uint64)
    score(np.ascontiguousarray(out_tables), np.ascontiguousarray(settled), np.ascontiguousarray(target),
          np.zeros(size, np.int64), 1, 0.0, 0, fitness, performance, cases)
    return performance.astype(np.int64)


def preset_spec(name: str):
    """The ``spec`` of a preset's representation (e.g. the layered networks of ``clune2013-pa``)."""
    return representation_of(load(name)).spec

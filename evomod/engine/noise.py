"""Noisy scoring (``[fitness] noise = {inputs = p, labels = q}``).

Every generation, each input bit of each truth-table row is flipped with
probability ``p`` and each goal bit (row, output) with probability ``q``;
the whole population is scored on the same noisy rows, and the best (by
noisy fitness) is then re-scored on the clean rows, so that the records and
``best.json`` give a performance comparable across noise levels.

Why one draw per generation for the whole population, not one per
individual: selection compares individuals, and on common noise their
differences come from their circuits rather than from their luck of the
draw (common random numbers); it is also one mask per generation rather
than one per individual. Fresh noise every generation, elites included
(every row is re-scored), keeps a lucky draw from being kept.

Flips are bit-parallel: the packed input columns (``rep.inputs``, uint64
``(N, W)``, one bit per row) are XORed with a random mask whose bits are
set with probability ``p``, and the representation's own kernel evaluates
the population on them. The noise of generation ``t`` comes from
``SeedSequence(seed, spawn_key=(4, t))``: a fifth child of the run's
SeedSequence (the first four, init/evolution/schedule/modularity, are
unchanged), then one grandchild per generation. So a noisy run depends only
on its config and seed, and a run resumed from a checkpoint draws the noise
the uninterrupted run drew. ``p = q = 0`` draws nothing: the engine is then
exactly the noise-free one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod import rng as _rng
from evomod.bits import popcount

NOISE_STREAM = 4  # the run SeedSequence's child the noise comes from (0-3: init, evolve, schedule, modularity)


@njit(cache=True)
def flip_mask(state, p, valid, out):
    """Fill ``out`` (uint64 ``(K, W)``) with random bits, each valid row bit
    (``valid`` (W,)) set independently with probability ``p``; bits beyond
    the table (``valid`` clear) stay 0."""
    for k in range(out.shape[0]):
        for w in range(out.shape[1]):
            word = np.uint64(0)
            if p > 0.0:
                for b in range(64):
                    if _rng.uniform(state) < p:
                        word |= np.uint64(1) << np.uint64(b)
            out[k, w] = word & valid[w]


@njit(cache=True)
def clean_performance(table, valid, target, n_pairs):
    """Fraction of (row, output) pairs one individual gets right: its
    output tables ``(K, W)`` against ``target`` on its settled rows."""
    total = 0
    for k in range(table.shape[0]):
        for w in range(table.shape[1]):
            total += popcount(~(table[k, w] ^ target[k, w]) & valid[w])
    return total / n_pairs


class Noise:
    """The noise of one run: what to flip, drawn per generation."""

    def __init__(self, params, seed: int, n_inputs: int, n_outputs: int, row_mask: np.ndarray):
        self.p, self.q = float(params.inputs), float(params.labels)
        self.entropy = np.random.SeedSequence(seed).entropy
        self.valid = row_mask
        self.input_flips = np.zeros((n_inputs, row_mask.shape[0]), np.uint64)
        self.label_flips = np.zeros((n_outputs, row_mask.shape[0]), np.uint64)

    def draw(self, t: int, inputs: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The noisy input columns and goal table of generation ``t``."""
        state = _rng.new_state(np.random.SeedSequence(self.entropy, spawn_key=(NOISE_STREAM, t)))
        flip_mask(state, self.p, self.valid, self.input_flips)
        flip_mask(state, self.q, self.valid, self.label_flips)
        return inputs ^ self.input_flips, target ^ self.label_flips


def evaluate_on(rep, pop, inputs: np.ndarray) -> None:
    """Evaluate every row of ``pop`` on the input columns ``inputs`` (noisy
    ones) instead of the representation's own: the kernels read
    ``rep.inputs``, which is swapped for the call and put back."""
    clean = rep.inputs
    pop.stale[:] = True
    rep.inputs = inputs
    try:
        rep.evaluate(pop)
    finally:
        rep.inputs = clean


def score_noisy(loop, noise: Noise, t: int, target: np.ndarray) -> tuple[int, float]:
    """Score ``loop``'s population on generation ``t``'s noisy rows; returns
    the best row (by noisy fitness) and its noise-free performance."""
    rep, pop = loop.rep, loop.pop
    inputs, noisy_target = noise.draw(t, rep.inputs, target)
    evaluate_on(rep, pop, inputs)
    best, _ = loop.score(noisy_target)
    one = rep.population(pop.genomes[best:best + 1])
    rep.evaluate(one)
    return best, float(clean_performance(one.tables[0], one.valid[0], target, loop.n_cases))

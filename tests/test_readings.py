"""The readings of Kashtan & Alon's Methods that the landscape study varies:
per-locus mutation, unsettled rows read at step T, the elite mutated, and the
non-elite drawn from the elite uniformly or by rank. Each is checked against
a fact computed independently (the reference evaluator, binomial and
multinomial expectations, the elite strategy's own draw)."""

import numpy as np
import pytest
from conftest import config_with

from evomod import rng
from evomod.config import representation_of
from evomod.representations.nand import kernels as C
from evomod.selection.strategies import (
    EliteParams,
    MuCommaLambdaParams,
    MuLambdaParams,
    elite,
    mu_comma_lambda,
    mu_plus_lambda,
)
from evomod.testing import reference as ref


def _state(seed):
    return rng.new_state(np.random.SeedSequence(seed))


def _random_genomes(seed, size, n, g, k):
    gen = np.random.default_rng(seed)
    high = ref.locus_upper_bounds(n, g, k, False)
    return np.stack([gen.integers(0, h, size) for h in high], axis=1).astype(np.int16)


# --- per-locus mutation ---------------------------------------------------------------------------

def test_per_locus_mutation_has_the_one_locus_mean_and_a_binomial_count():
    n, g, k, size, pm = 4, 12, 1, 40_000, 0.7
    spec = C.CircuitSpec(n, g, k)
    high = spec.locus_high()  # 16 addresses per locus
    pop = _random_genomes(3, size, n, g, k)
    orig = pop.copy()
    keep = np.zeros(size, dtype=np.bool_)
    keep[:1000] = True
    stale = np.zeros(size, dtype=np.bool_)
    every_gate = np.full(size, np.uint64(2**64 - 1), dtype=np.uint64)
    C.mutate_per_locus(pop, keep, pm, high, _state(4), stale, every_gate, g)
    changed = (pop != orig).sum(axis=1)
    assert (changed[keep] == 0).all()
    assert np.array_equal(stale, changed > 0)
    # each of the 25 loci changes independently with p = (pm / 25) * (1 - 1/16)
    p = pm / spec.n_loci * (1 - 1 / 16)
    m = size - 1000
    mean, var = spec.n_loci * p, spec.n_loci * p * (1 - p)
    assert abs(changed[~keep].mean() - mean) < 5 * np.sqrt(var / m)
    # the same mean as one-locus mutation, but several loci can change at once
    assert abs(mean - pm * (1 - 1 / 16)) < 1e-12
    two_or_more = 1 - (1 - p) ** 25 - 25 * p * (1 - p) ** 24
    observed = (changed[~keep] >= 2).mean()
    assert abs(observed - two_or_more) < 5 * np.sqrt(two_or_more * (1 - two_or_more) / m)


def test_per_locus_mutation_flags_exactly_the_rows_whose_evaluation_changes():
    """Rows left unflagged (only non-effective gates' inputs changed) evaluate as before."""
    n, g, k, size = 4, 12, 1, 3000
    spec = C.CircuitSpec(n, g, k)
    rep = representation_of(config_with({}, representation={"mutation": "per-locus"}))
    pop = rep.population(_random_genomes(8, size, n, g, k))
    rep.evaluate(pop)
    before = pop.tables.copy()
    keep = np.zeros(size, dtype=np.bool_)
    C.mutate_per_locus(pop.genomes, keep, 3.0, spec.locus_high(), _state(9), pop.stale,
                       pop.extra["effective"], g)
    unflagged = ~pop.stale
    assert unflagged.sum() > 100 and pop.stale.sum() > 100
    pop.stale[:] = True
    rep.evaluate(pop)
    assert np.array_equal(pop.tables[unflagged], before[unflagged])


def test_mutation_key_is_validated():
    from evomod.registry import ConfigError

    with pytest.raises(ConfigError, match="representation.mutation"):
        config_with({}, representation={"mutation": "two-locus"})


# --- unsettled rows read at step T -------------------------------------------------------------

@pytest.mark.parametrize("t", [13, 14, 20])
def test_read_unsettled_gives_the_reference_state_at_step_t(t):
    n, g, k, size = 4, 12, 1, 400
    gen = np.random.default_rng(t)
    genomes = np.empty((size, 2 * g + k), dtype=np.int16)  # feedback-heavy: many rows never settle
    for i in range(size):
        for j in range(2 * g + k):
            genomes[i, j] = n + gen.integers(0, g) if (gen.random() < 0.9 or j >= 2 * g) else gen.integers(0, n)
    wrong = representation_of(config_with({}, representation={"settle_steps": t}))
    read = representation_of(config_with({}, representation={"settle_steps": t, "unsettled": "read"}))
    a, b = wrong.population(genomes), read.population(genomes)
    wrong.evaluate(a)
    read.evaluate(b)
    n_unsettled = 0
    for i in range(size):
        outputs, settled = ref.evaluate_circuit([int(v) for v in genomes[i]], n, g, k, t)
        n_unsettled += not all(settled)
        for row in range(1 << n):
            assert (int(b.tables[i, 0, 0]) >> row) & 1 == outputs[row][0]
            assert (int(b.valid[i, 0]) >> row) & 1 == 1
            assert (int(a.valid[i, 0]) >> row) & 1 == int(settled[row])
    assert n_unsettled > 20  # the reading matters on this sample


def test_oscillator_output_is_scored_when_read():
    """g0 = NAND(g0, g0) alternates 1, 0, 1...: read at odd T it is 1 in both rows, so it solves 'true'."""
    from evomod.engine.loop import score

    genome = np.array([[1, 1, 1]], dtype=np.int16)
    for unsettled, expected in (("wrong", 0.0), ("read", 1.0)):
        cfg = config_with({}, task={"inputs": ["x"], "goals": {"G": "x | ~x"}}, schedule={"goals": ["G"]},
                          representation={"gates": 1, "settle_steps": 3, "unsettled": unsettled})
        rep = representation_of(cfg)
        pop = rep.population(genome)
        rep.evaluate(pop)
        fitness, performance = np.empty(1), np.empty(1)
        target = np.array([[0b11]], dtype=np.uint64)
        score(pop.tables, pop.valid, target, pop.size, 2, 0.0, 99, fitness, performance,
              np.empty((1, 1), np.uint64))
        assert performance[0] == expected


# --- selection readings ----------------------------------------------------------------------------

def test_mutate_elite_draws_the_same_parents_and_keeps_nothing():
    objectives = np.random.default_rng(1).random((200, 1))
    p0, k0 = elite(objectives, _state(5), EliteParams(elite=60))
    p1, k1 = elite(objectives, _state(5), EliteParams(elite=60, mutate_elite=True))
    assert np.array_equal(p0, p1) and k0.sum() == 60 and not k1.any()


def test_rank_draw_is_proportional_to_rank_within_the_elite():
    fitness = np.array([0.3, 0.9, 0.1, 0.7, 0.5, 0.8, 0.2, 0.0])  # the 4 best: rows 1, 5, 3, 4
    objectives = np.tile(fitness[:, None], (1, 1))
    counts = np.zeros(8)
    parents, keep = mu_plus_lambda(objectives, _state(2), MuLambdaParams(mu=4, draw="rank"))
    assert sorted(np.flatnonzero(keep).tolist()) == [1, 3, 4, 5]
    assert all(parents[i] == i for i in (1, 3, 4, 5))
    for seed in range(3000):
        parents, _ = mu_comma_lambda(objectives, _state(seed), MuCommaLambdaParams(mu=4, draw="rank"))
        counts += np.bincount(parents, minlength=8)
    total = counts.sum()
    expected = {1: 4 / 10, 5: 3 / 10, 3: 2 / 10, 4: 1 / 10}
    assert counts[[0, 2, 6, 7]].sum() == 0
    for row, p in expected.items():
        assert abs(counts[row] / total - p) < 5 * np.sqrt(p * (1 - p) / total)


def test_uniform_draw_is_unchanged_by_the_new_key():
    objectives = np.random.default_rng(3).random((50, 1))
    a = mu_plus_lambda(objectives, _state(7), MuLambdaParams(mu=10))
    b = mu_plus_lambda(objectives, _state(7), MuLambdaParams(mu=10, draw="uniform"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    counts = np.bincount(mu_plus_lambda(objectives, _state(8), MuLambdaParams(mu=10))[0], minlength=50)
    assert (counts > 0).sum() == 10

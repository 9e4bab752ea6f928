"""evomod.selection: the Kashtan–Alon elite step and quickselect, against
np.sort, multiset arithmetic and binomial expectations."""

from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evomod import rng
from evomod.selection import SELECTION, EliteParams, elite_parents, kth_smallest


def state(seed=0):
    return rng.new_state(np.random.SeedSequence(seed))


def check_elite(fitness, n_elite, parents, keep):
    """Every rule of the elite step, checked against np.sort (independent)."""
    size = fitness.shape[0]
    parents = np.asarray(parents)
    keep = np.asarray(keep)
    assert parents.shape == (size,) and keep.shape == (size,)
    assert keep.dtype == np.bool_
    assert ((parents >= 0) & (parents < size)).all()
    ordered = np.sort(fitness)
    kept = np.flatnonzero(keep)
    over = np.flatnonzero(parents != np.arange(size))
    assert kept.size == n_elite
    assert over.size == n_elite
    assert not set(kept) & set(over)  # no row is both kept and overwritten
    if n_elite:
        assert sorted(fitness[kept].tolist()) == ordered[size - n_elite:].tolist()
        assert sorted(fitness[over].tolist()) == ordered[:n_elite].tolist()
    # each overwritten row copies a kept row; each kept row is copied exactly once
    assert sorted(parents[over].tolist()) == kept.tolist()
    # kept rows stay where they are
    assert (parents[kept] == kept).all()


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 120).flatmap(lambda s: st.tuples(
    st.lists(st.integers(0, 6), min_size=s, max_size=s),
    st.integers(0, s // 2),
    st.integers(0, 2**32))))
def test_elite_rules_many_ties(args):
    values, n_elite, seed = args
    fitness = np.array(values, dtype=np.float64) / 7.0
    parents, keep = elite_parents(fitness, n_elite, state(seed))
    check_elite(fitness, n_elite, parents, keep)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 300).flatmap(lambda s: st.tuples(
    st.lists(st.floats(-2.0, 1.0, allow_nan=False), min_size=s, max_size=s),
    st.integers(0, s // 2),
    st.integers(0, 2**32))))
def test_elite_rules_continuous(args):
    values, n_elite, seed = args
    fitness = np.array(values, dtype=np.float64)
    parents, keep = elite_parents(fitness, n_elite, state(seed))
    check_elite(fitness, n_elite, parents, keep)


def test_elite_paper_sizes():
    gen = np.random.default_rng(1)
    fitness = np.round(gen.random(1000), 2) - 0.2 * gen.integers(0, 3, 1000)
    parents, keep = elite_parents(fitness, 300, state(1))
    check_elite(fitness, 300, parents, keep)


def test_zero_elite_is_identity():
    fitness = np.random.default_rng(2).random(50)
    parents, keep = elite_parents(fitness, 0, state())
    assert parents.tolist() == list(range(50))
    assert not keep.any()


@pytest.mark.parametrize("size", [2, 3, 10, 101])
def test_half_elite(size):
    fitness = np.random.default_rng(size).integers(0, 3, size).astype(float)
    parents, keep = elite_parents(fitness, size // 2, state(size))
    check_elite(fitness, size // 2, parents, keep)
    if size % 2 == 0:  # every row is either kept or overwritten
        assert keep.sum() + (parents != np.arange(size)).sum() == size


@pytest.mark.parametrize("size,n_elite", [(2, 1), (10, 5), (10, 3), (1000, 300)])
def test_all_equal_fitness(size, n_elite):
    fitness = np.full(size, 0.5)
    parents, keep = elite_parents(fitness, n_elite, state(3))
    check_elite(fitness, n_elite, parents, keep)


def test_hand_computed_example():
    # Best two are rows 4 (0.9) and 1 (0.8); worst two rows 2 (0.0) and 5 (0.1).
    fitness = np.array([0.5, 0.8, 0.0, 0.3, 0.9, 0.1])
    parents, keep = elite_parents(fitness, 2, state())
    assert np.flatnonzero(keep).tolist() == [1, 4]
    assert parents[[0, 1, 3, 4]].tolist() == [0, 1, 3, 4]
    assert sorted(parents[[2, 5]].tolist()) == [1, 4]


def test_ties_at_threshold_are_uniform():
    # S = 40, L = 10: 5 clear winners (3.0), 10 tied at the threshold (2.0) for
    # the other 5 elite slots, 25 tied at the bottom (1.0) for 10 replacements.
    fitness = np.array([3.0] * 5 + [2.0] * 10 + [1.0] * 25)
    gen_state = state(12345)
    trials = 4000
    top_hits = np.zeros(40, dtype=np.int64)
    low_hits = np.zeros(40, dtype=np.int64)
    subsets = Counter()
    for _ in range(trials):
        parents, keep = elite_parents(fitness, 10, gen_state)
        assert keep[:5].all() and keep[5:15].sum() == 5 and not keep[15:].any()
        top_hits += keep
        low_hits += parents != np.arange(40)
        subsets[tuple(np.flatnonzero(keep[5:15]))] += 1
    # Each tied row: Binomial(4000, 1/2), sigma ~ 31.6; allow 5 sigma.
    assert np.all(np.abs(top_hits[5:15] - trials / 2) < 5 * np.sqrt(trials / 4)), top_hits[5:15]
    # Bottom: each of 25 chosen with p = 10/25, sigma ~ 31.0.
    p = 10 / 25
    assert low_hits[:15].sum() == 0
    assert np.all(np.abs(low_hits[15:] - trials * p) < 5 * np.sqrt(trials * p * (1 - p))), low_hits[15:]
    # Whole subsets, not just margins: 252 possible 5-of-10 subsets, ~15.9 each.
    assert set(subsets) <= set(combinations(range(10), 5))
    assert len(subsets) >= 240


def test_registered_elite_uses_objective_column_zero():
    gen = np.random.default_rng(4)
    objectives = np.stack([gen.integers(0, 5, 60).astype(float), gen.random(60)], axis=1)
    entry = SELECTION.get("elite")
    params = EliteParams(elite=20)
    parents, keep = entry.fn(objectives, state(4), params)
    check_elite(objectives[:, 0].copy(), 20, parents, keep)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=200), st.data())
def test_kth_smallest_matches_sort(values, data):
    a = np.array(values, dtype=np.float64)
    k = data.draw(st.integers(0, a.size - 1))
    want = np.sort(a)
    work = a.copy()
    assert kth_smallest(work, k) == want[k]
    # reordered in place: a permutation, partitioned around position k
    assert np.array_equal(np.sort(work), want)
    assert (work[:k] <= work[k]).all() and (work[k + 1:] >= work[k]).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300), st.data())
def test_kth_smallest_floats(values, data):
    a = np.array(values, dtype=np.float64)
    k = data.draw(st.integers(0, a.size - 1))
    assert kth_smallest(a.copy(), k) == np.sort(a)[k]


def test_kth_smallest_sorted_and_reversed_inputs():
    for a in (np.arange(1000.0), np.arange(1000.0)[::-1].copy(), np.repeat([1.0, 0.0], 500)):
        for k in (0, 1, 499, 500, 998, 999):
            assert kth_smallest(a.copy(), k) == np.sort(a)[k]

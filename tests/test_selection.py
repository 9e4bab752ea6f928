"""evomod.selection: every strategy against independent facts: np.sort,
multiset arithmetic, exact selection probabilities (binomial tolerances),
DEAP's NSGA-II primitives, and brute-force enumerations of lexicase and of
stochastic Pareto dominance."""

import math
import random
from collections import Counter
from itertools import combinations, permutations, product

import numpy as np
import pytest
from deap import base, tools
from deap.tools.emo import assignCrowdingDist
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.stats import rankdata

from evomod import rng
from evomod import selection as S
from evomod.registry import ConfigError
from evomod.selection import SELECTION, EliteParams, elite_parents, kth_smallest, nsga
from evomod.selection import kernels as K


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


# --- helpers ------------------------------------------------------------------------

SIGMAS = 4.5  # tolerance of every frequency check: |count - n q| < 4.5 sd (+ 1 count)


def assert_frequencies(counts, probs, n):
    """Each count within SIGMAS binomial standard deviations of n * q; q = 0 never seen."""
    counts = np.asarray(counts, dtype=float)
    probs = np.asarray(probs, dtype=float)
    assert counts.sum() == n
    sd = np.sqrt(n * probs * (1 - probs))
    bad = np.abs(counts - n * probs) > SIGMAS * sd + 1
    assert not bad.any(), (counts[bad], (n * probs)[bad])
    assert (counts[probs == 0] == 0).all()


def run(name, objectives, st_, cases=None, **params):
    entry = SELECTION.get(name)
    return entry.fn(np.asarray(objectives, dtype=float), st_, entry.params(name=name, **params), cases)


def column(values):
    return np.asarray(values, dtype=float).reshape(-1, 1)


def draw_counts(name, objectives, calls, seed=0, **params):
    """How often each row is a parent over ``calls`` calls (S draws each)."""
    objectives = np.asarray(objectives, dtype=float)
    counts = np.zeros(objectives.shape[0], dtype=np.int64)
    gen_state = state(seed)
    for _ in range(calls):
        parents, keep = run(name, objectives, gen_state, **params)
        assert not keep.any()
        counts += np.bincount(parents, minlength=objectives.shape[0])
    return counts


def random_cases(gen, size, n_cases):
    words = (n_cases + 63) // 64
    return gen.integers(0, 2**63, (size, words), dtype=np.uint64) * np.uint64(2) + \
        gen.integers(0, 2, (size, words), dtype=np.uint64)


PARAMS = {"elite": {"elite": 2}, "deap:selTournament": {"args": {"tournsize": 3}}}


# --- every strategy -----------------------------------------------------------------

@pytest.mark.parametrize("name", SELECTION.names() + ["deap:selTournament", "deap:selNSGA2"])
@pytest.mark.parametrize("size,n_obj", [(5, 1), (64, 2), (257, 3)])
def test_every_strategy_returns_valid_arrays(name, size, n_obj):
    gen = np.random.default_rng(size + n_obj)
    objectives = gen.integers(0, 4, (size, n_obj)).astype(float)
    cases = (random_cases(gen, size, 70), 70) if name == "lexicase" else None
    outs = []
    for _ in range(2):
        st_ = state(7)
        parents, keep = run(name, objectives, st_, cases, **PARAMS.get(name, {}))
        outs.append((parents, keep, st_))
        assert parents.dtype == np.int64 and parents.shape == (size,)
        assert keep.dtype == np.bool_ and keep.shape == (size,)
        assert ((parents >= 0) & (parents < size)).all()
        assert (parents[keep] == np.flatnonzero(keep)).all()  # kept rows stay in place
        assert not keep.all()  # somebody is bred
    # reproducible: the same state gives the same result and advances alike
    for a, b in zip(outs[0], outs[1]):
        assert np.array_equal(a, b)


def test_registry_lists_patterns_and_names_the_key():
    with pytest.raises(ConfigError) as err:
        SELECTION.get("roulete")
    assert err.value.key == "selection.name"
    msg = str(err.value)
    assert "\n" not in msg and "deap:NAME" in msg and "tournament" in msg and "nsga2" in msg


def test_docstring_example_strategy_runs():
    doc = S.strategies.__doc__
    code = doc[doc.index("    import numpy as np"):doc.index("then ``[selection]")]
    namespace = {}
    try:
        exec(compile("\n".join(line[4:] for line in code.splitlines()), "doc", "exec"), namespace)
        entry = SELECTION.get("best-share")
        objectives = column(np.arange(10.0))
        parents, keep = entry.fn(objectives, state(), entry.params(share=0.3))
        assert set(parents.tolist()) <= {7, 8, 9} and not keep.any()
    finally:
        SELECTION._entries.pop("best-share", None)


# --- parameters: pydantic bounds and the population check hook --------------------

@pytest.mark.parametrize("name,table", [
    ("tournament", {"k": 0}), ("tournament", {"k": 2.0}), ("tournament", {"elite": -1}),
    ("rank", {"s": 0.99}), ("rank", {"s": 2.01}),
    ("truncation", {"fraction": 0.0}), ("truncation", {"fraction": 1.5}),
    ("stochastic_nsga2", {"p": -0.1}), ("stochastic_nsga2", {"p": 1.01}),
    ("nsga2", {"mu": -1}), ("mu_plus_lambda", {"mu": -3}), ("elite", {"elite": -1}),
    ("nsga2", {"p": 0.5}), ("roulette", {"k": 3}), ("lexicase", {"mu": 3}),
    ("deap:selBest", {"args": 3}),
])
def test_bad_params_rejected_by_pydantic(name, table):
    with pytest.raises(ValidationError):
        SELECTION.get(name).params.model_validate({"name": name, **table})


@pytest.mark.parametrize("params,population,key", [
    (S.EliteParams(elite=51), 100, "selection.elite"),
    (S.TournamentParams(k=11), 10, "selection.k"),
    (S.TournamentParams(elite=10), 10, "selection.elite"),
    (S.RankParams(elite=10), 10, "selection.elite"),
    (S.NSGA2Params(mu=100), 100, "selection.mu"),
    (S.StochasticNSGA2Params(mu=5), 5, "selection.mu"),
    (S.MuLambdaParams(mu=10), 10, "selection.mu"),
    (S.MuCommaLambdaParams(mu=11), 10, "selection.mu"),
    (S.NSGA2Params(), 1, "selection.mu"),  # default population // 2 = 0
    (S.DeapParams(name="deap:selTournament", args={"tournsize": 3, "bogus": 1}), 10, "selection.args"),
    (S.DeapParams(name="deap:selTournament"), 10, "selection.args"),  # tournsize missing
])
def test_check_hook_rejects(params, population, key):
    with pytest.raises(ConfigError) as err:
        S.check(params, population)
    assert err.value.key == key and "\n" not in str(err.value)
    assert str(err.value).startswith(key + " = ")


@pytest.mark.parametrize("params,population", [
    (S.EliteParams(elite=50), 100), (S.TournamentParams(k=10, elite=9), 10),
    (S.NSGA2Params(mu=99), 100), (S.NSGA2Params(), 2), (S.MuCommaLambdaParams(mu=10), 10),
    (S.LexicaseParams(), 3), (S.DeapParams(name="deap:selBest"), 10),
])
def test_check_hook_accepts(params, population):
    S.check(params, population)


def test_strategies_run_the_check_themselves():
    with pytest.raises(ConfigError):
        run("nsga2", np.zeros((4, 2)), state(), mu=4)
    with pytest.raises(ConfigError):
        run("tournament", np.zeros((4, 1)), state(), k=5)


# --- tournament, roulette, rank -----------------------------------------------------

def tournament_law(fitness, k):
    """P(row i wins) = ((w + g)^k - w^k) / (S^k g): w rows worse than i, g tied with i."""
    fitness = np.asarray(fitness)
    size = fitness.size
    worse = np.array([(fitness < f).sum() for f in fitness])
    tied = np.array([(fitness == f).sum() for f in fitness])
    return ((worse + tied) ** k - worse ** k) / (size ** k * tied)


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_tournament_frequencies(k):
    fitness = [0.5, 0.1, 0.9, 0.5, 0.3, 0.9, 0.9, 0.0, 0.7, 0.2]  # ties at 0.5 and 0.9
    calls = 2000
    counts = draw_counts("tournament", column(fitness), calls, seed=k, k=k)
    assert_frequencies(counts, tournament_law(fitness, k), calls * len(fitness))


def test_roulette_frequencies_shift_negative():
    fitness = np.array([-1.0, 0.0, 0.5, 2.0, 2.0, 3.5, -1.0, 1.0])
    weights = fitness + 1.0  # shifted so that the minimum is 0
    calls = 2500
    counts = draw_counts("roulette", column(fitness), calls, seed=3)
    assert_frequencies(counts, weights / weights.sum(), calls * fitness.size)


def test_roulette_frequencies_positive_unshifted():
    fitness = np.array([0.0, 1.0, 2.0, 0.25, 4.0, 0.0])
    calls = 2500
    counts = draw_counts("roulette", column(fitness), calls, seed=4)
    assert_frequencies(counts, fitness / fitness.sum(), calls * fitness.size)


@pytest.mark.parametrize("value", [-2.0, 0.0, 3.0])
def test_roulette_all_equal_is_uniform(value):
    calls = 2000
    counts = draw_counts("roulette", column(np.full(7, value)), calls, seed=5)
    assert_frequencies(counts, np.full(7, 1 / 7), calls * 7)


def test_wheel_never_draws_zero_weights():
    weights = np.array([0.0, 1e-300, 0.0, 1.0, 0.0, 1e300, 0.0])
    parents = K.wheel_parents(weights, 100_000, state(9))
    assert set(np.unique(parents).tolist()) <= {1, 3, 5}


@pytest.mark.parametrize("s", [1.0, 1.5, 2.0])
def test_rank_frequencies(s):
    fitness = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    size = fitness.size
    r = rankdata(fitness, method="average") - 1  # 0 = worst, ties share the average
    probs = (2 - s + 2 * (s - 1) * r / (size - 1)) / size
    calls = 2500
    counts = draw_counts("rank", column(fitness), calls, seed=int(10 * s), s=s)
    assert_frequencies(counts, probs, calls * size)


@pytest.mark.parametrize("name", ["tournament", "roulette", "rank", "truncation"])
def test_generational_elite_rows_kept(name):
    gen = np.random.default_rng(11)
    fitness = gen.integers(0, 6, 40).astype(float)
    for seed in range(20):
        parents, keep = run(name, column(fitness), state(seed), elite=7)
        kept = np.flatnonzero(keep)
        assert kept.size == 7
        assert sorted(fitness[kept].tolist()) == np.sort(fitness)[-7:].tolist()
        assert (parents[kept] == kept).all()


# --- truncation, (mu + lambda), (mu, lambda) ----------------------------------------

values_and_seed = st.integers(2, 80).flatmap(lambda s: st.tuples(
    st.lists(st.integers(0, 5), min_size=s, max_size=s), st.integers(0, 2**32)))


@settings(max_examples=100, deadline=None)
@given(values_and_seed, st.floats(0.01, 1.0))
def test_truncation_draws_from_the_best_fraction(args, fraction):
    values, seed = args
    fitness = np.array(values, dtype=float)
    n = max(1, int(fraction * fitness.size + 0.5))
    parents, keep = run("truncation", column(fitness), state(seed), fraction=fraction)
    assert not keep.any()
    threshold = np.sort(fitness)[-n]
    assert (fitness[parents] >= threshold).all()
    assert np.unique(parents).size <= n


def test_truncation_uniform_over_the_best():
    fitness = np.arange(20.0)[::-1].copy()  # rows 0..4 are the best quarter
    calls = 2000
    counts = draw_counts("truncation", column(fitness), calls, seed=2, fraction=0.25)
    assert_frequencies(counts, np.r_[np.full(5, 0.2), np.zeros(15)], calls * 20)


@settings(max_examples=150, deadline=None)
@given(values_and_seed, st.data())
def test_mu_plus_lambda_rules(args, data):
    values, seed = args
    fitness = np.array(values, dtype=float)
    size = fitness.size
    mu = data.draw(st.integers(1, size - 1))
    parents, keep = run("mu_plus_lambda", column(fitness), state(seed), mu=mu)
    kept = np.flatnonzero(keep)
    assert kept.size == mu
    assert sorted(fitness[kept].tolist()) == np.sort(fitness)[size - mu:].tolist()
    assert (parents[kept] == kept).all()
    assert set(parents[~keep].tolist()) <= set(kept.tolist())


@settings(max_examples=150, deadline=None)
@given(values_and_seed, st.data())
def test_mu_comma_lambda_rules(args, data):
    values, seed = args
    fitness = np.array(values, dtype=float)
    size = fitness.size
    mu = data.draw(st.integers(1, size))
    parents, keep = run("mu_comma_lambda", column(fitness), state(seed), mu=mu)
    assert not keep.any()
    chosen = np.unique(parents)
    assert chosen.size <= mu
    assert (fitness[chosen] >= np.sort(fitness)[size - mu]).all()


def test_mu_defaults_to_half():
    fitness = np.arange(10.0)
    parents, keep = run("mu_plus_lambda", column(fitness), state())
    assert np.flatnonzero(keep).tolist() == [5, 6, 7, 8, 9]


@settings(max_examples=100, deadline=None)
@given(values_and_seed, st.data())
def test_top_rows_matches_sort(args, data):
    values, seed = args
    fitness = np.array(values, dtype=float)
    n = data.draw(st.integers(0, fitness.size))
    rows = K.top_rows(fitness, n, state(seed))
    assert np.unique(rows).size == n
    assert sorted(fitness[rows].tolist()) == np.sort(fitness)[fitness.size - n:].tolist()


# --- NSGA-II against DEAP -----------------------------------------------------------

class Ind:
    __slots__ = ("index", "fitness")

    def __init__(self, index, fitness):
        self.index, self.fitness = index, fitness


def deap_individuals(objectives):
    fitness = type("Fit", (base.Fitness,), {"weights": (1.0,) * objectives.shape[1]})
    return [Ind(i, fitness(tuple(row))) for i, row in enumerate(objectives.tolist())]


def deap_reference(objectives, mu):
    """DEAP's selNSGA2, each front listed in row order: (survivor rows in
    order, rank per row, crowding per row) from sortNondominated and
    assignCrowdingDist (ranks and crowding only for the fronts needed)."""
    size = objectives.shape[0]
    fronts = tools.sortNondominated(deap_individuals(objectives), mu)
    fronts = [sorted(f, key=lambda ind: ind.index) for f in fronts]
    rank = np.full(size, -1)
    crowd = np.zeros(size)
    for r, front in enumerate(fronts):
        assignCrowdingDist(front)
        for ind in front:
            rank[ind.index] = r
            crowd[ind.index] = ind.fitness.crowding_dist
    chosen = [ind.index for front in fronts[:-1] for ind in front]
    last = sorted(fronts[-1], key=lambda ind: ind.fitness.crowding_dist, reverse=True)
    chosen += [ind.index for ind in last[:mu - len(chosen)]]
    return chosen, rank, crowd, len(fronts)


grid_objectives = st.tuples(st.integers(1, 40), st.integers(1, 3)).flatmap(
    lambda sm: st.lists(st.lists(st.integers(0, 4), min_size=sm[1], max_size=sm[1]),
                        min_size=sm[0], max_size=sm[0])).map(lambda rows: np.array(rows, dtype=float))
float_objectives = st.tuples(st.integers(1, 40), st.integers(1, 3)).flatmap(
    lambda sm: st.lists(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=sm[1], max_size=sm[1]),
                        min_size=sm[0], max_size=sm[0])).map(lambda rows: np.array(rows, dtype=float))


@settings(max_examples=200, deadline=None)
@given(st.one_of(grid_objectives, float_objectives), st.data())
def test_nsga2_survivors_match_deap(objectives, data):
    size = objectives.shape[0]
    mu = data.draw(st.integers(1, size))
    want, want_rank, want_crowd, n_fronts = deap_reference(objectives, mu)
    listing = np.arange(size)
    full, _ = nsga.front_ranks(objectives, 1.0, state(), size)
    deap_full = deap_reference(objectives, size)[1]
    assert np.array_equal(full, deap_full)  # every front, as sets
    rank, _ = nsga.front_ranks(objectives, 1.0, state(), mu)
    assert nsga.fronts_needed(rank, mu) == n_fronts
    crowd = nsga.crowding_distance(objectives, rank, n_fronts, listing)
    needed = want_rank >= 0
    assert np.array_equal(rank[needed], want_rank[needed])
    assert np.array_equal(crowd[needed], want_crowd[needed])  # same floats, infinities included
    assert nsga.survivors(rank, crowd, mu, listing).tolist() == want


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 40), st.integers(2, 3), st.data())
def test_nsga2_strategy_keeps_selNSGA2_survivors(size, n_obj, data):
    # distinct values per column: DEAP's crowding does not depend on its front order
    columns = [data.draw(st.permutations(range(size))) for _ in range(n_obj)]
    objectives = np.array(columns, dtype=float).T * 0.37
    mu = data.draw(st.integers(1, size - 1))
    chosen = [ind.index for ind in tools.selNSGA2(deap_individuals(objectives), mu)]
    _, rank, crowd, _ = deap_reference(objectives, mu)
    parents, keep = run("nsga2", objectives, state(data.draw(st.integers(0, 2**32))), mu=mu)
    kept = np.flatnonzero(keep)
    assert sorted(rank[kept].tolist()) == sorted(rank[chosen].tolist())
    assert sorted(crowd[kept].tolist()) == sorted(crowd[chosen].tolist())
    last = rank[chosen].max()
    cut = np.sort(crowd[rank == last])[::-1]
    n_last = (rank[chosen] == last).sum()
    if n_last == cut.size or cut[n_last - 1] != cut[n_last]:  # no tie at the cut
        assert set(kept.tolist()) == set(chosen)
    # every other row copies a survivor: the binary tournament winner
    assert set(parents[~keep].tolist()) <= set(kept.tolist())


@settings(max_examples=100, deadline=None)
@given(st.one_of(grid_objectives, float_objectives))
def test_rank_kernels_agree(objectives):
    size, n_obj = objectives.shape
    want = deap_reference(objectives, size)[1]
    pairwise, _ = nsga.ranks_pairwise(objectives, 1.0, state(), size)
    assert np.array_equal(pairwise, want)
    if n_obj == 2:
        x0, x1 = objectives[:, 0].copy(), objectives[:, 1].copy()
        assert np.array_equal(nsga.ranks_2d(x0, x1)[0], want)
        assert np.array_equal(nsga.ranks_stochastic_2d(x0, x1, 1.0, state())[0], want)


def test_nsga2_one_objective_is_ranking():
    gen = np.random.default_rng(8)
    values = gen.integers(0, 12, 200).astype(float)
    rank, n_fronts = nsga.front_ranks(column(values), 1.0, state(), 200)
    distinct, inverse = np.unique(-values, return_inverse=True)
    assert np.array_equal(rank, inverse) and n_fronts == distinct.size
    for seed in range(30):
        parents, keep = run("nsga2", column(values), state(seed), mu=70)
        assert sorted(values[keep].tolist()) == np.sort(values)[-70:].tolist()
        assert set(parents[~keep].tolist()) <= set(np.flatnonzero(keep).tolist())


def test_nsga2_one_objective_tournament_law():
    # distinct values: survivor r (0 = best of mu) wins a tournament of two distinct
    # random survivors with probability 2 (mu - 1 - r) / (mu (mu - 1))
    size, mu = 12, 5
    values = np.arange(size, dtype=float)
    counts = np.zeros(mu)
    gen_state = state(21)
    calls = 3000
    for _ in range(calls):
        parents, keep = run("nsga2", column(values), gen_state, mu=mu)
        assert np.flatnonzero(keep).tolist() == list(range(size - mu, size))
        counts += np.bincount(size - 1 - parents[~keep], minlength=mu)
    r = np.arange(mu)
    assert_frequencies(counts, 2 * (mu - 1 - r) / (mu * (mu - 1)), calls * (size - mu))


# --- stochastic NSGA-II ----------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(st.one_of(grid_objectives, float_objectives).filter(lambda o: o.shape[0] >= 2), st.data())
def test_stochastic_nsga2_extremes(objectives, data):
    size = objectives.shape[0]
    mu = data.draw(st.integers(1, size - 1))
    seed = data.draw(st.integers(0, 2**32))
    a, b = state(seed), state(seed)
    want = run("nsga2", objectives, a, mu=mu)
    got = run("stochastic_nsga2", objectives, b, mu=mu, p=1.0)
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1])
    assert np.array_equal(a, b)
    a, b = state(seed), state(seed)
    want = run("nsga2", objectives[:, :1], a, mu=mu)
    got = run("stochastic_nsga2", objectives, b, mu=mu, p=0.0)
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1])
    assert np.array_equal(a, b)


def peel(dominates, size):
    """Deb's fronts from a dominance predicate, the slow obvious way (cycles:
    the rows with fewest dominators left form the next front)."""
    rank = [None] * size
    left = set(range(size))
    r = 0
    while left:
        count = {b: sum(dominates(a, b) for a in left if a != b) for b in left}
        least = min(count.values())  # 0 unless a dominance cycle: then the least dominated
        front = [b for b in left if count[b] == least]
        for b in front:
            rank[b] = r
        left -= set(front)
        r += 1
    return tuple(rank)


def stochastic_rank_law(objectives, p):
    """Exact law of the rank vector: enumerate which objectives every pair considers
    (``p``: one probability for every objective after the first, or a list with one per column)."""
    size, n_obj = objectives.shape
    ps = list(p) if isinstance(p, (list, tuple)) else [1.0] + [p] * (n_obj - 1)
    slots = [(a, b, k) for a in range(size) for b in range(a + 1, size) for k in range(1, n_obj)]
    law = Counter()
    for mask in product([False, True], repeat=len(slots)):
        weight = math.prod(ps[k] if m else 1 - ps[k] for m, (_, _, k) in zip(mask, slots))
        used = {(a, b): [0] for a in range(size) for b in range(a + 1, size)}
        for (a, b, k), m in zip(slots, mask):
            if m:
                used[a, b].append(k)

        def dominates(a, b):
            ks = used[min(a, b), max(a, b)]
            x, y = objectives[a, ks], objectives[b, ks]
            return bool((x >= y).all() and (x > y).any())

        law[peel(dominates, size)] += weight
    return law


@pytest.mark.parametrize("objectives", [
    [[3, 0], [2, 2], [2, 1], [1, 3]],
    [[3, 0], [3, 2], [1, 1], [0, 3], [2, 2]],
    [[3, 0, 1], [2, 2, 0], [2, 1, 1], [1, 3, 3]],
    [[0, 2, 0], [0, 1, 1], [0, 3, 0], [1, 0, 0]],  # rows 0 -> 1 -> 2 -> 0 can cycle
])
@pytest.mark.parametrize("kernel", ["front_ranks", "pairwise"])
def test_stochastic_dominance_law(objectives, kernel):
    objectives = np.array(objectives, dtype=float)
    size = objectives.shape[0]
    p = 0.25
    law = stochastic_rank_law(objectives, p)
    gen_state = state(len(objectives) + len(kernel))
    seen = Counter()
    n = 6000
    for _ in range(n):
        if kernel == "pairwise":
            rank, _ = nsga.ranks_pairwise(objectives, p, gen_state, size)
        else:
            rank, _ = nsga.front_ranks(objectives, p, gen_state, size)
        seen[tuple(rank.tolist())] += 1
    assert set(seen) <= {k for k, q in law.items() if q > 0}
    outcomes = sorted(law)
    assert_frequencies([seen[o] for o in outcomes], [law[o] for o in outcomes], n)


@pytest.mark.parametrize("objectives", [
    [[3, 0, 1], [2, 2, 0], [2, 1, 1], [1, 3, 3]],
    [[0, 2, 0], [0, 1, 1], [0, 3, 0], [1, 0, 0]],
])
def test_stochastic_dominance_law_per_objective(objectives):
    """Objective 1 considered with probability 0.25, objective 2 always (Mengistu
    et al. 2016: cost and diversity): the ranks follow the exact law."""
    objectives = np.array(objectives, dtype=float)
    size = objectives.shape[0]
    ps = [1.0, 0.25, 1.0]
    law = stochastic_rank_law(objectives, ps)
    gen_state = state(7)
    seen = Counter()
    n = 6000
    for _ in range(n):
        rank, _ = nsga.front_ranks_each(objectives, np.array(ps), gen_state, size)
        seen[tuple(rank.tolist())] += 1
    assert set(seen) <= {k for k, q in law.items() if q > 0}
    outcomes = sorted(law)
    assert_frequencies([seen[o] for o in outcomes], [law[o] for o in outcomes], n)


def test_per_objective_dominance_across_words():
    """Pairs 64+ rows apart (another word of the bit sets): row 100 has one
    possible dominator, row 0, which dominates it unless the stochastic
    objective (p = 0.25) is considered and favours row 100."""
    size, n, p = 130, 4000, 0.25
    ps = np.array([1.0, p, 1.0])
    ahead = np.zeros((size, 3))
    ahead[:, 0] = 200 - np.arange(size)  # rows in order of objective 0
    ahead[[0, 100], 2] = 1  # the deterministic objective: only row 0 keeps up with row 100
    ahead[100, 1] = 1  # row 100 ahead of row 0 on the stochastic one
    tied = np.zeros((size, 3))  # one value of objective 0: the stochastic one decides
    tied[0, 1], tied[100, 1] = 2, 1
    gen_state = state(11)
    top = Counter()
    for _ in range(n):
        top["ahead"] += nsga.front_ranks_each(ahead, ps, gen_state, size)[0][100] == 0
        rank, _ = nsga.front_ranks_each(tied, ps, gen_state, size)
        top["tied"] += rank[100] == 0  # row 0 dominates it when considered
        top["b"] += rank[50] == 0  # rows 0 and 100 (a later row) each dominate row 50 when considered
    assert_frequencies([top["ahead"], n - top["ahead"]], [p, 1 - p], n)
    assert_frequencies([top["tied"], n - top["tied"]], [1 - p, p], n)
    assert_frequencies([top["b"], n - top["b"]], [(1 - p) ** 2, 1 - (1 - p) ** 2], n)
    # a probability of 0 ignores the objective: the deterministic ranks of the others
    ignore = np.array([1.0, 0.0, 1.0])
    assert np.array_equal(nsga.front_ranks_each(ahead, ignore, gen_state, size)[0],
                          nsga.ranks_pairwise(ahead[:, [0, 2]].copy(), 1.0, state(0), size)[0])


def test_p_each_one_is_nsga2_and_zero_drops_the_column():
    rng = np.random.default_rng(4)
    objectives = np.round(rng.random((150, 3)) * 5)  # many ties on every column
    a, b = state(9), state(9)
    want = run("nsga2", objectives, a, mu=60)
    got = run("stochastic_nsga2", objectives, b, mu=60, p_each=[1.0, 1.0])
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1]) and np.array_equal(a, b)
    a, b = state(9), state(9)
    want = run("nsga2", objectives[:, [0, 2]], a, mu=20)
    got = run("stochastic_nsga2", objectives, b, mu=20, p_each=[0.0, 1.0])
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1]) and np.array_equal(a, b)


def test_p_each_needs_one_probability_per_separate_objective():
    from evomod import config
    from evomod.registry import ConfigError

    sets = ["selection.name=stochastic_nsga2", "selection.mu=50", "population=100"]
    with pytest.raises(ConfigError, match="selection.p_each"):
        config.load("clune2013-pcc", [*sets, "selection.p_each=[0.25, 1.0]"])
    with pytest.raises(ConfigError, match="selection.p_each"):
        config.load("clune2013-pcc", [*sets, "selection.p_each=[1.5]"])
    ok = config.load("clune2013-pcc", [*sets, "objectives.separate=['wiring', 'diversity']",
                                       "selection.p_each=[0.25, 1.0]"])
    assert ok.selection.p_each == [0.25, 1.0]


def test_bernoulli_word_rate():
    for p in (0.25, 0.3, 0.9):
        p_bits, n_bits = nsga._bits_of(p)
        gen_state = state(int(p * 100))
        words = np.array([nsga.bernoulli_word(gen_state, p_bits, n_bits) for _ in range(2000)],
                         dtype=np.uint64)
        ones = int(np.unpackbits(words.view(np.uint8)).sum())
        assert_frequencies([ones, 128_000 - ones], [p, 1 - p], 128_000)


# --- lexicase ---------------------------------------------------------------------------

def pack(rows, n_cases):
    """Pass sets -> uint64 (S, W) bits."""
    bits = np.zeros((len(rows), (n_cases + 63) // 64), dtype=np.uint64)
    for i, passed in enumerate(rows):
        for c in passed:
            bits[i, c // 64] |= np.uint64(1) << np.uint64(c % 64)
    return bits


def lexicase_law(rows, n_cases):
    """Exact selection probabilities of lexicase on the individuals (no grouping):
    average over every case order of the uniform pick among the survivors."""
    size = len(rows)
    probs = np.zeros(size)
    orders = list(permutations(range(n_cases)))
    for order in orders:
        pool = list(range(size))
        for c in order:
            if len(pool) == 1:
                break
            passing = [i for i in pool if c in rows[i]]
            if passing:
                pool = passing
        for i in pool:
            probs[i] += 1 / len(pool) / len(orders)
    return probs


def lexicase_counts(rows, n_cases, calls, seed, junk=False):
    bits = pack(rows, n_cases)
    if junk:  # bits past n_cases must be ignored
        bits[:, -1] |= np.uint64(0xFFFF) << np.uint64(48)
    counts = np.zeros(len(rows), dtype=np.int64)
    gen_state = state(seed)
    for _ in range(calls):
        parents, keep = run("lexicase", np.zeros((len(rows), 1)), gen_state, cases=(bits, n_cases))
        assert not keep.any()
        counts += np.bincount(parents, minlength=len(rows))
    return counts


def test_lexicase_hand_example():
    # A passes only case 0, which nobody else passes: chosen iff case 0 comes first
    # (1/3), shared with its twin A2. D's {1, 2} covers B's {1} and C's {2}: D gets
    # the rest, B and C are never chosen.
    rows = [{0}, {1}, {2}, {1, 2}, {0}]
    want = np.array([1 / 6, 0, 0, 2 / 3, 1 / 6])
    assert np.allclose(lexicase_law(rows, 3), want)
    calls = 2000
    assert_frequencies(lexicase_counts(rows, 3, calls, seed=1, junk=True), want, calls * 5)


def test_lexicase_grouping_keeps_the_law():
    gen = random.Random(5)
    distinct = [set(c for c in range(5) if gen.random() < 0.5) for _ in range(6)]
    rows = [distinct[gen.randrange(6)] for _ in range(14)]  # many duplicates
    want = lexicase_law(rows, 5)
    calls = 1500
    assert_frequencies(lexicase_counts(rows, 5, calls, seed=2), want, calls * len(rows))


def test_lexicase_converged_population_is_uniform():
    rows = [{0, 3, 70}] * 9
    calls = 1000
    assert_frequencies(lexicase_counts(rows, 100, calls, seed=3), np.full(9, 1 / 9), calls * 9)


def test_lexicase_needs_cases():
    with pytest.raises(ValueError, match="cases"):
        run("lexicase", np.zeros((4, 1)), state())
    with pytest.raises(ValueError, match="n_cases"):
        run("lexicase", np.zeros((4, 1)), state(), cases=(np.zeros((4, 1), np.uint64), 65))


def test_case_groups_and_transpose():
    gen = np.random.default_rng(6)
    bits = random_cases(gen, 300, 150)
    bits[100:220] = bits[7]
    reps, starts, members, masked = K.case_groups(bits, 150)
    assert len(reps) == np.unique(masked, axis=0).shape[0] == 180
    for g in range(len(reps)):  # every group: identical vectors; all rows covered once
        rows = members[starts[g]:starts[g + 1]]
        assert (masked[rows] == masked[reps[g]]).all()
    assert sorted(members.tolist()) == list(range(300))
    table = K.case_major(masked, reps, 150)
    passes = np.unpackbits(masked[reps].view(np.uint8), axis=1, bitorder="little")[:, :150]
    by_case = np.unpackbits(table.view(np.uint8), axis=1, bitorder="little")[:, :len(reps)]
    assert np.array_equal(passes.T, by_case)


# --- deap:NAME ------------------------------------------------------------------------

def test_deap_selBest_returns_the_best():
    gen = np.random.default_rng(12)
    objectives = np.stack([gen.permutation(50) * 0.5, gen.random(50)], axis=1)
    parents, keep = run("deap:selBest", objectives, state())
    assert parents.tolist() == np.argsort(-objectives[:, 0]).tolist()
    assert not keep.any()


def test_deap_adapter_is_reproducible_and_restores_random():
    objectives = np.random.default_rng(13).random((40, 1))
    random.seed(99)
    before = random.getstate()
    np_before = np.random.get_state()[1].copy()
    a = run("deap:selTournament", objectives, state(4), args={"tournsize": 3})
    b = run("deap:selTournament", objectives, state(4), args={"tournsize": 3})
    c = run("deap:selTournament", objectives, state(5), args={"tournsize": 3})
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])
    assert random.getstate() == before
    assert np.array_equal(np.random.get_state()[1], np_before)


def test_deap_unknown_operator_lists_names():
    with pytest.raises(ConfigError) as err:
        SELECTION.get("deap:selFoo")
    msg = str(err.value)
    assert err.value.key == "selection.name" and "\n" not in msg
    assert "deap:selBest" in msg and "deap:selNSGA2" in msg and "deap:selTournament" in msg
    assert set(S.deap_operators()) >= {"selBest", "selTournament", "selNSGA2", "selLexicase"}


def test_multi_objective_flags():
    flagged = {n for n in SELECTION.names() if getattr(SELECTION.get(n).fn, "multi_objective", False)}
    assert flagged == {"nsga2", "stochastic_nsga2"}
    assert SELECTION.get("deap:selNSGA2").fn.multi_objective


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3) | st.floats(-1e9, 1e9, allow_nan=False), max_size=300))
def test_argsort_stable_matches_numpy(values):
    keys = np.array(values, dtype=float)
    assert K.argsort_stable(keys).tolist() == np.argsort(keys, kind="stable").tolist()

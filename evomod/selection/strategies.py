"""Selection strategies: objective arrays -> parent indices.

A strategy is one function registered in ``SELECTION`` with the pydantic
model of its ``[selection]`` table (a subclass of ``SelectionParams``)::

    parents, keep = strategy(objectives, state, params, cases=None)

``objectives``
    ``float64 (S, M)``, larger is better. Column 0 is the (scalarised)
    fitness or performance, columns 1.. further objectives (costs already
    negated). Single-objective strategies read column 0 only.
``state``
    The run's xoshiro state, ``uint64[4]`` (``evomod.rng``), advanced in
    place: the same state and inputs give the same result.
``params``
    The validated ``[selection]`` table.
``cases``
    ``None``, or ``(bits, n_cases)`` with ``bits`` ``uint64 (S, W)``: bit c
    (bit ``c % 64`` of word ``c // 64``) set when the individual passes test
    case c, ``n_cases <= 64 W``. Only ``lexicase`` reads it (and needs it).

It returns ``parents``, ``int64 (S,)``: row i of the next population is a
copy of row ``parents[i]``; and ``keep``, ``bool (S,)``: the rows that pass
unchanged (elites, survivors; ``parents[i] == i`` there). The other rows go
through mutation (``pm``) and crossover (``pc``). Keeping a row where it is
is free; the engine copies only the other rows. Ties are broken at random.
Objective values must be finite. A strategy that reads columns 1.. marks
its function ``multi_objective = True`` (config validation allows several
objective columns only then).

Writing your own: one decorated function (and, if it has parameters, a
params model), e.g. in a module imported before the config is read::

    import numpy as np
    from pydantic import Field
    from evomod import rng
    from evomod.selection import SELECTION, SelectionParams

    class BestShareParams(SelectionParams):
        name: str = "best-share"
        share: float = Field(0.5, gt=0.0, le=1.0, description="share of rows that breed")

    @SELECTION.register("best-share", BestShareParams)
    def best_share(objectives, state, params, cases=None):
        size = objectives.shape[0]
        order = np.argsort(-objectives[:, 0], kind="stable")  # best first
        picks = np.empty(size, dtype=np.int64)
        rng.fill_below(state, max(1, int(params.share * size)), picks)
        return order[picks], np.zeros(size, dtype=np.bool_)

then ``[selection] name = "best-share"``. Population-dependent rules go in a
``check(params, population)`` passed as ``register(..., check=check)``; it
raises ``ConfigError(message, key="selection.KEY")`` and ``check`` below
runs it. Put loops over the population in ``@njit(cache=True)`` kernels
that draw from ``state`` (``evomod.rng.below``, ``uniform``): a strategy
runs every generation.

Built in (kernels in ``evomod.selection.kernels`` and ``evomod.selection.nsga``):

* ``elite``: Kashtan & Alon (2005): the L best kept, the L worst replaced by
  copies of them, everyone else mutated in place.
* ``tournament`` (k entrants drawn with replacement, ties at random),
  ``roulette`` (P proportional to column 0, shifted up by -min when the
  minimum is negative, so the worst row then gets P = 0; uniform when all
  weights are 0, e.g. all values equal), ``rank`` (Baker's linear ranking,
  selective pressure s: P(rank r) = (2 - s + 2 (s - 1) r / (S - 1)) / S, r = 0
  the worst; ties share their average rank), ``truncation`` (uniform over
  the best ``fraction * S`` rows, rounded half up, at least 1; ties at the
  cut at random): generational, nothing
  kept, except the ``elite`` best rows (default 0), kept in place.
* ``mu_plus_lambda``: the best mu kept in place, every other row a copy of
  a uniform random one of them, mutated. ``mu_comma_lambda``: every row a
  copy of a uniform random one of the best mu, nothing kept.
* ``nsga2``: the S rows are NSGA-II's merged parent + offspring pool.
  The mu survivors (fronts of the fast non-dominated sort over all M
  columns, the last front cut by crowding distance, largest first) are
  kept in place; every other row is a copy of the winner of a binary
  tournament between two distinct random survivors (lower front, then
  larger crowding distance, then a coin flip), mutated. With M = 1 the
  fronts are the distinct values of column 0: survivors are the mu best
  (ties at the cut at random) and tournaments compare column 0, equal
  values by crowding distance, then a coin (Clune et al.'s PA treatment).
  Ties in crowding are broken by a random listing order, so no row
  position is favoured.
* ``stochastic_nsga2``: Clune, Mouret & Lipson (2013): as ``nsga2``, but in
  every dominance test objective 0 counts and each further objective only
  with probability p (draws from ``state``). p = 1 is ``nsga2`` exactly (same
  state, same result); p = 0 ignores columns 1.. entirely, crowding
  included, so it is ``nsga2`` on column 0 alone (for 0 < p crowding uses
  every column).
* ``lexicase`` (Spector 2012; Helmuth et al. 2015) on ``cases``: each of S
  events filters the population case by case in a random order, keeping
  those that pass when any does, until one is left or the cases run out;
  then a uniform pick. Identical case vectors are grouped first.
* ``deap:NAME``: any ``deap.tools.sel*`` operator, the slow path (Python
  objects, ~ms per call) for comparison and prototyping, e.g.
  ``name = "deap:selTournament"``, ``args = {tournsize = 3}``. The operator
  gets S individuals carrying the objective rows as fitness (weights all
  +1; ``len(ind)`` is 1) and ``k = S``; stdlib ``random`` (and NumPy's
  global generator) are seeded from ``state`` for the call and restored
  after it. Nothing is kept.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from evomod.registry import ConfigError, Registry, Section
from evomod.selection import kernels as _k
from evomod.selection import nsga as _nsga
from evomod.selection.kernels import elite_parents, kth_smallest

__all__ = [
    "SELECTION", "SelectionParams", "EliteParams", "GenerationalParams", "TournamentParams",
    "RouletteParams", "RankParams", "TruncationParams", "MuLambdaParams", "MuCommaLambdaParams",
    "NSGA2Params", "StochasticNSGA2Params", "LexicaseParams", "check",
    "elite_parents", "kth_smallest",
]

SELECTION = Registry("selection strategy", "selection", "evomod.selection")

_MU_HELP = "mu: the best mu rows breed (mu_plus_lambda: and are kept); 0 means population // 2"


# --- parameter models --------------------------------------------------------------

class SelectionParams(Section):
    """Parameters every strategy has: its name and the variation rates."""

    name: str = Field("elite", description="selection strategy")
    pm: float = Field(0.7, ge=0.0, le=1.0, description=(
        "probability that a non-elite genome mutates: one random locus redrawn "
        "(Kashtan & Alon 0.7; reported second-hand, not checked against the paper)"))
    pc: float = Field(0.0, ge=0.0, le=1.0, description=(
        "probability of one-point crossover with a random selected parent "
        "(Kashtan & Alon: none in the main runs)"))


class EliteParams(SelectionParams):
    elite: int = Field(300, ge=0, description=(
        "L: the L best pass unchanged and the L worst are replaced by copies of them; "
        "must be <= population/2 (Kashtan & Alon: L = 300 of S = 1000)"))


class GenerationalParams(SelectionParams):
    """Generational strategies: every row is bred, but for ``elite`` kept ones."""

    elite: int = Field(0, ge=0, description=(
        "the elite best rows (column 0, ties at random) pass unchanged in place; "
        "must be < population"))


class TournamentParams(GenerationalParams):
    name: str = Field("tournament", description="selection strategy")
    k: int = Field(3, ge=1, description="tournament size, entrants drawn with replacement")


class RouletteParams(GenerationalParams):
    name: str = Field("roulette", description="selection strategy")


class RankParams(GenerationalParams):
    name: str = Field("rank", description="selection strategy")
    s: float = Field(1.5, ge=1.0, le=2.0, description=(
        "selective pressure: expected copies of the best (1 = uniform, 2 = the worst never)"))


class TruncationParams(GenerationalParams):
    name: str = Field("truncation", description="selection strategy")
    fraction: float = Field(0.5, gt=0.0, le=1.0, description=(
        "parents are drawn uniformly from the best fraction * population rows (rounded half up, >= 1)"))


class MuLambdaParams(SelectionParams):
    name: str = Field("mu_plus_lambda", description="selection strategy")
    mu: int = Field(0, ge=0, description=_MU_HELP)


class MuCommaLambdaParams(MuLambdaParams):
    name: str = Field("mu_comma_lambda", description="selection strategy")


class NSGA2Params(SelectionParams):
    name: str = Field("nsga2", description="selection strategy")
    mu: int = Field(0, ge=0, description="survivors of the merged pool; 0 means population // 2")


class StochasticNSGA2Params(NSGA2Params):
    name: str = Field("stochastic_nsga2", description="selection strategy")
    p: float = Field(0.25, ge=0.0, le=1.0, description=(
        "probability that a dominance test considers each objective after the first "
        "(Clune et al. 2013: 0.25 for the connection cost)"))


class LexicaseParams(SelectionParams):
    name: str = Field("lexicase", description="selection strategy")


# --- population-dependent checks -------------------------------------------------

def check(params: SelectionParams, population: int) -> None:
    """Check ``params`` against the population size; raises ``ConfigError``
    naming the key (e.g. ``selection.mu``). Call it from config validation."""
    entry = SELECTION.get(params.name)
    if entry.check is not None:
        entry.check(params, population)


def _fail(key: str, value, rule: str):
    raise ConfigError(f"selection.{key} = {value!r}: {rule}", f"selection.{key}")


def _check_elite(params, population):
    if 2 * params.elite > population:
        _fail("elite", params.elite, f"must be <= population/2 = {population // 2}")


def _check_generational(params, population):
    if params.elite >= population:
        _fail("elite", params.elite, f"must be < population = {population}")


def _check_tournament(params, population):
    _check_generational(params, population)
    if params.k > population:
        _fail("k", params.k, f"must be <= population = {population}")


def _mu(params, population, below_population):
    """mu after its default; ``below_population``: some row must be bred."""
    mu = params.mu or population // 2
    if mu < 1:
        _fail("mu", params.mu, f"population // 2 = {mu}: must be >= 1")
    if below_population and mu >= population:
        _fail("mu", params.mu, f"must be < population = {population} (the other rows are bred)")
    if mu > population:
        _fail("mu", params.mu, f"must be <= population = {population}")
    return mu


def _check_mu_kept(params, population):
    _mu(params, population, True)


def _check_mu(params, population):
    _mu(params, population, False)


# --- strategies ---------------------------------------------------------------------

def _fitness(objectives) -> np.ndarray:
    """Column 0 as a contiguous float64 vector."""
    objectives = np.asarray(objectives)
    if objectives.ndim != 2 or objectives.shape[1] < 1:
        raise ValueError(f"objectives must be a 2-D (S, M) array, got shape {objectives.shape}")
    return np.ascontiguousarray(objectives[:, 0], dtype=np.float64)


def _objectives(objectives) -> np.ndarray:
    out = np.ascontiguousarray(objectives, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] < 1:
        raise ValueError(f"objectives must be a 2-D (S, M) array, got shape {out.shape}")
    return out


def _generational(fitness, parents, n_elite, state):
    keep = np.zeros(fitness.shape[0], dtype=np.bool_)
    _k.keep_best(fitness, n_elite, parents, keep, state)
    return parents, keep


@SELECTION.register("elite", EliteParams, check=_check_elite)
def elite(objectives: np.ndarray, state: np.ndarray, params: EliteParams, cases=None):
    """Kashtan & Alon (2005) elite strategy on objective column 0."""
    fitness = _fitness(objectives)
    _check_elite(params, fitness.shape[0])
    return elite_parents(fitness, params.elite, state)


@SELECTION.register("tournament", TournamentParams, check=_check_tournament)
def tournament(objectives, state, params: TournamentParams, cases=None):
    """Tournaments of ``k`` entrants (with replacement) on column 0."""
    fitness = _fitness(objectives)
    _check_tournament(params, fitness.shape[0])
    return _generational(fitness, _k.tournament_parents(fitness, params.k, state), params.elite, state)


@SELECTION.register("roulette", RouletteParams, check=_check_generational)
def roulette(objectives, state, params: RouletteParams, cases=None):
    """Fitness-proportional selection on column 0 (shifted when negative)."""
    fitness = _fitness(objectives)
    _check_generational(params, fitness.shape[0])
    parents = _k.wheel_parents(_k.roulette_weights(fitness), fitness.shape[0], state)
    return _generational(fitness, parents, params.elite, state)


@SELECTION.register("rank", RankParams, check=_check_generational)
def rank(objectives, state, params: RankParams, cases=None):
    """Linear ranking on column 0 with selective pressure ``s``."""
    fitness = _fitness(objectives)
    _check_generational(params, fitness.shape[0])
    parents = _k.wheel_parents(_k.linear_rank_weights(fitness, params.s), fitness.shape[0], state)
    return _generational(fitness, parents, params.elite, state)


@SELECTION.register("truncation", TruncationParams, check=_check_generational)
def truncation(objectives, state, params: TruncationParams, cases=None):
    """Parents uniform over the best ``fraction`` of the rows (column 0)."""
    fitness = _fitness(objectives)
    size = fitness.shape[0]
    _check_generational(params, size)
    best = _k.top_rows(fitness, max(1, int(params.fraction * size + 0.5)), state)
    return _generational(fitness, _k.copies_of(best, size, state), params.elite, state)


@SELECTION.register("mu_plus_lambda", MuLambdaParams, check=_check_mu_kept)
def mu_plus_lambda(objectives, state, params: MuLambdaParams, cases=None):
    """(mu + lambda): the best mu kept in place, the others copies of them."""
    fitness = _fitness(objectives)
    return _k.plus_parents(fitness, _mu(params, fitness.shape[0], True), state)


@SELECTION.register("mu_comma_lambda", MuCommaLambdaParams, check=_check_mu)
def mu_comma_lambda(objectives, state, params: MuCommaLambdaParams, cases=None):
    """(mu, lambda): every row a copy of one of the best mu; nothing kept."""
    fitness = _fitness(objectives)
    size = fitness.shape[0]
    best = _k.top_rows(fitness, _mu(params, size, False), state)
    return _k.copies_of(best, size, state), np.zeros(size, dtype=np.bool_)


@SELECTION.register("nsga2", NSGA2Params, check=_check_mu_kept)
def nsga2(objectives, state, params: NSGA2Params, cases=None):
    """NSGA-II (Deb et al. 2002) on all columns; survivors kept in place."""
    obj = _objectives(objectives)
    return _nsga.nsga2_step(obj, _mu(params, obj.shape[0], True), 1.0, state)


@SELECTION.register("stochastic_nsga2", StochasticNSGA2Params, check=_check_mu_kept)
def stochastic_nsga2(objectives, state, params: StochasticNSGA2Params, cases=None):
    """NSGA-II with stochastic Pareto dominance (Clune et al. 2013's pnsga)."""
    obj = _objectives(objectives)
    mu = _mu(params, obj.shape[0], True)
    if params.p == 0.0:
        obj = np.ascontiguousarray(obj[:, :1])
    return _nsga.nsga2_step(obj, mu, float(params.p), state)


@SELECTION.register("lexicase", LexicaseParams)
def lexicase(objectives, state, params: LexicaseParams, cases=None):
    """Lexicase selection on per-case pass bits ``cases = (bits, n_cases)``."""
    if cases is None:
        raise ValueError("lexicase selection needs per-case pass bits: call it with "
                         "cases=(bits uint64 (S, W), n_cases)")
    bits, n_cases = cases
    bits = np.ascontiguousarray(bits, dtype=np.uint64)
    size = np.shape(objectives)[0]
    n_cases = int(n_cases)
    if bits.ndim != 2 or bits.shape[0] != size or not 0 <= n_cases <= 64 * bits.shape[1]:
        raise ValueError(f"lexicase: cases bits of shape {bits.shape} and n_cases = {n_cases} "
                         f"do not fit {size} individuals (need (S, W) with n_cases <= 64 W)")
    return _k.lexicase_parents(bits, n_cases, state), np.zeros(size, dtype=np.bool_)


nsga2.multi_objective = True
stochastic_nsga2.multi_objective = True

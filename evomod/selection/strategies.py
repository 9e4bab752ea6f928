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

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

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
    mutate_elite: bool = Field(False, description=(
        "mutate the L best and their copies too, so the best can be lost (a reading of Kashtan & Alon's "
        "Methods that the landscape study tests; default false: the elite pass unchanged)"))


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
    draw: Literal["uniform", "rank"] = Field("uniform", description=(
        "how parents are drawn from the mu best: uniform | rank (probability proportional to rank "
        "within the mu, best = mu, worst = 1)"))


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
    p_each: list[float] = Field([], description=(
        "one probability per objective after the first, in the order of objectives.separate, "
        "instead of p for all (Mengistu et al. 2016 P&CC: [0.25, 1.0] for wiring, diversity); "
        "empty: p for each"))

    @field_validator("p_each")
    @classmethod
    def _probabilities(cls, values):
        if any(not 0.0 <= v <= 1.0 for v in values):
            raise ValueError(f"every probability must lie in [0, 1], got {values}")
        return values


class LexicaseParams(SelectionParams):
    name: str = Field("lexicase", description="selection strategy")


# --- population-dependent checks -------------------------------------------------

def check(params: SelectionParams, population: int) -> None:
    """Check ``params`` against the population size; raises ``ConfigError``
    naming the key (e.g. ``selection.mu``). Call it from config validation.

    Parameters
    ----------
    params : SelectionParams
        A registered strategy's validated table.
    population : int

    Examples
    --------
    >>> check(EliteParams(elite=300), 1000)
    >>> check(EliteParams(elite=600), 1000)
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: selection.elite = 600: ..."""
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
    """Kashtan & Alon (2005)'s elite strategy on objective column 0.

    The L = ``params.elite`` best rows pass unchanged, the L worst are
    replaced by copies of them (the i-th worst by the i-th best), and every
    other row stays where it is to be mutated. Ties in fitness are broken at
    random.
    With ``mutate_elite``, the L best and their copies are mutated too (so
    the best circuit can be lost: a reading the landscape study tests).

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : EliteParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    N. Kashtan and U. Alon, PNAS 102, 13773 (2005), Methods.

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> parents, keep = elite(objectives, state, EliteParams(elite=2))
    >>> parents, np.flatnonzero(keep)      # rows 1 and 4 kept; rows 0 and 5, the worst, become copies of them
    (array([1, 1, 2, 3, 4, 4]), array([1, 4]))
    """
    fitness = _fitness(objectives)
    _check_elite(params, fitness.shape[0])
    parents, keep = elite_parents(fitness, params.elite, state)
    if params.mutate_elite:
        keep[:] = False
    return parents, keep


@SELECTION.register("tournament", TournamentParams, check=_check_tournament)
def tournament(objectives, state, params: TournamentParams, cases=None):
    """Tournament selection on column 0: each parent is the best of ``k`` entrants.

    Entrants are drawn uniformly with replacement; ties go to a random one.
    Without ties, the row of rank r (0 the worst) is chosen with probability

        P(r) = ((r + 1) / S)**k - (r / S)**k.

    The ``params.elite`` best rows are kept in place (default none).

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : TournamentParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    B. L. Miller and D. E. Goldberg, "Genetic algorithms, tournament
    selection, and the effects of noise", Complex Systems 9, 193 (1995).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> rank_of = np.argsort(np.argsort(objectives[:, 0]))                  # 0 = the worst
    >>> exact = ((rank_of + 1) / 6) ** 3 - (rank_of / 6) ** 3
    >>> counts = np.zeros(6)
    >>> for _ in range(3000):
    ...     counts += np.bincount(tournament(objectives, state, TournamentParams(k=3))[0], minlength=6)
    >>> bool(np.abs(counts / counts.sum() - exact).max() < 0.01)
    True
    """
    fitness = _fitness(objectives)
    _check_tournament(params, fitness.shape[0])
    return _generational(fitness, _k.tournament_parents(fitness, params.k, state), params.elite, state)


@SELECTION.register("roulette", RouletteParams, check=_check_generational)
def roulette(objectives, state, params: RouletteParams, cases=None):
    """Fitness-proportional (roulette-wheel) selection on column 0.

    Row i is chosen with probability w_i / sum(w), w = f - min(f) when the
    minimum is negative (the worst row then gets P = 0), else w = f;
    uniform when every weight is 0. The ``params.elite`` best rows are kept
    in place (default none).

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : RouletteParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    D. E. Goldberg, *Genetic Algorithms in Search, Optimization and Machine
    Learning* (1989), ch. 1.

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> exact = objectives[:, 0] / objectives[:, 0].sum()
    >>> counts = np.zeros(6)
    >>> for _ in range(3000):
    ...     counts += np.bincount(roulette(objectives, state, RouletteParams())[0], minlength=6)
    >>> bool(np.abs(counts / counts.sum() - exact).max() < 0.01)
    True
    """
    fitness = _fitness(objectives)
    _check_generational(params, fitness.shape[0])
    parents = _k.wheel_parents(_k.roulette_weights(fitness), fitness.shape[0], state)
    return _generational(fitness, parents, params.elite, state)


@SELECTION.register("rank", RankParams, check=_check_generational)
def rank(objectives, state, params: RankParams, cases=None):
    """Linear ranking on column 0 with selective pressure ``s`` in [1, 2].

    The row of rank r (0 the worst, ties sharing their average rank) is
    chosen with probability

        P(r) = (2 - s + 2 (s - 1) r / (S - 1)) / S,

    so the best gets s/S and the worst (2 - s)/S. The ``params.elite`` best
    rows are kept in place (default none).

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : RankParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    J. E. Baker, "Adaptive selection methods for genetic algorithms", Proc.
    ICGA 1, 101 (1985).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> r = np.argsort(np.argsort(objectives[:, 0]))                        # 0 = the worst
    >>> exact = (2 - 2.0 + 2 * (2.0 - 1) * r / 5) / 6                            # s = 2: the worst never
    >>> counts = np.zeros(6)
    >>> for _ in range(3000):
    ...     counts += np.bincount(rank(objectives, state, RankParams(s=2.0))[0], minlength=6)
    >>> bool(np.abs(counts / counts.sum() - exact).max() < 0.01)
    True
    """
    fitness = _fitness(objectives)
    _check_generational(params, fitness.shape[0])
    parents = _k.wheel_parents(_k.linear_rank_weights(fitness, params.s), fitness.shape[0], state)
    return _generational(fitness, parents, params.elite, state)


@SELECTION.register("truncation", TruncationParams, check=_check_generational)
def truncation(objectives, state, params: TruncationParams, cases=None):
    """Truncation selection: parents uniform over the best ``fraction`` of the rows.

    The best ``max(1, round(fraction * S))`` rows by column 0 (rounded half
    up; ties at the cut broken at random) are the parents, each drawn with
    probability 1 / that number. The ``params.elite`` best rows are kept in
    place (default none).

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : TruncationParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    H. Mühlenbein and D. Schlierkamp-Voosen, "Predictive models for the
    breeder genetic algorithm", Evolutionary Computation 1, 25 (1993).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> parents, keep = truncation(objectives, state, TruncationParams(fraction=0.5))
    >>> sorted(set(parents.tolist())), bool(keep.any())                    # the best half: rows 1, 4, 2
    ([1, 2, 4], False)
    """
    fitness = _fitness(objectives)
    size = fitness.shape[0]
    _check_generational(params, size)
    best = _k.top_rows(fitness, max(1, int(params.fraction * size + 0.5)), state)
    return _generational(fitness, _k.copies_of(best, size, state), params.elite, state)


@SELECTION.register("mu_plus_lambda", MuLambdaParams, check=_check_mu_kept)
def mu_plus_lambda(objectives, state, params: MuLambdaParams, cases=None):
    """(mu + lambda) selection: the best mu kept in place, every other row a copy of one of them.

    The copies are drawn from the mu best rows by column 0 (ties at the cut at
    random), uniformly (``draw = "uniform"``) or with probability proportional
    to rank among them (``draw = "rank"``: best mu, worst 1), then mutated;
    ``mu = 0`` means S // 2. With ``mu = L`` this is the "all S - L non-elite
    replaced by mutated copies of the elite" reading of Kashtan & Alon's
    Methods.

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : MuLambdaParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    H.-G. Beyer and H.-P. Schwefel, "Evolution strategies: a comprehensive
    introduction", Natural Computing 1, 3 (2002).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> parents, keep = mu_plus_lambda(objectives, state, MuLambdaParams(mu=2))
    >>> np.flatnonzero(keep), sorted(set(parents.tolist()))
    (array([1, 4]), [1, 4])
    """
    fitness = _fitness(objectives)
    mu = _mu(params, fitness.shape[0], True)
    if params.draw == "uniform":
        return _k.plus_parents(fitness, mu, state)
    best = _k.top_rows(fitness, mu, state)
    keep = np.zeros(fitness.shape[0], dtype=np.bool_)
    keep[best] = True
    parents = np.arange(fitness.shape[0])
    parents[~keep] = _rank_draw(fitness, best, int((~keep).sum()), state)
    return parents, keep


def _rank_draw(fitness, pool, n, state):
    """``n`` rows of ``pool`` drawn with probability proportional to their rank in it (best = len(pool))."""
    ordered = pool[np.argsort(-fitness[pool], kind="stable")]
    weights = np.arange(len(ordered), 0, -1, dtype=np.float64)
    return ordered[_k.wheel_parents(weights, n, state)]


@SELECTION.register("mu_comma_lambda", MuCommaLambdaParams, check=_check_mu)
def mu_comma_lambda(objectives, state, params: MuCommaLambdaParams, cases=None):
    """(mu, lambda) selection: every row a copy of one of the best mu; nothing kept.

    Parents are drawn from the mu best rows by column 0 (ties at the cut at
    random), uniformly or by rank (``draw``, as in :func:`mu_plus_lambda`);
    ``mu = 0`` means S // 2.

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 is read, the others ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : MuCommaLambdaParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    H.-G. Beyer and H.-P. Schwefel, Natural Computing 1, 3 (2002).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[0.1], [0.9], [0.5], [0.3], [0.7], [0.2]])   # one objective, six rows
    >>> parents, keep = mu_comma_lambda(objectives, state, MuCommaLambdaParams(mu=2))
    >>> sorted(set(parents.tolist())), bool(keep.any())
    ([1, 4], False)
    """
    fitness = _fitness(objectives)
    size = fitness.shape[0]
    best = _k.top_rows(fitness, _mu(params, size, False), state)
    if params.draw == "rank":
        return _rank_draw(fitness, best, size, state), np.zeros(size, dtype=np.bool_)
    return _k.copies_of(best, size, state), np.zeros(size, dtype=np.bool_)


@SELECTION.register("nsga2", NSGA2Params, check=_check_mu_kept)
def nsga2(objectives, state, params: NSGA2Params, cases=None):
    """NSGA-II on all objective columns: the mu survivors kept, offspring from binary tournaments.

    The S rows are NSGA-II's merged parent + offspring pool. Survivors are
    the fronts of the fast non-dominated sort over all M columns (row a
    dominates b when a >= b in every column and > in one), the last front
    cut by crowding distance, largest first. Every other row is a copy of the
    winner of a binary tournament between two distinct random survivors
    (lower front, then larger crowding distance, then a coin flip), mutated.
    With M = 1 the survivors are the mu best (Clune et al.'s PA treatment).
    ``mu = 0`` means S // 2.

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; every column is an objective.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : NSGA2Params
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    K. Deb, A. Pratap, S. Agarwal and T. Meyarivan, "A fast and elitist
    multiobjective genetic algorithm: NSGA-II", IEEE TEC 6, 182 (2002).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[1.0, -3.0], [0.5, -1.0], [0.9, -2.0], [0.2, -4.0], [1.0, -1.0], [0.1, -0.5]])
    >>> parents, keep = nsga2(objectives, state, NSGA2Params(mu=3))
    >>> np.flatnonzero(keep)   # front 1: rows 4, 5; then an extreme of front 2 (rows 0, 1: infinite crowding)
    array([1, 4, 5])
    >>> bool(np.isin(parents[~keep], np.flatnonzero(keep)).all())
    True
    """
    obj = _objectives(objectives)
    return _nsga.nsga2_step(obj, _mu(params, obj.shape[0], True), 1.0, state)


@SELECTION.register("stochastic_nsga2", StochasticNSGA2Params, check=_check_mu_kept)
def stochastic_nsga2(objectives, state, params: StochasticNSGA2Params, cases=None):
    """NSGA-II with stochastic Pareto dominance (Clune, Mouret & Lipson 2013).

    As :func:`nsga2`, but in every dominance test objective 0 counts and each
    further objective only with probability ``p`` (drawn from ``state``).
    ``p = 1`` is :func:`nsga2` exactly (same state, same result); ``p = 0``
    ignores columns 1.. entirely, crowding included. ``p_each`` gives each
    column after the first its own probability instead (Mengistu et al.
    2016: wiring cost 0.25, behavioural diversity 1); a column with 0 is
    ignored as with ``p = 0``.

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; column 0 always counts, the others with probability p.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : StochasticNSGA2Params
        The validated ``[selection]`` table.
    cases : tuple, optional
        Ignored (lexicase only).

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ConfigError
        If a parameter does not fit the population size (``selection.KEY``).
    ValueError
        If ``objectives`` is not 2-D.

    References
    ----------
    J. Clune, J.-B. Mouret and H. Lipson, "The evolutionary origins of
    modularity", Proc. R. Soc. B 280, 20122863 (2013): p = 0.25 for the
    connection cost.

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> objectives = np.array([[1.0, -3.0], [0.5, -1.0], [0.9, -2.0], [0.2, -4.0], [1.0, -1.0], [0.1, -0.5]])
    >>> a = stochastic_nsga2(objectives, state.copy(), StochasticNSGA2Params(mu=3, p=1.0))
    >>> b = nsga2(objectives, state.copy(), NSGA2Params(mu=3))
    >>> bool((a[0] == b[0]).all() and (a[1] == b[1]).all())
    True
    >>> np.flatnonzero(stochastic_nsga2(objectives, state, StochasticNSGA2Params(mu=3, p=0.0))[1])
    array([0, 2, 4])
    """
    obj = _objectives(objectives)
    mu = _mu(params, obj.shape[0], True)
    if params.p_each:
        if len(params.p_each) != obj.shape[1] - 1:
            raise ValueError(f"selection.p_each has {len(params.p_each)} probabilities for "
                             f"{obj.shape[1] - 1} objectives after the first")
        ps = np.array([1.0, *params.p_each])
        used = np.flatnonzero(ps > 0.0)  # an objective never considered counts nowhere, crowding included
        return _nsga.nsga2_step_each(np.ascontiguousarray(obj[:, used]), mu, ps[used], state)
    if params.p == 0.0:
        obj = np.ascontiguousarray(obj[:, :1])
    return _nsga.nsga2_step(obj, mu, float(params.p), state)


@SELECTION.register("lexicase", LexicaseParams)
def lexicase(objectives, state, params: LexicaseParams, cases=None):
    """Lexicase selection on per-case pass bits ``cases = (bits, n_cases)``.

    Each of S selection events shuffles the test cases (input row × output)
    and filters the population case by case, keeping the rows that pass when
    any does, until one row is left or the cases run out; then a uniform
    pick among those left. Rows with identical case vectors are grouped
    first. The size penalty and costs play no part. Nothing is kept.

    Parameters
    ----------
    objectives : ndarray of float64 (S, M)
        Larger is better; ignored.
    state : ndarray of uint64 (4,)
        The run's xoshiro256** state (``evomod.rng``), advanced in place.
    params : LexicaseParams
        The validated ``[selection]`` table.
    cases : tuple, optional
        ``(bits, n_cases)``, ``bits`` uint64 (S, W): bit c (bit ``c % 64`` of word
        ``c // 64``) set when the row passes case c, ``n_cases <= 64 W``.

    Returns
    -------
    parents : ndarray of int64 (S,)
        Row i of the next population is a copy of row ``parents[i]``.
    keep : ndarray of bool (S,)
        Rows that pass unchanged (``parents[i] == i`` there); the others are
        mutated and recombined.

    Raises
    ------
    ValueError
        If ``cases`` is missing or does not fit the rows.

    References
    ----------
    L. Spector, "Assessment of problem modality by differential performance
    of lexicase selection in genetic programming", GECCO (2012); T. Helmuth,
    L. Spector and J. Matheson, IEEE TEC 19, 630 (2015).

    Examples
    --------
    >>> from evomod import rng
    >>> state = rng.new_state(np.random.SeedSequence(0))
    >>> bits = np.array([[0b0011], [0b0101], [0b1000], [0b0000]], dtype=np.uint64)  # 4 rows, 4 cases
    >>> parents, keep = lexicase(np.zeros((4, 1)), state, LexicaseParams(), (bits, 4))
    >>> bool(3 in parents), bool(keep.any())     # row 3 passes nothing: never chosen
    (False, False)
    """
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

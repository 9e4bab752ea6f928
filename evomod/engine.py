"""The generation loop: evaluate, record, select, vary.

The loop is plain Python calling numba kernels over the whole population;
per-generation statistics go into preallocated arrays (``Records``), never
into Python objects. Randomness: one ``SeedSequence(config.seed)`` per run,
spawned into independent streams for the initial population, evolution,
the schedule and the modularity measurements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from . import circuits as _circ
from . import goals as _goals
from . import modularity as _mod
from . import rng as _rng
from .circuits import REPRESENTATIONS
from .config import Config
from .schedules import SCHEDULES
from .selection import SELECTION
from .tracking import ModularityTracker, partition_summary

RECORD_COLUMNS = ("generation", "goal", "best_fitness", "mean_fitness", "best_performance", "n_effective",
                  "q", "qm")


@dataclass
class Population:
    """Struct of arrays, one row per individual.

    genomes int16 (S, L); tables uint64 (S, K, W) output truth tables;
    settled uint64 (S, W); n_effective int64 (S,); effective uint64 (S,) bit
    set of effective gates; stale bool (S,) rows whose genome changed since
    their tables were computed.
    """

    genomes: np.ndarray
    tables: np.ndarray
    settled: np.ndarray
    n_effective: np.ndarray
    effective: np.ndarray
    stale: np.ndarray

    @classmethod
    def empty_like(cls, genomes: np.ndarray, spec: _circ.CircuitSpec) -> "Population":
        size = genomes.shape[0]
        return cls(genomes, np.zeros((size, spec.n_outputs, spec.n_words), np.uint64),
                   np.zeros((size, spec.n_words), np.uint64), np.zeros(size, np.int64),
                   np.zeros(size, np.uint64), np.ones(size, np.bool_))


@njit(cache=True)
def score(out_tables, settled, target, n_effective, n_pairs, penalty, free_gates,
          fitness, performance, t, best_fitness, mean_fitness, best_performance, best_n_effective):
    """Fitness = fraction of correct (row, output) pairs minus ``penalty`` per
    effective gate above ``free_gates``; writes generation ``t``'s record.
    Returns ``(best index, any perfect)``."""
    size = out_tables.shape[0]
    correct = np.empty(size, dtype=np.int64)
    _circ.count_correct(out_tables, settled, target, correct)
    best = 0
    total = 0.0
    perfect = False
    for i in range(size):
        performance[i] = correct[i] / n_pairs
        extra = n_effective[i] - free_gates
        fitness[i] = performance[i] - (penalty * extra if extra > 0 else 0.0)
        total += fitness[i]
        if fitness[i] > fitness[best]:
            best = i
        if correct[i] == n_pairs:
            perfect = True
    best_fitness[t] = fitness[best]
    mean_fitness[t] = total / size
    best_performance[t] = performance[best]
    best_n_effective[t] = n_effective[best]
    return best, perfect


@njit(cache=True, inline="always")
def _copy_row(i, p, genomes, tables, settled, n_effective, effective, new_genomes, new_tables,
              new_settled, new_n_effective, new_effective):
    # explicit loops: row-slice assignment costs ~30 ns a row in numba
    for j in range(genomes.shape[1]):
        new_genomes[i, j] = genomes[p, j]
    for k in range(tables.shape[1]):
        for w in range(tables.shape[2]):
            new_tables[i, k, w] = tables[p, k, w]
    for w in range(settled.shape[1]):
        new_settled[i, w] = settled[p, w]
    new_n_effective[i] = n_effective[p]
    new_effective[i] = effective[p]


@njit(cache=True)
def reproduce(parents, genomes, tables, settled, n_effective, effective,
              new_genomes, new_tables, new_settled, new_n_effective, new_effective):
    """Make row i a copy of row ``parents[i]`` (tables come along: they stay
    valid until the genome is varied).

    When no overwritten row is the parent of another, rows are copied in
    place (the elite strategy copies L rows, not S) and False is returned;
    otherwise all rows go to the ``new_*`` arrays and True is returned.
    """
    size = parents.shape[0]
    # list the moved rows branch-free: with selection's random pattern, an
    # if per row mispredicts often enough to double the cost
    moved = np.empty(size + 1, dtype=np.int64)
    overwritten = np.zeros(size, dtype=np.bool_)
    n_moved = 0
    for i in range(size):
        moved[n_moved] = i
        n_moved += parents[i] != i
        overwritten[i] = parents[i] != i
    in_place = True
    for j in range(n_moved):
        in_place &= not overwritten[parents[moved[j]]]
    if in_place:
        for j in range(n_moved):
            i = moved[j]
            _copy_row(i, parents[i], genomes, tables, settled, n_effective, effective,
                      genomes, tables, settled, n_effective, effective)
        return False
    for i in range(size):
        _copy_row(i, parents[i], genomes, tables, settled, n_effective, effective,
                  new_genomes, new_tables, new_settled, new_n_effective, new_effective)
    return True


@dataclass
class Records:
    """Per-generation statistics in preallocated columns."""

    generation: np.ndarray
    goal: np.ndarray
    best_fitness: np.ndarray
    mean_fitness: np.ndarray
    best_performance: np.ndarray
    n_effective: np.ndarray
    q: np.ndarray  # NaN on generations where modularity was not measured
    qm: np.ndarray
    length: int = 0

    @classmethod
    def allocate(cls, n: int) -> "Records":
        return cls(np.arange(n, dtype=np.int64), np.zeros(n, np.int32), np.zeros(n), np.zeros(n),
                   np.zeros(n), np.zeros(n, np.int64), np.full(n, np.nan), np.full(n, np.nan))

    @property
    def capacity(self) -> int:
        return self.generation.shape[0]

    def grow(self) -> None:
        """Double the capacity (a long cap is not allocated up front)."""
        n = self.capacity
        for name in RECORD_COLUMNS:
            old = getattr(self, name)
            new = np.full(2 * n, np.nan) if old.dtype.kind == "f" else np.zeros(2 * n, old.dtype)
            new[:n] = old
            setattr(self, name, new)
        self.generation[n:] = np.arange(n, 2 * n)

    def columns(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name)[: self.length] for name in RECORD_COLUMNS}


@dataclass
class RunResult:
    """Everything a run produced; ``evomod.records`` writes it to disk."""

    config: Config
    records: Records
    goal_names: list[str]
    goal_expressions: dict[str, list[str]]
    first_solved: dict[str, int | None]
    best_genome: np.ndarray
    best_fitness: float
    best_performance: float
    best_n_effective: int
    final_goal: str
    status: str  # finished | solved | interrupted
    wall_seconds: float
    inputs: list[str] = field(default_factory=list)
    modularity: dict = field(default_factory=dict)  # the final best: q, qm, partition, null-model cost

    @property
    def generations_run(self) -> int:
        return self.records.length


def goal_tables(config: Config) -> dict[str, np.ndarray]:
    """Each named goal of the task as ``uint64 (K, W)``."""
    names = config.task.inputs
    return {name: np.stack([_goals.parse(e, names) for e in exprs])
            for name, exprs in config.task.goal_expressions().items()}


def _goal_expressions(config: Config, schedule) -> dict[str, list[str]]:
    named = config.task.goal_expressions()
    return {name: named.get(name, [name]) for name in schedule.names}


def run(config: Config, progress: bool = False) -> RunResult:
    """Evolve one population under ``config``; returns records and the final best.

    Ctrl-C stops the run between generations and returns what was done, with
    ``status = "interrupted"``.
    """
    started = time.perf_counter()
    n_inputs = len(config.task.inputs)
    spec = REPRESENTATIONS.get(config.representation.name).fn(config.representation, n_inputs)
    init_seq, evolve_seq, schedule_seq, modularity_seq = np.random.SeedSequence(config.seed).spawn(4)
    schedule = SCHEDULES.get(config.schedule.name).fn(
        config.schedule, goal_tables(config), config.task.inputs, schedule_seq)
    select = SELECTION.get(config.selection.name).fn
    sel_params = config.selection
    inputs, mask = _goals.input_tables(n_inputs), _goals.row_mask(n_inputs)
    high = spec.locus_high()
    state = _rng.new_state(evolve_seq)
    size = config.population
    pop = Population.empty_like(_circ.random_genomes(size, high, _rng.new_state(init_seq)), spec)
    spare = Population.empty_like(pop.genomes.copy(), spec)
    spare.stale[:] = False
    fitness, performance = np.empty(size), np.empty(size)
    objectives = fitness.reshape(size, 1)
    n_pairs = spec.n_rows * spec.n_outputs
    penalty, free_gates = float(config.fitness.gate_penalty), int(config.fitness.free_gates)
    rec = Records.allocate(min(config.generations, 1 << 16))
    first_solved: dict[str, int | None] = {}
    unsolved = set(schedule.names) if schedule.finite else None
    status, best, goal_idx = "finished", 0, 0
    every = config.modularity.every
    tracker = ModularityTracker(config.modularity, _graph_function(spec, config.modularity.directed),
                                modularity_seq)
    measured = None
    bar = _progress_bar(config.generations, progress)
    try:
        for t in range(config.generations):
            if t == rec.capacity:
                rec.grow()
            goal_idx = schedule.goal_at(t)
            _circ.evaluate(pop.genomes, spec.n_inputs, spec.n_gates, spec.n_outputs, spec.settle_steps,
                           inputs, mask, pop.stale, pop.tables, pop.settled, pop.n_effective, pop.effective)
            best, perfect = score(pop.tables, pop.settled, schedule.tables[goal_idx], pop.n_effective,
                                  n_pairs, penalty, free_gates, fitness, performance, t,
                                  rec.best_fitness, rec.mean_fitness, rec.best_performance, rec.n_effective)
            rec.goal[t] = goal_idx
            if every and t % every == 0:
                measured = tracker.measure(pop.genomes[best])
                rec.q[t], rec.qm[t] = measured.q, measured.qm
            rec.length = t + 1
            name = schedule.names[goal_idx]
            if perfect and first_solved.get(name) is None:
                first_solved[name] = t
                if unsolved is not None:
                    unsolved.discard(name)
            elif name not in first_solved:
                first_solved[name] = None
            if bar is not None and (t & 255) == 0:
                bar.update(t - bar.n)
                bar.set_postfix(goal=name, best=f"{fitness[best]:.3f}",
                                qm="-" if measured is None else f"{measured.qm:.2f}", refresh=False)
            if config.stop_on_solve and perfect and (unsolved is None or not unsolved):
                status = "solved"
                break
            if t + 1 == config.generations:
                break
            parents, keep = select(objectives, state, sel_params)
            if reproduce(parents, pop.genomes, pop.tables, pop.settled, pop.n_effective, pop.effective,
                         spare.genomes, spare.tables, spare.settled, spare.n_effective, spare.effective):
                pop, spare = spare, pop
            _circ.mutate(pop.genomes, keep, sel_params.pm, high, state, pop.stale, pop.effective, spec.n_gates)
            _circ.crossover(pop.genomes, keep, sel_params.pc, state, pop.stale)
    except KeyboardInterrupt:
        status = "interrupted"
        if rec.length == 0:
            raise
    finally:
        if bar is not None:
            bar.update(rec.length - bar.n)
            bar.close()
    final = rec.length - 1
    best_genome = pop.genomes[best].copy()
    return RunResult(
        config=config, records=rec, goal_names=schedule.names,
        goal_expressions=_goal_expressions(config, schedule), first_solved=first_solved,
        best_genome=best_genome, best_fitness=float(rec.best_fitness[final]),
        best_performance=float(rec.best_performance[final]),
        best_n_effective=int(rec.n_effective[final]), final_goal=schedule.names[rec.goal[final]],
        status=status, wall_seconds=time.perf_counter() - started, inputs=list(config.task.inputs),
        modularity=_final_modularity(tracker, best_genome, spec, config))


def _graph_function(spec, directed):
    return lambda genome: _circ.to_graph(genome, spec, directed=directed)[0]


def _final_modularity(tracker: ModularityTracker, genome, spec, config: Config) -> dict:
    """Partition of the final best; Q_m too unless modularity is off (every = 0)."""
    A, names = _circ.to_graph(genome, spec, config.task.inputs, config.modularity.directed)
    if config.modularity.every:
        out = partition_summary(tracker.measure(genome), names)
        out.update(tracker.stats())
    else:
        q, labels = _mod.max_q(A, config.modularity.directed)
        nan = float("nan")
        out = partition_summary(_mod.QmResult(q, nan, nan, nan, labels, config.modularity.n_random,
                                              False, "not computed: modularity.every = 0"), names)
    out["directed"] = config.modularity.directed
    return out


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="gen", unit_scale=True, dynamic_ncols=True, leave=False)

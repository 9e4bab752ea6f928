"""The generation loop: evaluate, record, select, vary.

The loop is plain Python calling numba kernels over the whole population;
per-generation statistics go into preallocated arrays (``Records``), never
into Python objects. The genome type is behind ``evomod.representations``,
so the same loop runs NAND circuits and layered networks. Randomness: one
``SeedSequence(config.seed)`` per run, spawned into independent streams for
the initial population, evolution, the schedule and the modularity
measurements.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable

import numba
import numpy as np
from numba import njit, prange

from evomod import modularity as _mod
from evomod import rng as _rng
from evomod.bits import popcount
from evomod.config import Config, representation_of
from evomod.costs import objective_columns, recorders
from evomod.engine import checkpoint as _checkpoint
from evomod.engine import noise as _noise
from evomod.engine.results import Records, RunResult
from evomod.engine.tracking import FunctionTracker, HierarchyTracker, ModularityTracker, partition_summary
from evomod.problems import tasks as _tasks
from evomod.problems.goals import row_mask
from evomod.problems.schedules import SCHEDULES
from evomod.representations.base import reproduce
from evomod.selection import SELECTION


@njit(cache=True)
def _correct_pairs(tables, valid, target, cases, i):
    """Correct (row, output) pairs of individual ``i``; its per-case bits go to ``cases[i]``."""
    k_out, n_words = target.shape
    total = 0
    for k in range(k_out):
        for w in range(n_words):
            bits = ~(tables[i, k, w] ^ target[k, w]) & valid[i, w]
            cases[i, k * n_words + w] = bits
            total += popcount(bits)
    return total


@njit(cache=True)
def score(tables, valid, target, size, n_pairs, penalty, free, fitness, performance, cases):
    """Performance = fraction of correct (row, output) pairs; fitness =
    performance minus ``penalty`` per unit of ``size`` above ``free``.
    ``cases`` (S, K*W) gets each individual's correct bits (for lexicase).
    Returns (fittest row, sum of fitness, most correct pairs of any row)."""
    n, k_out, n_words = tables.shape
    top = 0
    best = 0
    total_fitness = 0.0
    for i in range(n):
        total = _correct_pairs(tables, valid, target, cases, i)
        performance[i] = total / n_pairs
        extra = size[i] - free
        fitness[i] = performance[i] - (penalty * extra if extra > 0 else 0.0)
        total_fitness += fitness[i]
        top = max(top, total)
        if fitness[i] > fitness[best]:
            best = i
    return best, total_fitness, top


@njit(cache=True, parallel=True)
def score_parallel(tables, valid, target, size, n_pairs, penalty, free, fitness, performance, cases):
    """:func:`score` with the rows in a ``prange``; the best row and the sum
    are then taken in row order, so the result is :func:`score`'s exactly."""
    n, k_out, n_words = tables.shape
    correct = np.empty(n, dtype=np.int64)
    for i in prange(n):
        total = _correct_pairs(tables, valid, target, cases, i)
        correct[i] = total
        performance[i] = total / n_pairs
        extra = size[i] - free
        fitness[i] = performance[i] - (penalty * extra if extra > 0 else 0.0)
    top = 0
    best = 0
    total_fitness = 0.0
    for i in range(n):
        total_fitness += fitness[i]
        top = max(top, correct[i])
        if fitness[i] > fitness[best]:
            best = i
    return best, total_fitness, top


_BIG = np.finfo(np.float64).max


def _finite_objectives(objectives: np.ndarray, copy: bool = True) -> np.ndarray:
    """Objectives with NaN and -inf as the lowest float and +inf as the highest.

    Config values are finite, but a cost can still overflow (distance ** a
    huge exponent is inf, and inf times a weight of 0 is NaN). Selection
    compares objectives, and NaN compares false both ways; mapped so, such
    a row ranks last and every comparison is a total order again."""
    return np.nan_to_num(objectives, copy=copy, nan=-_BIG, posinf=_BIG, neginf=-_BIG)


def _goal_expressions(task: _tasks.Task, schedule) -> dict[str, list[str]]:
    return {name: task.expressions.get(name, [name]) for name in schedule.names}


class _Loop:
    """One run's state between generations: the population and its scores."""

    def __init__(self, config: Config, rep, state: np.ndarray, init_state: np.ndarray):
        self.config, self.rep, self.state = config, rep, state
        self.pop = rep.random_population(config.population, init_state)
        self.spare = self.pop.spare()
        size = config.population
        self.fitness, self.performance = np.empty(size), np.empty(size)
        self.cases = np.empty((size, rep.n_outputs * rep.n_words), np.uint64)
        self.n_cases = rep.n_outputs * rep.n_rows
        obj = config.objectives
        self.scalar = not obj.used()
        self.objectives = (self.fitness.reshape(size, 1) if self.scalar
                           else np.empty((size, 1 + len(obj.separate))))
        self.recorded = recorders(rep)  # costs with a record column
        self.parallel = config.engine.parallel
        self.score_kernel = score_parallel if self.parallel else score

    def score(self, target) -> tuple[int, bool]:
        """Scores every row against ``target``; returns (best row, whether any row solves it)."""
        cfg = self.config
        best, total, top = self.score_kernel(self.pop.tables, self.pop.valid, target, self.pop.size, self.n_cases,
                                 cfg.fitness.gate_penalty, cfg.fitness.free_gates, self.fitness,
                                 self.performance, self.cases)
        if not self.scalar:
            objective_columns(self.rep, self.pop, cfg.objectives, self.fitness, self.objectives)
            _finite_objectives(self.objectives, copy=False)
            best, total = int(np.argmax(self.objectives[:, 0])), self.objectives[:, 0].sum()
        self.mean = total / self.fitness.shape[0]
        return best, top >= cfg.fitness.solved_at * self.n_cases - 1e-9

    def record(self, rec: Records, t: int, best: int) -> None:
        rec.best_fitness[t] = self.objectives[best, 0]
        rec.mean_fitness[t] = self.mean
        rec.best_performance[t] = self.performance[best]
        rec.n_effective[t] = self.pop.size[best]
        for name, row in self.recorded:
            getattr(rec, name)[t] = row(self.rep, self.pop, best, self.config.objectives)

    def step(self, select, sel_params) -> None:
        # lexicase reads cases word by word: padding bits (tables of < 64 rows)
        # are 0 for every row, so they filter nothing
        parents, keep = select(self.objectives, self.state, sel_params, (self.cases, 64 * self.cases.shape[1]))
        self.pop, self.spare = reproduce(parents, self.pop, self.spare, self.parallel)
        self.rep.vary(self.pop, keep, sel_params, self.state)


def run(config: Config, progress: bool = False, checkpoint=None, checkpoint_every: int | None = 1000,
        stop: Callable[[], bool] | None = None) -> RunResult:
    """Evolve one population under ``config``; returns records and the final best.

    Each generation scores every genome against the schedule's current goal,
    records the best (and, every ``modularity.every`` generations, its Q and
    Q_m), selects parents and varies the offspring. Fitness is

        fitness = performance - gate_penalty * max(0, size - free_gates) - sum(weight * cost)

    with performance the fraction of correct (input row, output) pairs
    (Kashtan & Alon 2005). With ``fitness.noise``, selection scores the
    population on noisy rows and the records keep the best's noise-free
    performance (``evomod.engine.noise``). All randomness comes from
    ``SeedSequence(config.seed)``: the same config gives identical records.

    Ctrl-C stops the run between generations and returns what was done, with
    ``status = "interrupted"``. With a ``checkpoint`` path, the run's state
    is saved there every ``checkpoint_every`` generations, and a run started
    with an existing checkpoint of the same config resumes from it, giving
    the records an uninterrupted run gives (``evomod.engine.checkpoint``).
    ``stop``, polled after each generation, ends the run cleanly when it
    returns True: the state after that generation is saved to
    ``checkpoint`` (if given), so a resumed run continues exactly there
    (the command line's Ctrl-C and SIGTERM handling).

    Parameters
    ----------
    config : Config
        A validated config (``evomod.config.load``).
    progress : bool
        Show a progress bar (tqdm) on stderr.
    checkpoint : str or pathlib.Path, optional
        File to save the run's state in, and to resume from if it exists.
    checkpoint_every : int or None
        Generations between checkpoints (None: only when ``stop`` ends the run).
    stop : callable, optional
        ``stop() -> bool``, polled once per generation; True ends the run
        with ``status = "interrupted"`` after a checkpoint.

    Returns
    -------
    RunResult
        ``records`` (one row per generation run), the final best genome and
        its fitness, performance and size, ``first_solved`` (goal name ->
        first generation at which the best solved it, or None), the final
        best's modularity, and ``status``: ``"finished"`` (the generation
        cap), ``"solved"`` (``stop_on_solve`` and every goal solved) or
        ``"interrupted"``.

    Raises
    ------
    ConfigError
        If ``checkpoint`` exists but holds another config's state, or cannot
        be read.

    References
    ----------
    N. Kashtan and U. Alon, "Spontaneous evolution of modularity and network
    motifs", PNAS 102, 13773 (2005).

    Examples
    --------
    >>> from evomod import config
    >>> cfg = config.load("ka2005-logic-mvg", ["population=60", "selection.elite=20", "modularity.every=0"],
    ...                   seed=1, generations=100)
    >>> result = run(cfg)
    >>> result.status, result.generations_run
    ('finished', 100)
    >>> goal = result.records.columns()["goal"]          # MVG: G1 <-> G2 every 20 generations
    >>> [result.goal_names[g] for g in goal[[0, 19, 20, 40]]]
    ['G1', 'G1', 'G2', 'G1']
    >>> again = run(cfg)                                 # same config and seed: the same records
    >>> bool((again.records.columns()["best_fitness"] == result.records.columns()["best_fitness"]).all())
    True
    """
    started = time.perf_counter()
    task = _tasks.build(config.task)
    rep = representation_of(config, task)
    rep.parallel = config.engine.parallel
    threads = _set_threads(config.engine)
    init_seq, evolve_seq, schedule_seq, modularity_seq = np.random.SeedSequence(config.seed).spawn(4)
    schedule = SCHEDULES.get(config.schedule.name).fn(config.schedule, task.goals, task.inputs, schedule_seq)
    select, sel_params = SELECTION.get(config.selection.name).fn, config.selection
    loop = _Loop(config, rep, _rng.new_state(evolve_seq), _rng.new_state(init_seq))
    rec = Records.allocate(min(config.generations, 1 << 16))
    first_solved: dict[str, int | None] = {}
    targets = schedule.targets if schedule.targets is not None else (schedule.names if schedule.finite else None)
    unsolved = None if targets is None else set(targets)
    status, best, best_genome = "finished", 0, None
    every, directed = config.modularity.every, config.modularity.directed
    tracker = ModularityTracker(config.modularity, lambda g: rep.adjacency(g, directed),
                                modularity_seq)
    function = FunctionTracker(config.modularity, rep, task, tracker.seed)
    hierarchy = HierarchyTracker(config.modularity, rep, task)
    noise = (_noise.Noise(config.fitness.noise, config.seed, rep.n_inputs, rep.n_outputs,
                          row_mask(rep.n_inputs))
             if config.fitness.noise.active() else None)
    measured, start, elapsed = None, 0, 0.0
    saved = _checkpoint.load(checkpoint, config) if checkpoint is not None else None
    if saved is not None:
        loop.state[:] = _checkpoint.restore(saved, loop.pop, rec, rep)
        start, elapsed, first_solved = saved["generation"], saved["elapsed"], saved["first_solved"]
        if unsolved is not None:
            unsolved -= {g for g, t in first_solved.items() if t is not None}
    bar = _progress_bar(config.generations, progress)
    try:
        for t in range(start, config.generations):
            if checkpoint is not None and checkpoint_every and t > start and t % checkpoint_every == 0:
                _checkpoint.save(checkpoint, config, t, loop.pop, loop.state, rec, first_solved,
                                 elapsed + time.perf_counter() - started)
            if t == rec.capacity:
                rec.grow()
            goal_idx = schedule.goal_at(t)
            if noise is None:
                rep.evaluate(loop.pop)
                best, solved = loop.score(schedule.tables[goal_idx])
            else:  # selection sees noisy scores; the records, the best's noise-free performance
                best, clean = _noise.score_noisy(loop, noise, t, schedule.tables[goal_idx])
                solved = clean >= config.fitness.solved_at - 1e-9
            rec.goal[t] = goal_idx
            loop.record(rec, t, best)
            if noise is not None:
                rec.best_performance[t] = clean
            if every and t % every == 0:
                measured = tracker.measure(loop.pop.genomes[best])
                rec.q[t], rec.qm[t] = measured.q, measured.qm
                if function.active:
                    rec.info_flow[t], rec.coverage[t] = function.measure(loop.pop.genomes[best],
                                                                         schedule.names[goal_idx])
                if hierarchy.active:
                    rec.hierarchy[t], rec.subproblems[t] = hierarchy.measure(loop.pop.genomes[best],
                                                                             schedule.names[goal_idx])
            rec.length = t + 1
            name = schedule.names[goal_idx]
            if solved and first_solved.get(name) is None:
                first_solved[name] = t
                if unsolved is not None:
                    unsolved.discard(name)
            elif name not in first_solved:
                first_solved[name] = None
            if bar is not None and (t & 255) == 0:
                bar.update(t - bar.n)
                bar.set_postfix(goal=name, best=f"{rec.best_fitness[t]:.3f}",
                                qm="-" if measured is None else f"{measured.qm:.2f}", refresh=False)
            if config.stop_on_solve and solved and (unsolved is None or not unsolved):
                status = "solved"
                break
            if t + 1 == config.generations:
                break
            if stop is not None and stop():
                status, best_genome = "interrupted", loop.pop.genomes[best].copy()
                loop.step(select, sel_params)  # the state a checkpoint before generation t + 1 holds
                if checkpoint is not None:
                    _checkpoint.save(checkpoint, config, t + 1, loop.pop, loop.state, rec, first_solved,
                                     elapsed + time.perf_counter() - started)
                break
            loop.step(select, sel_params)
    except KeyboardInterrupt:
        status = "interrupted"
        if rec.length == 0:
            raise
    finally:
        if bar is not None:
            bar.update(rec.length - bar.n)
            bar.close()
        if threads is not None:
            numba.set_num_threads(threads)
    final = rec.length - 1
    if status != "interrupted" or best_genome is None:
        best_genome = loop.pop.genomes[best].copy()
    return RunResult(
        config=config, records=rec, goal_names=schedule.names,
        goal_expressions=_goal_expressions(task, schedule), first_solved=first_solved,
        best_genome=best_genome, best_fitness=float(rec.best_fitness[final]),
        best_performance=float(rec.best_performance[final]),
        best_n_effective=int(rec.n_effective[final]), final_goal=schedule.names[rec.goal[final]],
        status=status, wall_seconds=elapsed + time.perf_counter() - started, inputs=list(task.inputs),
        modularity={**_final_modularity(tracker, best_genome, rep, config, task.inputs),
                    **function.final(best_genome, schedule.names[rec.goal[final]]),
                    **hierarchy.final(best_genome, schedule.names[rec.goal[final]])})


def _final_modularity(tracker: ModularityTracker, genome, rep, config: Config, inputs) -> dict:
    """Partition of the final best; Q_m too unless modularity is off (every = 0)."""
    A, names = rep.to_graph(genome, inputs, config.modularity.directed)
    if config.modularity.every:
        out = partition_summary(tracker.measure(genome), names)
        out.update(tracker.stats())
    else:  # Q found as the tracker would have found it, no null model
        m = config.modularity
        result = _mod.q_only(A, m.directed, m.n_random, tracker.seed, m.method)
        out = partition_summary(dataclasses.replace(result, reason="not computed: modularity.every = 0"), names)
    out["directed"] = config.modularity.directed
    return out


def _set_threads(params) -> int | None:
    """Use ``engine.threads`` threads for the prange kernels; returns the
    number to restore after the run (None: nothing changed)."""
    if not params.parallel or not params.threads:
        return None
    before = numba.get_num_threads()
    numba.set_num_threads(min(params.threads, numba.config.NUMBA_NUM_THREADS))
    return before


def _progress_bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():  # no \r frames in a log file or a pipe
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="gen", unit_scale=True, dynamic_ncols=True, leave=False)

"""Q and Q_m of the best individual while a run goes on (and, when asked,
its information-flow modularity and sub-goal coverage).

Measuring is memoised twice over: the elite best is usually the same genome
as one generation ago (nothing to do), and different genomes often wire the
same graph (one ``qm`` per distinct graph). Q_rand and Q_max depend only on
the degree sequence and sit in a ``DegreeCache``, so a run pays the null
model once per distinct degree sequence.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from evomod import modularity as _mod
from evomod.config import ModularityParams
from evomod.modularity import table as nulltable

_MEMO_SIZE = 1 << 14  # distinct graphs remembered; a 12-gate graph is ~2 KB


class ModularityTracker:
    """Measures genomes through ``graph_of(genome) -> adjacency``.

    ``seed_seq`` (the run's modularity stream) seeds the search for Q of
    every graph. Q_rand and Q_max are seeded by the degree sequence, so the
    shipped table (``nulltable``) and a ``params.cache`` file other runs
    share change how long a run takes, never what it logs.
    """

    def __init__(self, params: ModularityParams, graph_of: Callable[[np.ndarray], np.ndarray],
                 seed_seq: np.random.SeedSequence):
        self.params = params
        self.graph_of = graph_of
        self.seed = int(seed_seq.generate_state(1, np.uint32)[0])
        self.cache = _mod.DegreeCache(params.cache or None, base=nulltable.load())
        self.graphs_measured = 0
        self.randomisations = 0
        self._memo: dict[bytes, _mod.QmResult] = {}
        self._last_genome: bytes | None = None
        self._last: _mod.QmResult | None = None

    def measure(self, genome: np.ndarray) -> _mod.QmResult:
        """Q, Q_m and the best partition of one genome's graph."""
        raw = genome.tobytes()  # ~0.2 us; np.array_equal costs ~5 us, every generation
        if raw == self._last_genome:
            return self._last
        A = self.graph_of(genome)
        key = A.shape[0].to_bytes(2, "little") + np.packbits(A > 0).tobytes()
        result = self._memo.get(key)
        if result is None:
            if self.params.qm:
                result = _mod.qm(A, self.params.directed, self.params.n_random, self.seed, self.cache,
                                 self.params.method, self.params.null)
            else:
                result = _mod.q_only(A, self.params.directed, self.params.n_random, self.seed,
                                     self.params.method)
            self.graphs_measured += 1
            if not result.cached and not math.isnan(result.q_rand):
                self.randomisations += self.params.n_random
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = result
        self._last_genome = raw
        self._last = result
        return result

    def stats(self) -> dict:
        """What the null model cost: graphs measured, random networks drawn, cache use."""
        return {"graphs_measured": self.graphs_measured, "randomisations": self.randomisations,
                "cache_lookups": self.cache.hits + self.cache.misses,
                "cache_hit_rate": round(self.cache.hit_rate, 4)}


def partition_summary(result: _mod.QmResult, names: list[str]) -> dict:
    """JSON-ready Q, Q_m and modules (lists of node names) of one measurement."""
    nan_to_none = lambda x: None if math.isnan(x) else float(x)  # noqa: E731
    labels = [int(v) for v in result.labels]
    modules = [[n for n, lab in zip(names, labels) if lab == c] for c in range(max(labels) + 1)]
    return {"q": float(result.q), "qm": nan_to_none(result.qm), "q_rand": nan_to_none(result.q_rand),
            "q_max": nan_to_none(result.q_max), "reason": result.reason, "n_random": result.n_random,
            "nodes": list(names), "labels": labels, "modules": modules}


class FunctionTracker:
    """``info_flow`` and ``coverage`` of the best (``modularity.info_flow``,
    ``modularity.coverage``), remembered for the last genome measured."""

    def __init__(self, params: ModularityParams, rep, task, seed: int):
        self.rep, self.inputs, self.seed = rep, list(task.inputs), seed
        self.flow, self.cover = params.info_flow, params.coverage
        self.active = self.flow or self.cover
        self.subgoals = _subgoals(task) if self.cover else {}
        self._last: tuple | None = None

    def _measured(self, genome: np.ndarray, goal: str) -> tuple:
        """(best information-flow partition or None, coverage or NaN), memoised on the last genome."""
        from evomod.measures import infoflow
        from evomod.measures.functional import coverage

        key = (genome.tobytes(), goal)
        if self._last is None or self._last[0] != key:
            program = self.rep.program(genome, self.inputs)
            found = None
            if self.flow and program.connected().sum() >= 2:
                found = infoflow.search(program, 2, seed=self.seed)
            goals = self.subgoals.get(goal)
            cover = coverage(program, goals)["coverage"] if self.cover and goals else math.nan
            self._last = (key, (found, cover))
        return self._last[1]

    def measure(self, genome: np.ndarray, goal: str) -> tuple[float, float]:
        found, cover = self._measured(genome, goal)
        return (math.nan if found is None else found.score), cover

    def final(self, genome: np.ndarray, goal: str) -> dict:
        """The final best's exchange matrix and partition, and coverage, for summary.json."""
        if not self.active:
            return {}
        found, cover = self._measured(genome, goal)
        out = {}
        if self.flow:
            out["info_flow"] = None if found is None else found.as_dict()
        if self.cover:
            out["coverage"] = None if math.isnan(cover) else cover
        return out


def _subgoals(task) -> dict:
    """Sub-goals of every goal given as expressions (none for other goals)."""
    from evomod.measures.functional import goal_subgoals
    from evomod.problems.goals import GoalError

    out = {}
    for name, exprs in task.expressions.items():
        try:
            out[name] = goal_subgoals(exprs, task.inputs)
        except GoalError:
            continue
    return out


class HierarchyTracker:
    """``hierarchy`` (global reaching centrality) and ``subproblems`` (fraction
    of the current goal's sub-goals solved) of the best, when
    ``modularity.hierarchy`` (Mengistu et al. 2016; ``evomod.measures.hierarchy``)."""

    def __init__(self, params: ModularityParams, rep, task):
        self.rep, self.n_inputs = rep, len(task.inputs)
        self.active = params.hierarchy
        self.subgoals = _subgoals(task) if self.active else {}
        self._last: tuple | None = None

    def measure(self, genome: np.ndarray, goal: str) -> tuple[float, float]:
        """(H, fraction of the goal's sub-goals solved; NaN without sub-goals), memoised on the last genome."""
        from evomod.measures import hierarchy
        from evomod.problems.goals import unpack

        key = (genome.tobytes(), goal)
        if self._last is None or self._last[0] != key:
            h = hierarchy.global_reaching_centrality(self.rep.to_graph(genome, directed=True)[0])
            goals = self.subgoals.get(goal)
            solved = math.nan
            if goals and self.rep.supports("program"):
                found = hierarchy.subproblems_solved(self.rep.program(genome), hierarchy.node_layers(self.rep, genome),
                                                     [unpack(g.table, self.n_inputs) for g in goals])
                solved = sum(found) / len(found)
            self._last = (key, (h, solved))
        return self._last[1]

    def final(self, genome: np.ndarray, goal: str) -> dict:
        """The final best's values for summary.json (None where undefined)."""
        if not self.active:
            return {}
        h, solved = self.measure(genome, goal)
        return {"hierarchy": None if math.isnan(h) else h, "subproblems": None if math.isnan(solved) else solved}

"""Per-run measures of a replication study, read from its directory.

Every measure is one function ``fn(run: RunView) -> float`` registered in
``MEASURES`` with a one-line description; NaN means "not defined for this
run" (e.g. gates of an unsolved run) and is left out of the statistics.
"""

from __future__ import annotations

import json
import math
from functools import cached_property
from pathlib import Path

import numpy as np

from evomod.measures.adaptation import switches
from evomod.replicate.experiments import Experiment

MEASURES: dict = {}


def measure(name: str, description: str):
    def decorate(fn):
        fn.description = description
        MEASURES[name] = fn
        return fn
    return decorate


class StudyData:
    """The records and documents of some runs of a study, read together on first
    use (one scan of the datasets, not one per run)."""

    COLUMNS = ("generation", "goal", "best_performance", "q", "qm", "connections", "n_effective", "hierarchy",
               "subproblems")

    def __init__(self, out: Path, run_ids: list[str]):
        self.out, self.run_ids = Path(out), list(run_ids)
        self._docs: dict = {}

    def records(self, run_id: str) -> dict:
        return self._by_run.get(run_id) or {name: np.zeros(0) for name in self.COLUMNS}

    @cached_property
    def _by_run(self) -> dict:
        import pyarrow as pa
        import pyarrow.dataset as ds

        from evomod.study.results import read_records, records_dataset

        present = set(records_dataset(self.out).schema.names)  # optional columns: absent in older studies
        wanted = [c for c in self.COLUMNS if c in present]
        t = read_records(self.out, ["run_id", *wanted], ds.field("run_id").isin(pa.array(self.run_ids)))
        t = t.sort_by([("run_id", "ascending"), ("generation", "ascending")])
        ids = np.asarray(t.column("run_id").to_pylist(), dtype=object)
        cols = {name: t.column(name).to_numpy() for name in wanted}
        if not len(ids):
            return {}
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        ends = np.r_[starts[1:], len(ids)]
        return {ids[a]: {name: v[a:b] for name, v in cols.items()} for a, b in zip(starts, ends)}

    def document(self, run_id: str, kind: str) -> str:
        if kind not in self._docs:
            from evomod.study.results import documents

            self._docs[kind] = documents(self.out, self.run_ids, kind)
        return self._docs[kind][run_id]


class RunView:
    """One finished run: its runs.parquet row, records and saved files, read lazily."""

    def __init__(self, out: Path, row: dict, switch_at: int | None, study: StudyData | None = None):
        self.out, self.row, self.switch_at = Path(out), row, switch_at
        self.cap = int(row["generation_cap"])
        self.study = study or StudyData(out, [row["run_id"]])

    @cached_property
    def records(self) -> dict:
        return self.study.records(self.row["run_id"])

    @cached_property
    def summary(self) -> dict:
        return json.loads(self.study.document(self.row["run_id"], "summary"))

    @cached_property
    def best(self) -> dict:
        from evomod.io.genome_file import read_genome

        run_id = self.row["run_id"]
        return read_genome(self.out / "summaries" / run_id / "best.json", text=self.study.document(run_id, "best"))

    @cached_property
    def beyond_q(self) -> dict:
        """Information flow and functional checks of the final best (evomod.measures.infoflow,
        evomod.measures.functional) on its best-Q partition from summary.json; NaN where undefined."""
        from evomod.measures import functional, infoflow

        best = self.best
        rep, genome, inputs = best["rep"], best["genome"], best["inputs"]
        labels = np.asarray(self.summary["modularity"]["labels"], dtype=np.int64)
        out = dict.fromkeys(("info_flow", "info_flow_q", "flow_q_nmi", "coverage", "task_nmi",
                             "mutation_inside", "mutation_across"), math.nan)
        if not rep.supports("program"):
            return out
        program = rep.program(genome, inputs)
        if program.connected().sum() >= 2:
            found = infoflow.search(program, 2, start=labels)  # a start of another size is ignored
            out.update(info_flow=found.score, info_flow_q=infoflow.information_flow(program, labels).score,
                       flow_q_nmi=functional.agreement(found.labels, labels)["nmi"])
        expressions = best["goal"].get("expressions")
        if rep.supports("mutation_effects") and expressions:
            checks = functional.check(genome, rep, inputs, expressions, labels)
            mutation = checks["mutation"]
            out.update(coverage=_float(checks["coverage"]), task_nmi=checks["nmi"],
                       mutation_inside=_float(mutation["inside"]), mutation_across=_float(mutation["across"]))
        return out

    @cached_property
    def robustness(self) -> dict:
        """Broadness of the final best on its final goal (``evomod.measures.robustness``, 1,000 walks
        of 5 mutations, seed 0)."""
        from evomod.measures.robustness import goal_table, robustness

        best = self.best
        return robustness(best["rep"], best["genome"], goal_table(best))

    @property
    def first_solved(self) -> dict:
        return json.loads(self.row["first_solved"] or "{}")

    def before_switch(self, column: str) -> float:
        """The last value of ``column`` measured before the single switch."""
        rec = self.records
        ok = (rec["generation"] < self.switch_at) & np.isfinite(rec[column].astype(float))
        return float(rec[column][ok][-1]) if ok.any() else math.nan


@measure("solved", "1 if the run solved every goal it met, else 0 (single switch: the first goal)")
def solved(run: RunView) -> float:
    return float(generations_to_solve(run) < _solve_cap(run))


def _solve_cap(run: RunView) -> int:
    return run.switch_at if run.switch_at else run.cap


@measure("generations_to_solve", "generations until every goal had been solved (unsolved: the cap, "
         "as the medians of the papers count them); single switch: the first goal, before the switch")
def generations_to_solve(run: RunView) -> float:
    if run.switch_at:
        t = run.first_solved.get(run.summary["config"]["schedule"]["goals"][0])
        return float(t) if t is not None and t < run.switch_at else float(run.switch_at)
    t = run.row["generations_to_solve"]
    return float(run.cap if t is None else t)


@measure("final_qm", "Q_m of the final best")
def final_qm(run: RunView) -> float:
    return _float(run.row["final_qm"])


@measure("final_q", "Q of the final best")
def final_q(run: RunView) -> float:
    return _float(run.row["final_q"])


@measure("final_performance", "performance of the final best on the goal of the last generation")
def final_performance(run: RunView) -> float:
    return _float(run.row["final_best_performance"])


@measure("gates", "effective gates (circuits) or neurons left after pruning (networks) of the final best, "
         "solved runs only")
def gates(run: RunView) -> float:
    return _float(run.row["final_n_effective"]) if solved(run) else math.nan


@measure("final_gates", "effective gates (circuits) or nodes left after pruning (networks) of the final "
         "best, every run")
def final_gates(run: RunView) -> float:
    return _float(run.row["final_n_effective"])


@measure("recovery", "median over the goal switches after the run first solved both goals of the "
         "generations until the best is perfect again (a switch not recovered from counts as the period)")
def recovery(run: RunView) -> float:
    t0 = run.row["generations_to_solve"]
    if t0 is None:
        return math.nan
    rec = run.records
    after = [e for e in switches(rec["goal"], rec["best_performance"], generation=rec["generation"])
             if e["generation"] > t0]
    if len(after) < 2:
        return math.nan
    # the last epoch may be cut short by the cap: left out; a censored one counts as its length
    times = [nxt["generation"] - e["generation"] if e["generations_to_perfect"] is None
             else e["generations_to_perfect"] for e, nxt in zip(after, after[1:])]
    return float(np.median(times))


@measure("q_before_switch", "Q of the best at the last measurement before the switch")
def q_before_switch(run: RunView) -> float:
    return run.before_switch("q") if run.switch_at else final_q(run)


@measure("performance_before_switch", "best performance in the generation before the switch")
def performance_before_switch(run: RunView) -> float:
    return run.before_switch("best_performance") if run.switch_at else _float(run.row["final_best_performance"])


@measure("adaptation", "generations after the single switch until the best performs at least as well "
         "on the new goal as it did on the old one just before (not reached: the generations left)")
def adaptation(run: RunView) -> float:
    if not run.switch_at:
        return math.nan
    rec = run.records
    target = run.before_switch("best_performance")
    after = rec["generation"] >= run.switch_at
    hit = np.flatnonzero(rec["best_performance"][after] >= target - 1e-12)
    if len(hit):
        return float(rec["generation"][after][hit[0]] - run.switch_at)
    return float(run.row["generations_run"] - run.switch_at) if after.any() else 0.0


@measure("left_right", "1 if the final best's best 2-way split puts the left and the right inputs in "
         "different modules (networks only)")
def left_right(run: RunView) -> float:
    best = run.best
    if not best["rep"].supports("left_right_split"):
        return math.nan
    return float(best["rep"].left_right_split(best["genome"], True)["separates"])


@measure("connections", "connections of the final best")
def connections(run: RunView) -> float:
    return _float(run.records["connections"][-1])


def _late(run: RunView, column: str = "best_performance") -> np.ndarray | None:
    """``column`` over the last 10% of the cap; None for a run that stopped early."""
    if run.row["generations_run"] < run.cap:
        return None
    rec = run.records
    return rec[column][rec["generation"] >= run.cap - max(1, run.cap // 10)].astype(float)


@measure("late_qm", "mean Q_m of the best over the last 10% of the generations, where measured and defined "
         "(runs that reached the cap)")
def late_qm(run: RunView) -> float:
    late = _late(run, "qm")
    return math.nan if late is None or not np.isfinite(late).any() else float(np.nanmean(late))


@measure("late_q", "mean Q of the best over the last 10% of the generations (runs that reached the cap)")
def late_q(run: RunView) -> float:
    late = _late(run, "q")
    return math.nan if late is None or not np.isfinite(late).any() else float(np.nanmean(late))


@measure("late_gates", "mean effective gates (circuits) or nodes after pruning (networks) of the best over the last "
         "10% of the generations (runs that reached the cap)")
def late_gates(run: RunView) -> float:
    late = _late(run, "n_effective")
    return math.nan if late is None else float(late.mean())


@measure("neutrality", "fraction of all single mutations of the final best that keep its performance on its final "
         "goal (evomod.measures.robustness)")
def neutrality(run: RunView) -> float:
    return float(run.robustness["neutrality"])


@measure("mean_mutant", "mean performance of all single mutants of the final best on its final goal (circuits: "
         "mutations of the effective gates and outputs; networks: all loci)")
def mean_mutant(run: RunView) -> float:
    return float(run.robustness["mean_mutant"])


@measure("basin_95", "fraction of 1,000 random walks of 5 single mutations from the final best that stay at >= 95% "
         "performance at every step")
def basin_95(run: RunView) -> float:
    return float(run.robustness["basin_95"])


@measure("late_performance", "mean best performance over the last 10% of the generations (runs that "
         "reached the cap)")
def late_performance(run: RunView) -> float:
    late = _late(run)
    return math.nan if late is None else float(late.mean())


@measure("late_perfect", "fraction of the last 10% of the generations whose best is perfect (runs that "
         "reached the cap)")
def late_perfect(run: RunView) -> float:
    late = _late(run)
    return math.nan if late is None else float((late >= 1.0 - 1e-12).mean())


BEYOND_Q = {  # measure: (key of RunView.beyond_q, description)
    "final_info_flow": ("info_flow", "information-flow modularity of the final best: the score of its best "
                        "2-module partition (evomod.measures.infoflow)"),
    "final_info_flow_q": ("info_flow_q", "information-flow modularity of the final best's best-Q partition"),
    "flow_q_nmi": ("flow_q_nmi", "NMI between the final best's best-Q partition and its best information-flow "
                   "partition"),
    "final_coverage": ("coverage", "fraction of the final goal's sub-goals some gate of the final best computes "
                       "(up to complement)"),
    "final_task_nmi": ("task_nmi", "NMI between the final best's best-Q partition and the task's own "
                       "decomposition"),
    "mutation_inside": ("mutation_inside", "rows changed per gate, inside the mutated gate's module (best-Q "
                        "partition), mean over every single rewiring of the final best"),
    "mutation_across": ("mutation_across", "the same, at gates of the other modules"),
}


def _beyond_q(key: str):
    return lambda run: float(run.beyond_q[key])


for _name, (_key, _text) in BEYOND_Q.items():
    measure(_name, _text)(_beyond_q(_key))


def _float(x) -> float:
    return math.nan if x is None else float(x)


def collect(out: Path, exp: Experiment, names=None, rows: list[dict] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """``{condition label: {measure: values of its finished runs}}``; ``rows``:
    runs.parquet's rows when the caller has them (else rebuilt from the run directories)."""
    from evomod.study.results import read_manifest, rebuild

    out = Path(out)
    manifest = read_manifest(out)
    rows = rebuild(out).to_pylist() if rows is None else rows
    labels = {c["index"]: c["label"] for c in manifest["cells"]}
    periods = {c["index"]: c["overrides"].get("schedule.period") for c in manifest["cells"]}
    names = list(names or dict.fromkeys([*exp.measures, *(c.measure for c in exp.claims)]))
    result: dict[str, dict[str, np.ndarray]] = {labels[i]: {} for i in labels}
    for index, label in labels.items():
        single = label in exp.single_switch
        chosen = [r for r in rows if r["cell_index"] == index and r["status"] not in ("failed", "pending")]
        data = StudyData(out, [r["run_id"] for r in chosen])
        runs = [RunView(out, r, periods[index] if single else None, data) for r in chosen]
        for name in names:
            result[label][name] = np.array([MEASURES[name](r) for r in runs], dtype=float)
    return result

"""Per-run measures of the lineage's experiments (Kashtan & Alon 2005's
6-input goals, Kashtan, Noor & Alon 2007, Mengistu et al. 2016), registered
in ``evomod.replicate.measures.MEASURES`` like the others."""

from __future__ import annotations

import math

import numpy as np

from evomod.replicate.measures import RunView, measure


def _target(run: RunView) -> str:
    return run.summary["config"]["schedule"]["goals"][0]


@measure("generations_to_target", "generations until the best first solved the target goal (the first of the "
         "schedule's goals; under MVG or RVG it is solved while it is the goal in force); unsolved: the cap")
def generations_to_target(run: RunView) -> float:
    t = run.first_solved.get(_target(run))
    return float(run.cap if t is None else t)


@measure("target_solved", "1 if the best solved the target goal within the cap, else 0")
def target_solved(run: RunView) -> float:
    return float(run.first_solved.get(_target(run)) is not None)


def _before_switch_or_final(run: RunView, column: str) -> float:
    if run.switch_at:
        return run.before_switch(column)
    value = (run.summary.get("modularity") or {}).get(column)
    return math.nan if value is None else float(value)


@measure("hierarchy_before_switch", "hierarchy H of the best (global reaching centrality of its pruned graph read "
         "backwards, unweighted) at the last measurement before the switch")
def hierarchy_before_switch(run: RunView) -> float:
    return _before_switch_or_final(run, "hierarchy")


@measure("subproblems_before_switch", "fraction of the first goal's sub-problems the best solves (a node, or "
         "two nodes of a layer feeding one node, separates it) at the last measurement before the switch")
def subproblems_before_switch(run: RunView) -> float:
    return _before_switch_or_final(run, "subproblems")


@measure("adaptation_to_perfect", "runs whose best was perfect just before the switch: generations after it "
         "until the best is perfect on the new goal (not reached: the generations left); other runs: undefined")
def adaptation_to_perfect(run: RunView) -> float:
    if not run.switch_at or run.before_switch("best_performance") < 1.0 - 1e-12:
        return math.nan
    rec = run.records
    after = rec["generation"] >= run.switch_at
    hit = np.flatnonzero(rec["best_performance"][after] >= 1.0 - 1e-12)
    return float(hit[0]) if len(hit) else float(after.sum())


def _functional(run: RunView) -> dict:
    """Sub-goal coverage, agreement with the task's decomposition and the information flow of the
    final best's best-Q partition (``evomod.measures.functional``, ``evomod.measures.infoflow``),
    once per run. Cheaper than ``RunView.beyond_q``: no search for the best information-flow
    partition, which takes minutes on some 26-gate circuits."""
    if "_functional" not in run.__dict__:
        from evomod.measures import functional, infoflow

        best = run.best
        rep, genome, inputs = best["rep"], best["genome"], best["inputs"]
        labels = np.asarray(run.summary["modularity"]["labels"], dtype=np.int64)
        out = dict.fromkeys(("coverage", "task_nmi", "info_flow_q"), math.nan)
        expressions = best["goal"].get("expressions")
        if rep.supports("program") and rep.supports("mutation_effects") and expressions:
            program = rep.program(genome, inputs)
            checks = functional.check(genome, rep, inputs, expressions, labels)
            out["coverage"] = math.nan if checks["coverage"] is None else float(checks["coverage"])
            out["task_nmi"] = float(checks["nmi"])
            if program.connected().sum() >= 2 and len(set(labels.tolist())) >= 2:
                out["info_flow_q"] = float(infoflow.information_flow(program, labels).score)
        run.__dict__["_functional"] = out
    return run.__dict__["_functional"]


@measure("all_subgoals", "1 if some gate of the final best computes each sub-goal of the final goal (up to "
         "complement; the three XORs A, B, C of K&A's 6-input goals), else 0")
def all_subgoals(run: RunView) -> float:
    coverage = _functional(run)["coverage"]
    return math.nan if math.isnan(coverage) else float(coverage >= 1.0 - 1e-12)


@measure("subgoal_coverage", "fraction of the final goal's sub-goals some gate of the final best computes (up to "
         "complement)")
def subgoal_coverage(run: RunView) -> float:
    return _functional(run)["coverage"]


@measure("task_nmi", "NMI between the final best's best-Q partition and the task's decomposition (one group per "
         "top-level sub-goal's inputs, one for combining nodes)")
def task_nmi(run: RunView) -> float:
    return _functional(run)["task_nmi"]


@measure("info_flow_q", "information-flow modularity (evomod.measures.infoflow) of the final best's best-Q "
         "partition")
def info_flow_q(run: RunView) -> float:
    return _functional(run)["info_flow_q"]

"""From the runs of a selection benchmark to its numbers: per-task tables, anytime
curves, pairwise tests, the across-task ranking and the pre-registered claim.

Per task and strategy: success rate; ERT to the final target (the task's
``solved_at``) in generations, evaluations and seconds; median (IQR)
generations to solve of the solved runs; fixed-budget best-so-far
performance after 10, 100, 1,000 and 10,000 generations; Q, Q_m and the
information-flow modularity of the final best of every run. Strategies are
ranked per task by ERT (fewer generations first), ties (e.g. no success)
broken by the mean final performance. Runtimes are generations evaluated
(``evomod.bench.anytime``); seconds assume each run's mean time per
generation throughout.

The pre-registered claim (decided before any run, docs/benchmarks/selection.md):
on every multiplexer and even-parity task of the suite, lexicase needs fewer
generations to solve than tournament selection; one-sided Mann–Whitney U,
unsolved runs ranked last, Holm over those tasks, alpha = 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from evomod.bench import anytime as _any
from evomod.bench import stats as _stats

ALPHA = 0.05
CLAIM = ("lexicase", "tournament")  # (expected faster, baseline)
CLAIM_TASKS = ("mux", "parity")  # tasks whose preset name contains one of these


def claim_task(task: str) -> bool:
    return any(word in task for word in CLAIM_TASKS)


@dataclass
class TaskResult:
    info: object  # selection.TaskInfo
    strategies: list[str]
    rows: dict[str, dict]  # strategy -> summary numbers
    ecdf: dict[str, np.ndarray]  # strategy -> ECDF over the grid
    grid: np.ndarray  # generations
    curves: dict[str, np.ndarray]  # strategy -> (3, len(grid)) quartiles of the best-so-far
    pairwise: list[dict]
    qm_test: dict  # Kruskal-Wallis of final Q_m across strategies
    targets: np.ndarray


@dataclass
class Result:
    tasks: dict[str, TaskResult]
    strategies: list[str]
    skipped: dict
    friedman: object | None  # stats.Friedman
    claim: list[dict]
    verdict: str
    runs_table: list[dict] = field(default_factory=list)
    hits_table: list[dict] = field(default_factory=list)
    runs_by_task: dict = field(default_factory=dict)


def _q(values, qs=(25, 50, 75)) -> list[float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return [float(np.percentile(v, q)) for q in qs] if v.size else [math.nan] * len(qs)


def _mean_sd(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return (float(v.mean()) if v.size else math.nan, float(v.std(ddof=1)) if v.size > 1 else math.nan)


def runtimes(run, info, levels) -> np.ndarray:
    """Generations evaluated until each level (inf: never). A task with a varying goal has
    one level, every goal solved, from the study's generations to solve."""
    if info.fixed:
        return _any.first_hits(run.best, levels)
    return np.array([math.inf if run.generations_to_solve is None else run.generations_to_solve + 1.0])


def analyse_task(runs: list, info, strategies: list[str]) -> TaskResult:
    levels = _any.targets(info.solved_at, info.cases) if info.fixed else np.array([info.solved_at])
    present = [s for s in strategies if any(r.strategy == s for r in runs)]
    grid = _any.ecdf_grid(info.cap)
    budgets = list(_any.FIXED_BUDGETS)
    rows, ecdfs, curves, final_rt = {}, {}, {}, {}
    for s in present:
        mine = [r for r in runs if r.strategy == s]
        hits = np.array([runtimes(r, info, levels) for r in mine])
        used = np.array([float(r.generations_run) for r in mine])
        spg = np.array([r.seconds_per_generation for r in mine])
        final = hits[:, -1]
        final_rt[s] = final
        ok = np.isfinite(final)
        ert = _any.ert(final, used)
        ert_s = (float(np.where(ok, final, used) @ spg / ok.sum()) if ok.any() else math.inf)
        fb = np.array([_any.fixed_budget(r.best, budgets, r.solved) for r in mine]) if info.fixed else None
        rows[s] = {
            "runs": len(mine), "solved": int(ok.sum()), "ert": ert, "ert_evaluations": ert * info.population,
            "ert_seconds": ert_s, "runtime_q": _q(final[ok]),
            "fixed_budget": {b: (_q(fb[:, k]) if b <= info.cap else [math.nan] * 3)
                             for k, b in enumerate(budgets)} if fb is not None else {},
            "final_performance": float(np.mean([np.max(r.best) for r in mine])),
            "q": _mean_sd([r.final_q for r in mine]), "qm": _mean_sd([r.final_qm for r in mine]),
            "info_flow": _mean_sd([r.info_flow for r in mine]),
            "ms_per_generation": 1e3 * float(np.median(spg)),
            "qm_values": np.array([r.final_qm for r in mine]),
        }
        ecdfs[s] = _any.ecdf(hits, grid)
        if info.fixed:
            so_far = np.array([_any.fixed_budget(r.best, grid, r.solved) for r in mine])
            curves[s] = np.array([np.nanpercentile(so_far, q, axis=0) if np.isfinite(so_far).any()
                                  else np.full(len(grid), np.nan) for q in (25, 50, 75)])
    key = {s: (rows[s]["ert"], -round(rows[s]["final_performance"], 12)) for s in present}
    for s in present:  # 1 = best; equal keys share their mean rank
        better, equal = sum(key[o] < key[s] for o in present), sum(key[o] == key[s] for o in present)
        rows[s]["rank"] = better + (equal + 1) / 2
    qms = [rows[s]["qm_values"][np.isfinite(rows[s]["qm_values"])] for s in present]
    qm_test = {"p": math.nan, "statistic": math.nan}
    if sum(len(v) > 0 for v in qms) >= 2 and np.unique(np.concatenate(qms)).size > 1:
        from scipy import stats

        res = stats.kruskal(*[v for v in qms if len(v)])
        qm_test = {"p": float(res.pvalue), "statistic": float(res.statistic)}
    return TaskResult(info, present, rows, ecdfs, grid, curves, _stats.pairwise(final_rt), qm_test, levels)


def _claim(tasks: dict[str, TaskResult], runs_by_task: dict) -> tuple[list[dict], str]:
    fast, slow = CLAIM
    rows = []
    for name, tr in tasks.items():
        if not claim_task(name) or fast not in tr.rows or slow not in tr.rows:
            continue
        levels = tr.targets
        rt = {s: np.array([runtimes(r, tr.info, levels)[-1] for r in runs_by_task[name] if r.strategy == s])
              for s in (fast, slow)}
        p_for, a = _stats.one_sided(rt[fast], rt[slow])
        p_against, _ = _stats.one_sided(rt[slow], rt[fast])
        rows.append({"task": name, "p": p_for, "p_against": p_against, "a12": a,
                     "solved_fast": tr.rows[fast]["solved"], "solved_slow": tr.rows[slow]["solved"],
                     "runs_fast": tr.rows[fast]["runs"], "runs_slow": tr.rows[slow]["runs"],
                     "ert_fast": tr.rows[fast]["ert"], "ert_slow": tr.rows[slow]["ert"]})
    if not rows:
        return rows, "not tested (no multiplexer or parity task with both lexicase and tournament)"
    adj, adj_against = _stats.holm([r["p"] for r in rows]), _stats.holm([r["p_against"] for r in rows])
    for r, p, q in zip(rows, adj, adj_against):
        r["p_holm"], r["p_against_holm"] = float(p), float(q)
        r["verdict"] = "agrees" if p < ALPHA else "contradicts" if q < ALPHA else "inconclusive"
    n = len(rows)
    agree = sum(r["verdict"] == "agrees" for r in rows)
    if any(r["verdict"] == "contradicts" for r in rows):
        bad = sum(r["verdict"] == "contradicts" for r in rows)
        verdict = f"contradicted (tournament significantly faster on {bad} of {n} tasks)"
    elif agree == n:
        verdict = f"agrees (on all {n} tasks)"
    elif agree:
        verdict = f"partly agrees (on {agree} of {n} tasks; the others inconclusive)"
    else:
        verdict = f"inconclusive (no significant difference on any of the {n} tasks)"
    return rows, verdict


def analyse(data: list, infos: dict, strategies: list[str], skipped: dict) -> Result:
    """Everything the report shows, from the finished runs of every task."""
    import pandas as pd

    runs_by_task = {t: [r for r in data if r.task == t] for t in infos}
    tasks = {t: analyse_task(runs_by_task[t], infos[t], strategies) for t in infos if runs_by_task[t]}
    present = [s for s in strategies if any(s in tr.rows for tr in tasks.values())]
    fried = None
    common = [s for s in present if all(s in tr.rows for tr in tasks.values())]
    if len(tasks) >= 2 and len(common) >= 3:
        scores = pd.DataFrame({s: [tr.rows[s]["rank"] for tr in tasks.values()] for s in common},
                              index=list(tasks))
        fried = _stats.friedman(scores, ALPHA)
    claim, verdict = _claim(tasks, runs_by_task)
    runs_table, hits_table = [], []
    for t, tr in tasks.items():
        info = tr.info
        for r in runs_by_task[t]:
            hits = runtimes(r, info, tr.targets)
            fb = _any.fixed_budget(r.best, _any.FIXED_BUDGETS, r.solved) if info.fixed else [math.nan] * 4
            runs_table.append({
                "task": t, "strategy": r.strategy, "seed_index": r.seed_index, "seed": r.seed, "solved": r.solved,
                "generations": _none(hits[-1]), "evaluations": _none(hits[-1] * info.population),
                "seconds": _none(hits[-1] * r.seconds_per_generation), "generations_run": r.generations_run,
                "final_performance": float(np.max(r.best)), "final_q": _none(r.final_q),
                "final_qm": _none(r.final_qm), "final_info_flow": _none(r.info_flow),
                **{f"best_at_{b}": _none(v) for b, v in zip(_any.FIXED_BUDGETS, fb)}})
            for level, h in zip(tr.targets, hits):
                hits_table.append({"task": t, "strategy": r.strategy, "seed_index": r.seed_index,
                                   "target": float(level), "generations": _none(h),
                                   "evaluations": _none(h * info.population),
                                   "seconds": _none(h * r.seconds_per_generation)})
    return Result(tasks, present, skipped, fried, claim, verdict, runs_table, hits_table, runs_by_task)


def _none(x):
    """Finite float or None (inf = not reached, NaN = not observed: both null in the tables)."""
    x = float(x)
    return x if math.isfinite(x) else None

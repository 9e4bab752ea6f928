"""``evomod bench selection``: every selection strategy on every task, many seeds.

Each (strategy, task, seed) is one whole run of the task's preset with only
``[selection]`` swapped (the preset's pm and pc kept, the strategy's own
parameters at their defaults), stopping once every goal of the schedule is
solved. Each task is one study (``evomod.study``: a condition per
strategy, run on Dask, resumable) in ``OUT/<task>/``. The table reports the
success rate, the median (IQR) generation of success, the final best's Q
and Q_m (NaN where the preset does not compute it: Clune's log Q alone)
and the time per generation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evomod import config as _config
from evomod.io.files import atomic_write, atomic_write_text
from evomod.registry import ConfigError

DEFAULT_STRATEGIES = ("elite", "tournament", "roulette", "rank", "truncation", "mu_plus_lambda",
                      "mu_comma_lambda", "nsga2", "stochastic_nsga2", "lexicase")
DEFAULT_TASKS = ("ka2005-logic-mvg", "clune2013-pa")


@dataclass
class Outcome:
    strategy: str
    task: str
    seed: int
    solved_at: int | None
    q: float
    qm: float
    seconds_per_generation: float


def task_preset(name: str) -> str:
    """A preset name; ``NAME`` alone stands for ``NAME-mvg`` when only that exists."""
    names = _config.preset_names()
    if name in names:
        return name
    if f"{name}-mvg" in names:
        return f"{name}-mvg"
    raise ConfigError(f"--tasks: unknown task {name!r}; presets: {', '.join(names)}", "--tasks")


def _base(task: str) -> dict:
    """The task's preset with ``[selection]`` cut to pm and pc: each strategy's
    own keys take their defaults."""
    base = _config.preset_raw(task)
    old = base.get("selection", {})
    base["selection"] = {k: old[k] for k in ("pm", "pc") if k in old}
    return base


def selection_study(task: str, strategies, runs: int, generations: int | None) -> dict:
    """The study of one task: a condition per strategy, ``runs`` seeds each."""
    base = _base(task)
    overrides = {"stop_on_solve": True, "modularity.every": 10**9}  # Q and Q_m at the start and of the final best
    if generations is not None:
        overrides["generations"] = generations
    return {"description": f"evomod bench selection on {task}", "base": base, "seeds": runs, "seed": 0,
            "overrides": overrides,
            "grid": {"strategy": [{"label": s, "selection.name": s} for s in strategies]}}


def outcomes_of(task: str, study_dir: Path) -> list[Outcome]:
    import pyarrow.parquet as pq

    out = []
    for r in pq.read_table(study_dir / "runs.parquet").to_pylist():
        if r["status"] in ("failed", "pending"):
            continue
        solved = r["generations_to_solve"] if r["status"] == "solved" else None
        q, qm = (math.nan if r[k] is None else r[k] for k in ("final_q", "final_qm"))
        out.append(Outcome(r["strategy"], task, r["seed_index"], solved, q, qm,
                           r["wall_seconds"] / max(r["generations_run"], 1)))
    return out


def compatible(strategy: str, task: str) -> str:
    """Why ``strategy`` cannot run ``task`` ("" if it can)."""
    raw = _base(task)
    raw["selection"]["name"] = strategy
    try:
        _config.validate(raw)
    except ConfigError as exc:
        return str(exc)
    return ""


def summarise(outcomes: list[Outcome]) -> list[dict]:
    rows = []
    keys = list(dict.fromkeys((o.strategy, o.task) for o in outcomes))
    for strategy, task in keys:
        group = [o for o in outcomes if (o.strategy, o.task) == (strategy, task)]
        done = np.array([o.solved_at for o in group if o.solved_at is not None], dtype=float)
        qm = np.array([o.qm for o in group if not math.isnan(o.qm)])
        q = np.array([o.q for o in group if not math.isnan(o.q)])
        rows.append({
            "strategy": strategy, "task": task, "runs": len(group), "solved": len(done),
            "median": float(np.median(done)) if len(done) else math.nan,
            "iqr": tuple(np.percentile(done, [25, 75])) if len(done) else (math.nan, math.nan),
            "qm": float(np.mean(qm)) if len(qm) else math.nan,
            "qm_sd": float(np.std(qm)) if len(qm) > 1 else math.nan,
            "q": float(np.mean(q)) if len(q) else math.nan,
            "q_sd": float(np.std(q)) if len(q) > 1 else math.nan,
            "ms_per_gen": 1e3 * float(np.median([o.seconds_per_generation for o in group])),
        })
    return rows


def _mean_sd(mean: float, sd: float) -> str:
    return "—" if math.isnan(mean) else f"{mean:.2f}" + ("" if math.isnan(sd) else f" ± {sd:.2f}")


def markdown(rows: list[dict], skipped: dict[tuple[str, str], str]) -> str:
    lines = ["| task | strategy | solved | generations to solve, median (IQR) | final Q, mean ± sd | "
             "final Q_m, mean ± sd | ms / generation |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        med = "—" if math.isnan(r["median"]) else f"{r['median']:,.0f} ({r['iqr'][0]:,.0f}–{r['iqr'][1]:,.0f})"
        q, qm = (_mean_sd(r[k], r[f"{k}_sd"]) for k in ("q", "qm"))
        lines.append(f"| {r['task']} | {r['strategy']} | {r['solved']}/{r['runs']} | {med} | {q} | {qm} | "
                     f"{r['ms_per_gen']:.2f} |")
    for (strategy, task), why in skipped.items():
        lines.append(f"| {task} | {strategy} | not run: {why} | | | | |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig = Figure(figsize=(9, 3.2 * len(tasks)), layout="constrained")
    for k, task in enumerate(tasks):
        sub = [r for r in rows if r["task"] == task]
        names = [r["strategy"] for r in sub]
        x = np.arange(len(sub))
        ax = fig.add_subplot(len(tasks), 2, 2 * k + 1)
        ax.bar(x, [r["solved"] / r["runs"] for r in sub], color="tab:green")
        ax.set_ylim(0, 1)
        ax.set_ylabel("success rate")
        ax.set_title(task, fontsize=10)
        ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
        ax = fig.add_subplot(len(tasks), 2, 2 * k + 2)
        med = [r["median"] for r in sub]
        lo = [m - r["iqr"][0] if not math.isnan(m) else 0 for m, r in zip(med, sub)]
        hi = [r["iqr"][1] - m if not math.isnan(m) else 0 for m, r in zip(med, sub)]
        ax.bar(x, np.nan_to_num(med), yerr=[lo, hi], color="tab:blue", capsize=3)
        ax.set_ylabel("generations to solve\n(median, IQR)")
        ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
    fig.savefig(path, dpi=120)


def bench_selection(strategies, tasks, runs: int, generations: int | None, out: Path,
                    progress: bool = True, workers: int | None = None) -> tuple[list[dict], str]:
    """Run the grid as one study per task; writes ``selection.md`` and ``selection.png`` into ``out``."""
    from evomod import selection as _sel
    from evomod.study import run_study

    for s in strategies:
        _sel.SELECTION.get(s)  # unknown names fail before anything runs
    tasks = [task_preset(t) for t in tasks]
    skipped = {(s, t): why for s in strategies for t in tasks if (why := compatible(s, t))}
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for task in tasks:
        ok = [s for s in strategies if (s, task) not in skipped]
        if ok:
            run_study(selection_study(task, ok, runs, generations), out / task, workers=workers,
                      progress=progress)
            outcomes += outcomes_of(task, out / task)
    order = {s: k for k, s in enumerate(strategies)}
    outcomes.sort(key=lambda o: (tasks.index(o.task), order[o.strategy], o.seed))
    rows = summarise(outcomes)
    text = markdown(rows, skipped)
    atomic_write_text(out / "selection.md", text)
    if rows:
        atomic_write(out / "selection.png", lambda tmp: plot(rows, tmp))
    return rows, text

"""``evomod bench selection``: every selection strategy on every task, many seeds.

Each (strategy, task, seed) is one whole run of the task's preset with only
``[selection]`` swapped (the preset's pm and pc kept, the strategy's own
parameters at their defaults), stopping once every goal of the schedule is
solved. The table reports the success rate, the median (IQR) generation of
success, the final best's Q_m and the time per generation.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import config as _config
from .registry import ConfigError

DEFAULT_STRATEGIES = ("elite", "tournament", "roulette", "rank", "truncation", "mu_plus_lambda",
                      "mu_comma_lambda", "nsga2", "stochastic_nsga2", "lexicase")
DEFAULT_TASKS = ("ka2005-logic-mvg", "clune2013-pa")


@dataclass
class Outcome:
    strategy: str
    task: str
    seed: int
    solved_at: int | None
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


def bench_config(strategy: str, task: str, seed: int, generations: int | None):
    """The task's preset with ``[selection]`` replaced by ``strategy``'s defaults."""
    raw = _config.preset_raw(task)
    old = raw.get("selection", {})
    raw["selection"] = {"name": strategy, **{k: old[k] for k in ("pm", "pc") if k in old}}
    raw.update(seed=seed, stop_on_solve=True)
    if generations is not None:
        raw["generations"] = generations
    raw.setdefault("modularity", {})["every"] = 0  # Q_m of the final best only
    return _config.validate(raw)


def run_one(strategy: str, task: str, seed: int, generations: int | None, cache: str) -> Outcome:
    from . import modularity as _mod
    from .engine import run

    cfg = bench_config(strategy, task, seed, generations)
    result = run(cfg)
    solved = [t for t in result.first_solved.values()]
    solved_at = max(solved) if result.status == "solved" and all(t is not None for t in solved) else None
    A, _ = _config.representation_of(cfg).to_graph(result.best_genome, directed=cfg.modularity.directed)
    store = _mod.DegreeCache(cache or None)
    qm = _mod.qm(A, cfg.modularity.directed, cfg.modularity.n_random, seed, store).qm
    if cache:
        store.save()
    return Outcome(strategy, task, seed, solved_at, qm, result.wall_seconds / max(result.generations_run, 1))


def compatible(strategy: str, task: str) -> str:
    """Why ``strategy`` cannot run ``task`` ("" if it can)."""
    try:
        bench_config(strategy, task, 0, 2)
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
        rows.append({
            "strategy": strategy, "task": task, "runs": len(group), "solved": len(done),
            "median": float(np.median(done)) if len(done) else math.nan,
            "iqr": tuple(np.percentile(done, [25, 75])) if len(done) else (math.nan, math.nan),
            "qm": float(np.mean(qm)) if len(qm) else math.nan,
            "qm_sd": float(np.std(qm)) if len(qm) > 1 else math.nan,
            "ms_per_gen": 1e3 * float(np.median([o.seconds_per_generation for o in group])),
        })
    return rows


def markdown(rows: list[dict], skipped: dict[tuple[str, str], str]) -> str:
    lines = ["| task | strategy | solved | generations to solve, median (IQR) | final Q_m, mean ± sd | ms / generation |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        med = "—" if math.isnan(r["median"]) else f"{r['median']:,.0f} ({r['iqr'][0]:,.0f}–{r['iqr'][1]:,.0f})"
        qm = "—" if math.isnan(r["qm"]) else f"{r['qm']:.2f}" + ("" if math.isnan(r["qm_sd"]) else f" ± {r['qm_sd']:.2f}")
        lines.append(f"| {r['task']} | {r['strategy']} | {r['solved']}/{r['runs']} | {med} | {qm} | "
                     f"{r['ms_per_gen']:.2f} |")
    for (strategy, task), why in skipped.items():
        lines.append(f"| {task} | {strategy} | not run: {why} | | | |")
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


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def bench_selection(strategies, tasks, runs: int, generations: int | None, out: Path,
                    progress: bool = True) -> tuple[list[dict], str]:
    """Run the grid; writes ``selection.md`` and ``selection.png`` into ``out``."""
    from . import selection as _sel

    for s in strategies:
        _sel.SELECTION.get(s)  # unknown names fail before anything runs
    tasks = [task_preset(t) for t in tasks]
    out.mkdir(parents=True, exist_ok=True)
    skipped = {(s, t): why for s in strategies for t in tasks if (why := compatible(s, t))}
    grid = [(s, t, seed) for t in tasks for s in strategies if (s, t) not in skipped for seed in range(runs)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(grid), unit="run", dynamic_ncols=True)
    cache = str(out / "qm-cache.json")
    outcomes = []
    for strategy, task, seed in grid:
        outcomes.append(run_one(strategy, task, seed, generations, cache))
        if bar is not None:
            bar.set_postfix(strategy=strategy, task=task, refresh=False)
            bar.update()
    if bar is not None:
        bar.close()
    rows = summarise(outcomes)
    text = markdown(rows, skipped)
    _write_atomic(out / "selection.md", lambda p: p.write_text(text))
    if rows:
        _write_atomic(out / "selection.png", lambda p: plot(rows, p))
    return rows, text

"""``evomod bench selection``: every selection strategy on every task, many seeds.

Each (strategy, task, seed) is one whole run of the task's preset with only
``[selection]`` swapped (the preset's pm and pc kept, the strategy's own
parameters at their defaults) and ``generations`` set to the budget,
stopping once the task is solved. Each task is one study (``evomod.study``:
a condition per strategy, run on Dask, resumable, local or on a batch
cluster) in ``OUT/<task>/``. The analysis (``evomod.bench.analysis``) reads
the studies' per-generation records and writes ``OUT/selection.md`` with
its figures and tables (``evomod.bench.report``), and the IOHprofiler export
of the fixed-goal tasks (``evomod.bench.ioh``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evomod import config as _config
from evomod.bench.suite import DEFAULT_STRATEGIES, SUITES  # noqa: F401  (re-exported for callers)
from evomod.registry import ConfigError


@dataclass(frozen=True)
class TaskInfo:
    """What the analysis needs of a task's base config."""

    name: str
    goal: str  # the schedule's first goal
    fixed: bool  # one goal throughout (anytime measures and the IOH export need it)
    population: int
    cases: int  # rows x outputs: pass/fail cases of the goal
    solved_at: float
    cap: int  # generation budget of every run
    dimension: int  # genome length
    preset: str  # the description


@dataclass
class RunData:
    """One finished run: its identity and per-generation best performance."""

    task: str
    strategy: str
    seed_index: int
    seed: int
    best: np.ndarray  # best performance per generation, generation 0 first
    solved: bool
    generations_to_solve: int | None  # generation index of the solve, from the study's table
    generations_run: int
    wall_seconds: float
    final_q: float
    final_qm: float
    info_flow: float

    @property
    def seconds_per_generation(self) -> float:
        return self.wall_seconds / max(self.generations_run, 1)


def task_preset(name: str) -> str:
    """A preset name; ``NAME`` alone stands for ``NAME-mvg`` (or ``bool-NAME``) when only that exists."""
    names = _config.preset_names()
    for candidate in (name, f"{name}-mvg", f"bool-{name}"):
        if candidate in names:
            return candidate
    raise ConfigError(f"--tasks: unknown task {name!r}; presets: {', '.join(names)}", "--tasks")


def _base(task: str) -> dict:
    """The task's preset with ``[selection]`` cut to pm and pc: each strategy's own keys take their defaults."""
    base = _config.preset_raw(task)
    old = base.get("selection", {})
    base["selection"] = {k: old[k] for k in ("pm", "pc") if k in old}
    return base


def overrides(budget: int | None, info_flow: bool = True) -> dict:
    """What every run of the benchmark changes in its preset: stop once solved, Q and Q_m
    (and, with ``info_flow``, the information-flow modularity) of the initial and final best only."""
    out = {"stop_on_solve": True, "modularity.every": 10**9, "modularity.info_flow": info_flow}
    if budget is not None:
        out["generations"] = budget
    return out


def selection_study(task: str, strategies, runs: int, budget: int | None, info_flow: bool = True) -> dict:
    """The study of one task: a condition per strategy, ``runs`` seeds each."""
    return {"description": f"evomod bench selection on {task}", "base": _base(task), "seeds": runs, "seed": 0,
            "overrides": overrides(budget, info_flow),
            "grid": {"strategy": [{"label": s, "selection.name": s} for s in strategies]}}


def task_info(task: str, budget: int | None) -> TaskInfo:
    from evomod.problems.tasks import build
    from evomod.study.spec import set_key

    raw = _base(task)
    for key, value in overrides(budget).items():
        set_key(raw, key, value, "bench")
    config = _config.validate(raw)
    built = build(config.task)
    rep = _config.representation_of(config, built)
    goal = config.schedule.goals[0] if config.schedule.goals else next(iter(built.goals))
    return TaskInfo(task, goal, config.schedule.name == "fixed", config.population,
                    rep.n_rows * rep.n_outputs, config.fitness.solved_at, config.generations,
                    int(rep.spec.n_loci), config.description)


def compatible(strategy: str, task: str) -> str:
    """Why ``strategy`` cannot run ``task`` ("" if it can)."""
    raw = _base(task)
    raw["selection"]["name"] = strategy
    try:
        _config.validate(raw)
    except ConfigError as exc:
        return str(exc)
    return ""


def _float(x) -> float:
    return math.nan if x is None else float(x)


def collect(task: str, study_dir: Path) -> list[RunData]:
    """The finished runs of one task's study, with their per-generation records."""
    from evomod.replicate.measures import RunView
    from evomod.study import runs_table

    out = []
    for row in runs_table(study_dir).to_pylist():
        if row["status"] not in ("solved", "finished"):
            continue
        view = RunView(study_dir, row, None)
        flow = (view.summary.get("modularity") or {}).get("info_flow") or {}
        out.append(RunData(task, row["strategy"], int(row["seed_index"]), int(row["seed"]),
                           np.asarray(view.records["best_performance"], dtype=float), row["status"] == "solved",
                           row["generations_to_solve"], int(row["generations_run"]),
                           float(row["wall_seconds"]), _float(row["final_q"]), _float(row["final_qm"]),
                           _float(flow.get("score"))))
    return out


def bench_selection(strategies, tasks, runs: int, budget: int | None, out: Path, *, progress: bool = True,
                    workers: int | None = None, cluster: str | None = None, jobs: int | None = None,
                    scheduler: str | None = None, info_flow: bool = True, command: str = "") -> tuple:
    """Run (or resume) the grid as one study per task, then analyse and write the report.

    ``info_flow``: measure the final best's information-flow modularity (the slowest
    part of a short run: ~0.1-3 s per circuit). Returns the analysis and the report's
    markdown; writes ``OUT/selection.md``, ``OUT/figures/``, ``OUT/tables/`` and ``OUT/ioh/``.
    """
    from evomod import selection as _sel
    from evomod.bench import analysis, report
    from evomod.study import check_out, connect, load_study, run_study

    for s in strategies:
        _sel.SELECTION.get(s)  # unknown names fail before anything runs
    tasks = list(dict.fromkeys(task_preset(t) for t in tasks))
    skipped = {(s, t): why for s in strategies for t in tasks if (why := compatible(s, t))}
    infos = {t: task_info(t, budget) for t in tasks}
    studies = {t: selection_study(t, ok, runs, budget, info_flow) for t in tasks
               if (ok := [s for s in strategies if (s, t) not in skipped])}
    for task, study in studies.items():  # every study valid and resumable before any cluster starts
        check_out(load_study(study), out / task)
    out.mkdir(parents=True, exist_ok=True)
    client = own_cluster = None
    data: list[RunData] = []
    try:
        if studies:  # one cluster for every task's study
            first = load_study(next(iter(studies.values())))
            client, own_cluster = connect(first, runs * len(strategies) * len(studies), scheduler, cluster, jobs,
                                          workers, log_directory=out / "logs")
        for task, study in studies.items():
            run_study(study, out / task, client=client, progress=progress)
            data += collect(task, out / task)
    finally:
        for thing in (client, own_cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing is best effort, as in evomod.study
                    pass
    result = analysis.analyse(data, infos, list(strategies), skipped)
    text = report.write(result, out, command=command, runs=runs)
    return result, text

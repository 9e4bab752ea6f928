"""A saved genome (``best.json``): what a run writes and what ``evomod show``
and ``evomod modularity`` read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evomod.config import to_dict
from evomod.registry import ConfigError

if TYPE_CHECKING:
    from evomod.engine.results import RunResult

GENOME_FORMAT = "evomod-genome/1"


def genome_dict(result: RunResult) -> dict:
    return {
        "format": GENOME_FORMAT,
        "representation": to_dict(result.config)["representation"],
        "task": to_dict(result.config)["task"],
        "inputs": result.inputs,
        "genome": [int(v) for v in result.best_genome],
        "goal": {"name": result.final_goal, "expressions": result.goal_expressions[result.final_goal]},
        "fitness": result.best_fitness,
        "performance": result.best_performance,
        "n_effective": result.best_n_effective,
        "gate_penalty": result.config.fitness.gate_penalty,
        "free_gates": result.config.fitness.free_gates,
        "modularity": {"directed": result.config.modularity.directed,
                       "n_random": result.config.modularity.n_random,
                       "method": result.config.modularity.method},
    }


def read_genome(path: Path, text: str | None = None) -> dict:
    """Load and check a ``best.json``; returns it with ``rep`` (the
    ``Representation``), ``task`` (a validated ``[task]`` table, or None in
    files older than tasks) and ``genome`` (an array) filled in. Bad files
    raise ``ConfigError``. ``text``: the file's contents, read elsewhere (a
    study's summaries dataset); ``path`` then only names it in errors."""
    from evomod.config import _validate_model
    from evomod.problems.tasks import TASKS
    from evomod.representations.base import REPRESENTATIONS

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8") if text is None else text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such genome file", "genome") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})", "genome") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a JSON genome file ({exc})", "genome") from None
    if not isinstance(data, dict) or data.get("format") != GENOME_FORMAT:
        raise ConfigError(f"{path}: 'format' must be {GENOME_FORMAT!r}", "format")
    rep = data.get("representation", {})
    entry = REPRESENTATIONS.get(rep.get("name") if isinstance(rep, dict) else None)
    params = _validate_model(entry.params, rep, "representation")
    task = data.get("task")
    if task is not None:
        task = _validate_model(TASKS.get(task.get("name") if isinstance(task, dict) else None).params,
                               task, "task")
    inputs = data.get("inputs")
    if not (isinstance(inputs, list) and 1 <= len(inputs) <= 10 and all(isinstance(i, str) for i in inputs)):
        raise ConfigError(f"{path}: 'inputs' must be a list of 1 to 10 names", "inputs")
    try:
        rep = entry.fn(params, len(inputs))
    except ValueError as exc:
        raise ConfigError(f"{path}: representation: {exc}", "representation") from None
    if rep.n_inputs != len(inputs):
        raise ConfigError(f"{path}: representation: {rep.n_inputs} inputs but 'inputs' names {len(inputs)}",
                          "representation")
    genome = data.get("genome")
    why = rep.check_genome(genome)
    if why:
        raise ConfigError(f"{path}: 'genome' {why}", "genome")
    goal = data.get("goal", {})
    if not (isinstance(goal, dict) and isinstance(goal.get("name", ""), str)
            and isinstance(goal.get("expressions", []), list)
            and all(isinstance(e, str) for e in goal.get("expressions", []))):
        raise ConfigError(f"{path}: 'goal' must be an object with a 'name' and a list of 'expressions'",
                          "goal")
    data["goal"] = goal
    mod = data.get("modularity", {})  # absent in files older than Q_m logging
    if not (isinstance(mod, dict) and isinstance(mod.get("directed", False), bool)
            and type(mod.get("n_random", 1000)) is int and mod.get("n_random", 1000) >= 1
            and mod.get("method", "search") in ("search", "bisection")):
        raise ConfigError(f"{path}: 'modularity' must be an object with 'directed' (true/false), "
                          "'n_random' (an integer >= 1) and 'method' (search or bisection)", "modularity")
    data["modularity"] = {"directed": mod.get("directed", False), "n_random": mod.get("n_random", 1000),
                          "method": mod.get("method", "search")}
    data["rep"] = rep
    data["task"] = task
    data["genome"] = np.asarray(genome, dtype=rep.genome_dtype)
    return data

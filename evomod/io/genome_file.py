"""A saved genome (``best.json``): what a run writes and what ``evomod show``
and ``evomod modularity`` read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evomod.config import to_dict
from evomod.problems.goals import MAX_INPUTS
from evomod.registry import ConfigError, short

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


class _Goal(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = ""
    expressions: list[str] = []


class _Modularity(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    directed: bool = False
    n_random: int = Field(1000, ge=1)
    method: Literal["search", "bisection"] = "search"


class GenomeFile(BaseModel):
    """The schema of ``best.json`` (format ``evomod-genome/1``). The
    representation and task tables are validated by their own registered
    models; the genome by the representation (``check_genome``); the goal's
    expressions by the goal parser over ``inputs``."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    format: Literal["evomod-genome/1"]
    representation: dict
    task: dict | None = None  # absent in files older than tasks
    inputs: list[str] = Field(min_length=1, max_length=MAX_INPUTS)
    genome: list[int]
    goal: _Goal = _Goal()
    fitness: float | None = None
    performance: float | None = None
    n_effective: int | None = None
    gate_penalty: float | None = None
    free_gates: int | None = None
    modularity: _Modularity = _Modularity()  # absent in files older than Q_m logging


def _load_json(path: Path, text: str | None = None):
    try:
        return json.loads(path.read_text(encoding="utf-8") if text is None else text,
                          parse_constant=_refuse_constant)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such genome file", "genome") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})", "genome") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a JSON genome file ({_line(exc)})", "genome") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a genome file (JSON nested too deeply)", "genome") from None


def _line(exc, limit: int = 300) -> str:
    """An exception's message on one line, cut at ``limit`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_genome(path: Path, text: str | None = None) -> dict:
    """Load and check a ``best.json`` against :class:`GenomeFile`.

    Parameters
    ----------
    path : path-like
        A genome file written by ``evomod run`` (``OUT/best.json``).
    text : str, optional
        The file's contents, read elsewhere (a study's summaries dataset);
        ``path`` then only names it in errors.

    Returns
    -------
    dict
        The file's fields, with ``rep`` (the ``Representation``), ``task``
        (the validated ``[task]`` table, or None in files older than tasks),
        ``genome`` (a numpy array), ``goal`` and ``modularity`` (with their
        defaults filled in).

    Raises
    ------
    ConfigError
        Any bad file, in one line naming the key: not JSON, the wrong
        format, unknown or mistyped keys, input names that are not distinct
        identifiers or differ from the task's, a genome the representation
        refuses, an expression of one of the task's logic goals that does not
        parse over the inputs.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "best.json").write_text(json.dumps({"format": "evomod-genome/1", "inputs": ["x", "x"],
    ...     "representation": {"name": "nand", "gates": 1}, "genome": [0, 1, 2]}))
    >>> read_genome(d / "best.json")
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: ...best.json: inputs: duplicate input name 'x' in inputs x, x
    """
    from evomod.config import _validate_model
    from evomod.problems import goals as _goals
    from evomod.problems.tasks import TASKS
    from evomod.representations.base import REPRESENTATIONS

    path = Path(path)
    raw = _load_json(path, text)
    if not isinstance(raw, dict) or raw.get("format") != GENOME_FORMAT:
        raise ConfigError(f"{path}: 'format' must be {GENOME_FORMAT!r}", "format")
    try:
        model = GenomeFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "genome"
        if err["type"] == "extra_forbidden":
            owner = {"goal": _Goal, "modularity": _Modularity}.get(str(err["loc"][0]), GenomeFile)
            raise ConfigError(f"{path}: unknown key '{key}'; allowed here: {', '.join(owner.model_fields)}",
                              key) from None
        raise ConfigError(f"{path}: {key} = {short(err.get('input'))}: {err['msg']}", key) from None
    data = model.model_dump()
    try:
        inputs = _goals.check_inputs(model.inputs)
    except _goals.GoalError as exc:
        raise ConfigError(f"{path}: inputs: {_line(exc)}", "inputs") from None
    entry = REPRESENTATIONS.get(model.representation.get("name"))
    params = _validate_model(entry.params, model.representation, "representation")
    task = None
    if model.task is not None:
        task = _validate_model(TASKS.get(model.task.get("name")).params, model.task, "task")
        listed = getattr(task, "inputs", None)
        if listed is not None and list(listed) != inputs:
            raise ConfigError(f"{path}: inputs {', '.join(inputs)} differ from the task's "
                              f"{', '.join(map(str, listed))}", "inputs")
    try:
        rep = entry.fn(params, len(inputs))
    except ValueError as exc:
        raise ConfigError(f"{path}: representation: {exc}", "representation") from None
    if rep.n_inputs != len(inputs):
        raise ConfigError(f"{path}: representation: {rep.n_inputs} inputs but 'inputs' names {len(inputs)}",
                          "representation")
    why = rep.check_genome(model.genome)
    if why:
        raise ConfigError(f"{path}: 'genome' {why}", "genome")
    # a logic task's own goals are expressions over the inputs; goals a schedule draws (random
    # MVG, rvg) are named by their functions, and other tasks' (the retina's) are descriptions
    logic = model.task is None or (model.task.get("name") == "logic"
                                   and model.goal.name in (model.task.get("goals") or {}))
    for expr in model.goal.expressions if logic else ():
        try:
            _goals.parse(expr, inputs)
        except _goals.GoalError as exc:
            raise ConfigError(f"{path}: goal.expressions: {_line(exc)}", "goal") from None
    data["rep"] = rep
    data["task"] = task
    data["genome"] = np.asarray(model.genome, dtype=rep.genome_dtype)
    return data

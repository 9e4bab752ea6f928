"""One experiment = one config: TOML in, immutable validated ``Config`` out.

Built-in paper setups are presets of the same config (``evomod/presets/``,
each listing only what differs from the defaults, which are Kashtan & Alon
2005's logic-gate MVG setup). Validation happens once, at load time, and
every failure is a ``ConfigError`` with one line naming the key and what is
allowed.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import tomli_w
from pydantic import Field, SerializeAsAny, ValidationError

from evomod import costs as _costs
from evomod.costs import COSTS, ObjectivesParams
from evomod.problems import tasks as _tasks
from evomod.problems.schedules import SCHEDULES
from evomod.problems.tasks import TASKS
from evomod.registry import ConfigError, Context, ParamError, Section, short
from evomod.representations.base import REPRESENTATIONS
from evomod.representations.layered import representation as networks
from evomod.representations.nand import representation as nand
from evomod.selection import SELECTION

_REPRESENTATION_MODULES = (nand, networks)  # imported for their registrations
PLUGINS = {"task": TASKS, "representation": REPRESENTATIONS, "selection": SELECTION, "schedule": SCHEDULES}
DEFAULT_PRESET = "ka2005-logic-mvg"
_DEFAULT_PLUGIN = {"task": "logic", "representation": "nand", "selection": "elite", "schedule": "mvg"}


class NoiseParams(Section):
    inputs: float = Field(0.0, ge=0.0, le=0.5, description=(
        "probability that each input bit of each row is flipped when the population is scored; fresh "
        "flips every generation, the same for the whole population (evomod.engine.noise)"))
    labels: float = Field(0.0, ge=0.0, le=0.5, description=(
        "probability that each goal bit (row, output) is flipped when the population is scored, "
        "like inputs"))

    def active(self) -> bool:
        """Whether any noise is drawn (0 and 0: the noise-free engine, unchanged)."""
        return self.inputs > 0.0 or self.labels > 0.0


class FitnessParams(Section):
    gate_penalty: float = Field(0.2, ge=0.0, description=(
        "fitness penalty per effective gate (circuits) or neuron after pruning (networks) above "
        "free_gates (Kashtan & Alon: 0.2 per gate above 11, 0.01 per neuron above 13; "
        "reported second-hand, not checked against the paper)"))
    free_gates: int = Field(11, ge=0, description="effective gates / neurons allowed before the penalty applies")
    solved_at: float = Field(1.0, gt=0.0, le=1.0, description=(
        "performance at which a goal counts as solved (1: a perfect solution; "
        "Kashtan & Alon's retina: 0.95)"))
    noise: NoiseParams = Field(NoiseParams(), description=(
        "noisy scoring, e.g. noise = {inputs = 0.03, labels = 0.01}: selection sees noisy "
        "performance, while the records and best.json give the best's noise-free performance"))


class ModularityParams(Section):
    every: int = Field(1, ge=0, description=(
        "log q and qm of the best individual every k-th generation (0: off; "
        "the final best's partition is always in summary.json)"))
    directed: bool = Field(False, description=(
        "Leicht-Newman Q on the directed wiring graph (Clune 2013) instead of "
        "Newman-Girvan Q on the undirected one (Kashtan & Alon 2005)"))
    qm: bool = Field(True, description=(
        "also compute Q_m = (Q - Q_rand) / (Q_max - Q_rand) (Kashtan & Alon); false logs Q alone, "
        "not normalised, as Clune et al. did, and costs far less on networks of new degree sequences"))
    method: Literal["search", "bisection"] = Field("search", description=(
        "how Q of the best is found: search (spectral divisions, refinement, restarts) or bisection "
        "(recursive spectral bisection alone, as in Clune et al.'s source)"))
    n_random: int = Field(1000, ge=1, le=1_000_000, description=(
        "degree-preserving random networks per degree sequence for Q_rand (Kashtan & Alon 1000)"))
    cache: str = Field("", description=(
        "JSON file keeping Q_rand and Q_max per degree sequence across runs "
        "(empty: in memory for this run only)"))
    info_flow: bool = Field(False, description=(
        "also log info_flow at the same generations: the information-flow modularity (evomod.measures.infoflow) of "
        "the best's highest-scoring 2-module partition; ~0.03-0.5 s per distinct best of a 12-gate circuit, "
        "seconds for a retina network"))
    coverage: bool = Field(False, description=(
        "also log coverage at the same generations: the fraction of the current goal's sub-goals "
        "(sub-expressions) that some gate computes, up to complement (logic tasks; NaN otherwise)"))
    hierarchy: bool = Field(False, description=(
        "also log hierarchy and subproblems at the same generations: the global reaching centrality of the "
        "best's pruned graph read backwards (Mengistu et al. 2016) and the fraction of the current goal's "
        "sub-goals a node (or two nodes of a layer feeding one node) separates"))
    null: Literal["full", "sequential"] = Field("full", description=(
        "estimator of Q_rand and Q_max on a new degree sequence: full (n_random networks, 16 annealing "
        "runs) or sequential (the same draws, stopped once Q_rand's standard error is <= 0.002 and once "
        "3 annealing runs in a row gain nothing; several times cheaper, its error is in docs/speed.md)"))


class EngineParams(Section):
    parallel: bool = Field(False, description=(
        "evaluate and score individuals, and copy rows, in numba prange kernels on all cores; the same "
        "records as the serial run (worth it from a few thousand individuals, see docs/scaling.md)"))
    threads: int = Field(0, ge=0, le=1024, description=(
        "threads for parallel = true (0: numba's default, every core; more than numba's NUMBA_NUM_THREADS "
        "is capped to it)"))


class RecordsParams(Section):
    every: int = Field(1, ge=1, le=1_000_000_000, description=(
        "write every k-th generation's records, plus each goal switch and the generation before it, each "
        "new best performance within a goal's epoch (solve events), the last measured generation before "
        "a switch and the last 10% of the generations in full, so that every measure of the reports is "
        "unchanged (evomod.io.thinning); 1 writes every generation"))


class Config(Section):
    description: str = Field("", description="one line saying what this experiment is")
    generations: int = Field(10_000, ge=1, le=1_000_000_000, description="generation cap")
    population: int = Field(1000, ge=2, le=10_000_000, description="S: individuals (Kashtan & Alon 1000)")
    seed: int = Field(0, ge=0, description="root of the run's SeedSequence")
    stop_on_solve: bool = Field(False, description=(
        "stop once every goal of the schedule has been solved (fixed: the first perfect circuit)"))
    task: SerializeAsAny[Section]
    representation: SerializeAsAny[Section]
    fitness: FitnessParams = FitnessParams()
    objectives: ObjectivesParams = ObjectivesParams()
    selection: SerializeAsAny[Section]
    schedule: SerializeAsAny[Section]
    modularity: ModularityParams = ModularityParams()
    engine: EngineParams = EngineParams()
    records: RecordsParams = RecordsParams()


# --- validation ---------------------------------------------------------------

def _format_error(exc: ValidationError, model: type, prefix: str) -> ConfigError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    raised = (err.get("ctx") or {}).get("error")
    if isinstance(raised, ParamError):  # a validator naming the key it is about
        loc = [*loc, *raised.key.split(".")]
    key = ".".join([prefix] + loc if prefix else loc)
    if isinstance(raised, ValueError):
        value = err.get("input")
        if isinstance(raised, ParamError) and isinstance(value, dict):
            field = raised.key.split(".")[0]
            if field not in value:
                return ConfigError(f"{key}: {raised}", key)
            value = value[field]
        return ConfigError(f"{key} = {value!r}: {raised}", key)
    if err["type"] == "extra_forbidden":
        owner = model
        for part in loc[:-1]:
            field = owner.model_fields.get(part)
            ann = getattr(field, "annotation", None)
            if not (isinstance(ann, type) and issubclass(ann, Section)):
                break
            owner = ann
        allowed = ", ".join(owner.model_fields)
        return ConfigError(f"unknown key '{key}'; allowed here: {allowed}", key)
    if err["type"] == "missing":
        return ConfigError(f"missing key '{key}'", key)
    value = err.get("input")
    return ConfigError(f"{key} = {short(value)}: {err['msg']}", key)


def _validate_model(model: type, data: Any, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix} must be a table, got {short(data)}", prefix)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _format_error(exc, model, prefix) from None


def validate(raw: dict) -> Config:
    """Validate a raw config mapping (as read from TOML) into a ``Config``.

    Each plug-in table (``task``, ``representation``, ``selection``,
    ``schedule``, ...) is validated by the pydantic model its ``name``
    registered; then the whole config, then the rules across tables (each
    plug-in's own ``check``, objectives against the selection strategy).

    Parameters
    ----------
    raw : dict
        Tables and keys as TOML gives them; not modified.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        One line naming the first bad key and what is allowed there.

    Examples
    --------
    >>> validate({"population": 50, "selection": {"elite": 10}}).selection.elite
    10
    >>> validate({"population": 0})
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: population = 0: Input should be greater than or equal to 2
    """
    if not isinstance(raw, dict):
        raise ConfigError("a config must be a table of keys")
    data = copy.deepcopy(check_finite(raw))
    for section, registry in PLUGINS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{section} must be a table, got {short(table)}", section)
        entry = registry.get(table.get("name", _DEFAULT_PLUGIN[section]))
        params = _validate_model(entry.params, table, section)
        data[section] = params
    config = _validate_model(Config, data, "")
    return _check_consistency(config)


def _check_consistency(config: Config) -> Config:
    """Cross-key rules no single table can check: each plug-in's own check
    hook (``Registry.check``), then the rules between the tables."""
    task = _tasks.build(config.task)
    REPRESENTATIONS.check(config.representation, Context(config, task))
    rep = representation_of(config, task)
    for name, table in task.goals.items():
        if table.shape[0] != rep.n_outputs:
            key = f"task.goals.{name}"
            raise ConfigError(f"{key}: gives {table.shape[0]} output(s) but the representation has "
                              f"{rep.n_outputs}", key)
    for key in ("info_flow", "coverage"):
        if getattr(config.modularity, key) and not rep.supports("program"):
            raise ConfigError(f"modularity.{key} = true: representation {config.representation.name!r} offers no "
                              "program to measure it on", f"modularity.{key}")
    if config.fitness.noise.active() and not isinstance(getattr(rep, "inputs", None), np.ndarray):
        raise ConfigError(f"fitness.noise: representation {config.representation.name!r} does not evaluate on "
                          "packed input columns (rep.inputs), so its inputs cannot be made noisy", "fitness.noise")
    context = Context(config, task, rep)
    SCHEDULES.check(config.schedule, context)
    _check_objectives(config.objectives, rep, config.selection)
    SELECTION.check(config.selection, config.population)
    return config


def _check_objectives(params: ObjectivesParams, rep, selection) -> None:
    allowed = [n for n in COSTS.names() if _costs.available(n, rep)]
    for key, names in (("objectives.weights", list(params.weights)), ("objectives.separate", params.separate)):
        for name in names:
            if name not in allowed:
                raise ConfigError(f"{key}: {name!r} is not a cost of representation "
                                  f"{rep.__class__.__name__}; allowed: {', '.join(allowed)}", key)
    if len(set(params.separate)) != len(params.separate):
        raise ConfigError("objectives.separate: a cost is listed twice", "objectives.separate")
    p_each = getattr(selection, "p_each", None)
    if p_each and len(p_each) != len(params.separate):
        raise ConfigError(f"selection.p_each = {p_each}: needs one probability per cost in objectives.separate "
                          f"({params.separate})", "selection.p_each")
    if params.separate and not getattr(SELECTION.get(selection.name).fn, "multi_objective", False):
        many = [n for n in SELECTION.names() if getattr(SELECTION.get(n).fn, "multi_objective", False)]
        raise ConfigError(f"objectives.separate = {params.separate}: selection {selection.name!r} uses one "
                          f"objective; use one of {', '.join(many) or '(none)'} or objectives.weights",
                          "objectives.separate")


def representation_of(config: Config, task: _tasks.Task | None = None):
    """The ``Representation`` of a config (its kernels bound to the task's inputs).

    Parameters
    ----------
    config : Config
    task : Task, optional
        ``problems.tasks.build(config.task)`` when not given.

    Returns
    -------
    Representation
        The registered representation's object (``NandCircuits``, ``LayeredNetworks``, a plug-in's).

    Examples
    --------
    >>> rep = representation_of(load("ka2005-logic-g1"))
    >>> rep.n_inputs, rep.spec.n_gates
    (4, 12)
    """
    task = task or _tasks.build(config.task)
    try:
        return REPRESENTATIONS.get(config.representation.name).fn(config.representation, len(task.inputs))
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"representation: {exc}", "representation") from None


# --- sources: files, presets, overrides -----------------------------------------

def preset_names() -> dict[str, str]:
    """Built-in presets: name -> description (``evomod presets`` lists them).

    Examples
    --------
    >>> names = preset_names()
    >>> "ka2005-logic-mvg" in names and names["ka2005-logic-mvg"].startswith("Kashtan & Alon 2005")
    True
    """
    out = {}
    for entry in sorted(resources.files("evomod.presets").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            raw = tomllib.loads(entry.read_text())
            out[entry.name[:-5]] = raw.get("description", "")
    return out


def preset_raw(name: str) -> dict:
    """A built-in preset's TOML as a mapping; ``ConfigError`` for a name not in :func:`preset_names`.

    Parameters
    ----------
    name : str
        A preset name; anything else (``../x``, a path) is refused.

    Examples
    --------
    >>> preset_raw("ka2005-logic-g1")["schedule"]
    {'name': 'fixed', 'goals': ['G1']}
    """
    names = preset_names()
    if name not in names:  # also keeps a name like ../x from reading a file outside the presets
        raise ConfigError(f"unknown preset {name!r}; built in: {', '.join(names)}", "preset")
    path = resources.files("evomod.presets") / f"{name}.toml"
    if not path.is_file():
        raise ConfigError(f"unknown preset {name!r}; built in: {', '.join(preset_names())}", "preset")
    return tomllib.loads(path.read_text())


def check_finite(value: Any, key: str = "") -> Any:
    """``value`` (TOML data: tables, arrays, scalars) if no float in it is NaN
    or infinite; else ``ConfigError`` naming the key. TOML allows ``nan`` and
    ``inf``, and free-form tables (``selection.args``) reach code that no
    field validator guards.

    Parameters
    ----------
    value : Any
        Tables (dict), arrays (list) and scalars, checked recursively.
    key : str
        The dotted key of ``value``, for the message.

    Examples
    --------
    >>> check_finite({"weights": [1.0, 2.0]})
    {'weights': [1.0, 2.0]}
    >>> check_finite({"objectives": {"weights": {"connections": float("nan")}}})
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: objectives.weights.connections = nan: must be a finite number (not NaN or infinite)
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key or 'value'} = {value}: must be a finite number (not NaN or infinite)",
                          key)
    if isinstance(value, dict):
        for k, v in value.items():
            check_finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_finite(v, f"{key}[{i}]")
    return value


def read_raw(source: str | Path | dict | None) -> dict:
    """Raw mapping from a preset name, a TOML path, or a dict (copied).

    Parameters
    ----------
    source : str, Path, dict or None
        None: the default preset; a name of :func:`preset_names`; a path
        ending in ``.toml`` (or any existing file); a mapping.

    Returns
    -------
    dict
        Not validated (see :func:`validate`).

    Raises
    ------
    ConfigError
        A missing or unreadable file, invalid TOML, an unknown preset, or a NaN/infinite number.

    Examples
    --------
    >>> read_raw({"population": 10})
    {'population': 10}
    >>> read_raw("ka2005-logic-g2")["schedule"]["goals"]
    ['G2']
    """
    if source is None:
        return preset_raw(DEFAULT_PRESET)
    if isinstance(source, dict):
        return copy.deepcopy(source)
    text = str(source)
    if text.endswith(".toml") or Path(text).exists():
        try:
            return check_finite(tomllib.loads(Path(text).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"config file {text} not found", "config") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {text}: cannot be read ({exc.__class__.__name__})", "config") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{text}: not valid TOML ({exc})", "config") from None
    return preset_raw(text)


def parse_override(item: str) -> tuple[list[str], Any]:
    """One ``--set`` item as (key path, value).

    Values are TOML (``[1, 2]``, ``true``, ``"s"``); a bare word is taken as
    a string.

    Parameters
    ----------
    item : str
        ``KEY=VALUE`` with a dotted key.

    Returns
    -------
    tuple of (list of str, Any)

    Examples
    --------
    >>> parse_override("selection.pm=0.5")
    (['selection', 'pm'], 0.5)
    >>> parse_override('schedule.goals=["G1", "G2"]')
    (['schedule', 'goals'], ['G1', 'G2'])
    >>> parse_override("selection.name=tournament")
    (['selection', 'name'], 'tournament')
    """
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not p for p in key.split(".")):
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE with a dotted key, e.g. selection.pm=0.5",
                          "--set")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.split("."), check_finite(parsed, key)


def apply_overrides(raw: dict, overrides: Iterable[str]) -> dict:
    """A copy of ``raw`` with each ``KEY=VALUE`` of ``overrides`` set (tables made as needed).

    Parameters
    ----------
    raw : dict
        Not modified.
    overrides : iterable of str
        Items as :func:`parse_override` reads them, applied in order.

    Examples
    --------
    >>> apply_overrides({"selection": {"pm": 0.7}}, ["selection.pc=0.5", "population=100"])
    {'selection': {'pm': 0.7, 'pc': 0.5}, 'population': 100}
    """
    out = copy.deepcopy(raw)
    for item in overrides:
        path, value = parse_override(item)
        node = out
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {item!r}: {part} is not a table", ".".join(path))
            node = child
        node[path[-1]] = value
    return out


def load(source: str | Path | dict | None = None, overrides: Iterable[str] = (), **updates) -> Config:
    """Load and validate a config: what ``evomod run`` does with its arguments.

    The source is read, the ``overrides`` are applied in order, then the
    ``updates``, and the result is validated once: every table against its
    plug-in's parameter model, then the rules that span tables (goals vs the
    representation's outputs, the schedule's goals, objectives vs the
    selection strategy, population-dependent selection rules).

    Parameters
    ----------
    source : str, pathlib.Path, dict or None
        A preset name (``evomod presets`` lists them), a path to a TOML file
        (ending in ``.toml`` or existing), a raw mapping as read from TOML
        (copied, not modified), or None for the default preset
        ``ka2005-logic-mvg``.
    overrides : iterable of str
        ``"dotted.key=value"`` strings, as ``evomod run --set``; values are
        TOML (``[1, 2]``, ``true``, ``"s"``), a bare word is a string.
    **updates
        Top-level keys to replace after the overrides (``seed=7``,
        ``generations=500``).

    Returns
    -------
    Config
        The validated, immutable config. Plug-in tables (``task``,
        ``representation``, ``selection``, ``schedule``) are instances of
        their plug-in's parameter model; derived defaults are filled in
        (``representation.settle_steps = gates + 1``).

    Raises
    ------
    ConfigError
        With a one-line message naming the key and what is allowed, and the
        key in ``.key``: an unknown preset, an unreadable or invalid TOML
        file, a malformed override, an unknown key, a value of the wrong
        type or out of range, or an inconsistent combination.

    See Also
    --------
    validate : validate a raw mapping.
    to_toml : the full config as commented TOML (``evomod presets NAME``).

    Examples
    --------
    >>> cfg = load("ka2005-logic-g1", ["selection.pm=0.5"], seed=3, generations=5000)
    >>> cfg.selection.pm, cfg.seed, cfg.generations, cfg.schedule.name, cfg.schedule.goals
    (0.5, 3, 5000, 'fixed', ['G1'])
    >>> cfg.representation.settle_steps          # derived: gates + 1
    13
    >>> load("ka2005-logic-g1", ["selection.pmm=0.5"])
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: unknown key 'selection.pmm'; allowed here: name, pm, pc, elite, mutate_elite
    >>> try:
    ...     load(None, ["selection.pm=2"])
    ... except ConfigError as exc:
    ...     print(exc.key)
    selection.pm
    """
    raw = apply_overrides(read_raw(source), overrides)
    raw.update(updates)
    return validate(raw)


def to_dict(config: Config) -> dict:
    """The config as plain JSON-ready data (what summary.json and best.json store).

    Examples
    --------
    >>> to_dict(load("ka2005-logic-g1"))["selection"]["elite"]
    300
    """
    return config.model_dump(mode="json", exclude_none=True)


def _inline(value: Any) -> str | None:
    """A scalar, or a list (of lists) of scalars, as one line of TOML; None otherwise."""
    if isinstance(value, list):
        items = [_inline(v) for v in value]
        return None if any(i is None for i in items) else f"[{', '.join(items)}]"
    if isinstance(value, dict):
        return None
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def _toml_line(key: str, value: Any) -> str:
    """``key = value`` on one line (tomli_w splits arrays over lines)."""
    inline = _inline(value) if isinstance(value, list) else None
    if inline is not None:
        line = tomli_w.dumps({key: 0}).rstrip("\n")  # tomli_w quotes the key if it must
        return f"{line[:-1]}{inline}"
    return tomli_w.dumps({key: value}).rstrip("\n")


def to_toml(config: Config, title: str = "") -> str:
    """The full config as TOML, each key commented with its meaning (``evomod presets NAME``).

    Parameters
    ----------
    config : Config
    title : str
        A first comment line, if given.

    Returns
    -------
    str
        TOML that :func:`load` reads back to the same config.

    Examples
    --------
    >>> cfg = load("ka2005-logic-g1")
    >>> load(tomllib.loads(to_toml(cfg))) == cfg
    True
    """
    lines = [f"# {title}"] if title else []

    def emit(model, data: dict):
        for key, value in data.items():
            if isinstance(value, dict) and key in type(model).model_fields and \
                    isinstance(getattr(model, key), Section):
                continue
            field = type(model).model_fields.get(key)
            if field is not None and field.description:
                lines.append(f"# {field.description}")
            lines.append(_toml_line(key, value))

    data = to_dict(config)
    emit(config, data)
    for section in ("task", "representation", "fitness", "objectives", "selection", "schedule", "modularity", "engine",
                    "records"):
        model, table = getattr(config, section), data[section]
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        lines.append(f"\n[{section}]")
        emit(model, scalars)
        for key, value in table.items():
            if isinstance(value, dict):
                desc = type(model).model_fields[key].description
                lines.append(f"\n[{section}.{key}]")
                if desc:
                    lines.append(f"# {desc}")
                lines.extend(_toml_line(k, v) for k, v in value.items())
    return "\n".join(lines) + "\n"

"""``evomod feasible``: the best accuracy ANY network of a preset's architecture reaches (exact solver)."""

from __future__ import annotations

import json
import math

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    f = sub.add_parser("feasible", help="best accuracy any network of a preset's architecture can reach on its "
                       "goals (exact, OR-Tools CP-SAT; layered threshold networks with weights +-1)")
    f.add_argument("preset", help="a preset name (see `evomod presets`) or a TOML file")
    f.add_argument("--goal", action="append", default=[], metavar="NAME",
                   help="a goal of the task (repeat for several; default: the schedule's goals)")
    f.add_argument("--variant", help="a variant of the `evomod replicate` experiment built on this preset "
                   "(e.g. three-layer for ka2005-retina-*)")
    f.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. representation.biases=[-3,-2,-1,0,1,2,3,4]")
    f.add_argument("--shared", action="store_true", help="also ask: one network whose goals differ only in "
                   "the output neuron (one output per goal, hidden layers shared)")
    f.add_argument("--target", type=float, metavar="FRACTION", help="instead of the best accuracy, decide "
                   "whether any network reaches this fraction of the rows (e.g. 0.95, the retina's solved_at): "
                   "often settled where the optimum is not")
    f.add_argument("--time-limit", type=float, default=55.0, metavar="S",
                   help="seconds per question (default 55); past it the answer is a range")
    f.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    f.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    f.set_defaults(func=command)


def _variant_overrides(preset: str, variant: str) -> dict:
    from evomod.replicate.experiments import EXPERIMENTS

    family = preset.rsplit("-", 1)[0]
    offers = {name: changes for e in EXPERIMENTS.values() if e.base.rsplit("-", 1)[0] == family
              for name, (_, changes) in e.variants.items()}
    if variant not in offers:
        raise ConfigError(f"--variant {variant}: not a variant of the experiments on {preset}; allowed: "
                          f"{', '.join(offers) or 'none'}", "--variant")
    return dict(offers[variant])


def _config(args):
    from evomod import config as _config

    changes = _variant_overrides(args.preset, args.variant) if args.variant else {}
    base = args.preset
    if "preset" in changes:  # a variant may be another preset family (the three-layer retina): same suffix
        family = changes.pop("preset").rsplit("-", 1)[0]
        base = f"{family}-{args.preset.rsplit('-', 1)[1]}"
    from evomod.study.spec import set_key

    raw = _config.apply_overrides(_config.read_raw(base), args.set)
    for key, value in changes.items():
        set_key(raw, key, value, f"--variant {args.variant}")
    return _config.validate(raw)


def questions(cfg, goal_names, shared: bool) -> list:
    """``(label, goal names, goal rows)`` for each question the command asks."""
    from evomod.problems import goals as _goals
    from evomod.problems.tasks import build

    task = build(cfg.task)
    names = list(goal_names) or list(getattr(cfg.schedule, "goals", []) or task.goals)
    unknown = [g for g in names if g not in task.goals]
    if unknown:
        raise ConfigError(f"--goal {unknown[0]}: not a goal of the task; allowed: {', '.join(task.goals)}",
                          "--goal")
    n = len(task.inputs)
    rows = {g: [_goals.unpack(t, n) for t in task.goals[g]] for g in names}
    out = [(g, [g], rows[g]) for g in names]
    if shared:
        if len(names) < 2 or any(len(rows[g]) != 1 for g in names):
            raise ConfigError("--shared: needs two or more single-output goals", "--shared")
        out.append((" + ".join(names) + " (shared hidden layers)", names, [rows[g][0] for g in names]))
    return out


def command(args) -> int:
    from evomod.representations.layered import feasible as fz

    if args.time_limit <= 0 or args.workers < 1:
        raise ConfigError("--time-limit must be > 0 and --workers >= 1", "--time-limit")
    if args.target is not None and not 0 < args.target <= 1:
        raise ConfigError(f"--target {args.target}: must be a fraction in (0, 1]", "--target")
    cfg = _config(args)
    try:
        arch = fz.architecture_of(cfg.representation)
    except ValueError as exc:
        raise ConfigError(str(exc), str(exc).split(" ", 1)[0]) from None
    try:
        import ortools  # noqa: F401
    except ImportError:
        raise ConfigError("evomod feasible needs OR-Tools: pip install ortools", "ortools") from None
    target = None if args.target is None else math.ceil(args.target * arch.n_rows - 1e-9)
    answers = []
    for label, names, goal_rows in questions(cfg, args.goal, args.shared):
        r = fz.solve(arch.with_outputs(len(goal_rows)), goal_rows, target=target, time_limit=args.time_limit,
                     workers=args.workers)
        answers.append({"question": label, "goals": names, "status": r.status, "rows": arch.n_rows,
                        "target": target, "best": r.value, "bound": r.bound, "per_output": r.per_output,
                        "seconds": round(r.wall_s, 1),
                        "network": r.network.describe() if r.network else None})
    head = {"preset": args.preset, "variant": args.variant, "set": args.set, "layers": list(arch.layers),
            "fan_in": list(arch.fan_in), "biases": list(arch.biases), "input_values": list(arch.input_values),
            "weights": [-1, 1], "time_limit": args.time_limit, "workers": args.workers}
    if args.json:
        print(json.dumps({**head, "answers": answers}, indent=1))
        return 0
    print(f"{args.preset}{' --variant ' + args.variant if args.variant else ''}: layers {arch.layers}, "
          f"fan-in {arch.fan_in}, biases {arch.biases}, weights +-1")
    for a in answers:
        print(f"  {a['question']}: {_verdict(a)} ({a['seconds']} s)")
    return 0


def _verdict(a: dict) -> str:
    n = a["rows"]
    if a["target"] is not None:
        goal = f">= {a['target']}/{n} rows"
        if a["status"] == "INFEASIBLE":
            return f"no network reaches {goal} (proven)"
        if a["best"] is not None:
            return f"yes: a network reaches {goal} ({a['best']} rows on its worst output)"
        return f"{goal} not settled within the time limit ({a['status']})"
    if a["best"] is None:
        return f"no network found ({a['status']})"
    best = f"{a['best']}/{n} rows ({100 * a['best'] / n:.1f}%)"
    if a["status"] == "OPTIMAL":
        return f"best {best}, proven optimal"
    return f"best found {best}; proven at most {a['bound']}/{n} (time limit reached, not settled)"

"""The retina report's "what is reachable" section: the exact solver's answers next to what evolution reached.

"Evolution plateaus at 84%" means something only beside what any network of
the study's architecture can reach. For the study's own architecture (base
preset and variant) this section asks OR-Tools CP-SAT
(``evomod.representations.layered.feasible``) for the best accuracy on
L-AND-R and on L-OR-R and for one network whose goals differ only in the
output neuron, each within a time limit (so an answer may be a range), and,
where the architecture admits it, evaluates the hand-built modular network
``feasible.retina_witness``. Quick reports skip the solver (it takes about a
minute per question).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TIME_LIMIT = 30.0  # seconds per solver question in the full report
GOALS = ("L-AND-R", "L-OR-R")


def _config(out: Path, exp):
    from evomod import config as _config

    info_file = out / "replicate.json"
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    variant = info.get("variant") or ""
    changes = dict(exp.variants[variant][1]) if variant in exp.variants else {}
    from evomod.study.spec import set_key

    raw = _config.read_raw(changes.pop("preset", exp.base))
    for key, value in changes.items():
        set_key(raw, key, value, f"variant {variant}")
    return _config.validate(raw), info.get("quick", False)


def _witness_rows(arch, goal_rows) -> list | None:
    """Correct rows of the hand-built modular network per goal, if it fits ``arch``; else None."""
    from evomod.representations.layered import feasible as fz

    net = fz.retina_witness(tuple(-1 if g == "L-AND-R" else 0 for g in GOALS))
    try:
        fz.check_network(arch.with_outputs(len(GOALS)), net)
    except ValueError:
        return None
    outs = fz.evaluate(arch.with_outputs(len(GOALS)), net)
    return [fz.correct_rows(o, g) for o, g in zip(outs, goal_rows)]


def _answer(r, n: int) -> str:
    if r.optimal:
        return f"**{r.value}/{n}** (proven optimal)"
    if r.value is None:
        return f"not settled (at most {r.bound}/{n} proven)"
    return f"best found {r.value}/{n}, at most {r.bound}/{n} proven"


def section(out: Path, exp, values: dict) -> tuple[list[str], dict]:
    """Markdown lines and data: solver answers, the modular witness and evolution's best, per goal."""
    from evomod.problems import goals as _goals
    from evomod.problems.tasks import build
    from evomod.representations.layered import feasible as fz

    out = Path(out)
    cfg, quick = _config(out, exp)
    arch = fz.architecture_of(cfg.representation)
    task = build(cfg.task)
    rows = [_goals.unpack(task.goals[g][0], len(task.inputs)) for g in GOALS]
    n = arch.n_rows
    lines = ["## What any network of this architecture can reach", "",
             f"Architecture: layers {list(arch.layers)} (inputs first), fan-in {list(arch.fan_in)}, biases "
             f"{list(arch.biases)}, weights +-1. Exact solver: OR-Tools CP-SAT, {TIME_LIMIT:g} s per question "
             "(`evomod feasible`; docs/concepts/feasibility.md).", ""]
    data: dict = {"layers": list(arch.layers), "fan_in": list(arch.fan_in), "biases": list(arch.biases),
                  "time_limit": TIME_LIMIT}
    witness = _witness_rows(arch, rows)
    data["witness"] = witness
    header = ["question", "solver", "hand-built modular network"]
    body = []
    solver = {}
    try:
        import ortools  # noqa: F401
        have_solver = True
    except ImportError:
        have_solver = False
    questions = [(g, [g], [r]) for g, r in zip(GOALS, rows)] + [(" + ".join(GOALS) + " (one network, output "
                                                                  "neuron per goal)", list(GOALS), rows)]
    for label, names, goal_rows in questions:
        if quick or not have_solver:
            text = "not run (quick report)" if quick else "not run (OR-Tools missing)"
        else:
            r = fz.solve(arch.with_outputs(len(goal_rows)), goal_rows, time_limit=TIME_LIMIT, workers=2)
            solver[label] = {"status": r.status, "best": r.value, "bound": r.bound}
            text = _answer(r, n)
        if witness is None:
            wit = "does not fit this architecture"
        else:
            wit = f"{min(witness[GOALS.index(g)] for g in names)}/{n}"
        body.append([label, text, wit])
    data["solver"] = solver
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    evolved = []
    for cond, ms in values.items():
        perf = np.asarray(ms.get("final_performance", []), float)
        perf = perf[np.isfinite(perf)]
        if len(perf):
            evolved.append(f"{cond}: best {round(perf.max() * n)}/{n}, median {round(float(np.median(perf)) * n)}/{n}"
                           f" ({len(perf)} runs)")
    data["evolved"] = evolved
    lines += ["", "Evolution, the final best's rows right on the goal of its last generation (MVG runs end on "
              "either goal): " + ("; ".join(evolved) or "no finished runs") + ".", "",
              "The hand-built network is `feasible.retina_witness`: 'left object' "
              "on the left pixels, its mirror on the right, the output `step(left + right - 1)` for L-AND-R and "
              "`step(left + right)` for L-OR-R."]
    return lines, data

"""Running the reading landscape: ``evomod replicate ka2005-logic --landscape``.

One study (readings x conditions x seeds) through the study runner, so it
resumes and can go to a cluster. Each reading of ``landscape.design()`` runs
the conditions G1, MVG and MVG-long of the logic-gate replication; the
pre-registered claims (docs/REPLICATION.md, "The reading landscape") are
judged per reading by the replication's own rules (``stats.judge``). The
report is ``OUT/LANDSCAPE.md`` with a reading x claim table, a heat map of
the verdicts, the readings that reproduce the most claims, and per factor
level the fraction of its readings reproducing each claim;
``OUT/landscape.json`` holds the verdicts and per-run values.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from evomod.replicate import landscape as _design
from evomod.replicate.experiments import KA_LOGIC, Claim
from evomod.replicate.measures import collect
from evomod.replicate.stats import judge
from evomod.replicate.writeup import summarise

__all__ = ["CLAIMS", "CONDITIONS", "QUICK_READINGS", "run_landscape", "study_table", "verdict_table"]

_MVG = {"schedule.name": "mvg", "schedule.goals": ["G1", "G2"]}  # the period: the reading's epoch
#: (label, overrides) of each condition, as in ``ka2005-logic``; MVG-long has its own cap.
CONDITIONS = (
    ("G1", {"schedule.name": "fixed", "schedule.goals": ["G1"], "stop_on_solve": True}),
    ("MVG", {**_MVG, "stop_on_solve": True}),
    ("MVG-long", {**_MVG, "stop_on_solve": False, "generations": 20_000}),
)
_QUICK_CAPS = {"G1": 3000, "MVG": 3000, "MVG-long": 2000}

#: (short name, claim) in the pre-registered order.
CLAIMS = (
    ("fixed solved", Claim("solved", "G1", "36/50", "proportion", 36, total=50)),
    ("fixed median", Claim("generations_to_solve", "G1", "~9,000", "median", 9000)),
    ("MVG median", Claim("generations_to_solve", "MVG", "1,400", "median", 1400)),
    ("speed-up", Claim("generations_to_solve", "G1", "about 6x slower than MVG", "ratio", 6.0, versus="MVG")),
    ("recovery", Claim("recovery", "MVG-long", "within ~5 generations", "at_most", 5)),
    ("late perfect", Claim("late_perfect", "MVG-long", "the best stays perfect (median >= 0.5)", "at_least", 0.5)),
    ("Q_m fixed", Claim("final_qm", "G1", "0.12", "median", 0.12)),
    ("Q_m MVG", Claim("final_qm", "MVG", "0.54", "median", 0.54)),
    ("Q_m direction", Claim("final_qm", "MVG", "higher than G1", "greater", versus="G1")),
    ("gates fixed", Claim("gates", "G1", "10", "median", 10, source="paper")),
    ("gates MVG", Claim("gates", "MVG", "11", "median", 11, source="paper")),
)
_MEASURES = ("solved", "generations_to_solve", "recovery", "late_perfect", "late_performance", "final_qm", "gates")
#: The quick check's readings: the baseline and two that exercise new engine paths.
QUICK_READINGS = (0, 1, 5)


def _reading_id(i: int) -> str:
    return f"R{i:02d}"


def study_table(runs: int | None = None, quick: bool = False, seed: int = 2005) -> dict:
    """The study (as ``evomod study`` reads it): readings x conditions, ``runs`` seeds each.

    Examples
    --------
    >>> t = study_table(quick=True)
    >>> len(t["grid"]["reading"]), [c["label"] for c in t["grid"]["condition"]], t["seeds"]
    (3, ['G1', 'MVG', 'MVG-long'], 2)
    """
    rows = _design.design()
    chosen = QUICK_READINGS if quick else range(len(rows))
    readings = []
    for i in chosen:
        over = _design.overrides(rows[i][1])
        if over is None:
            raise ValueError(f"reading {i} ({_design.label(rows[i][1])}) is not implemented")
        readings.append({"label": _reading_id(i), **over})
    conditions = []
    for label, over in CONDITIONS:
        table = {"label": label, **over}
        if quick:
            table["generations"] = _QUICK_CAPS[label]
        conditions.append(table)
    return {"description": "Kashtan & Alon 2005 logic gates: the reading landscape" + (" [quick]" if quick else ""),
            "base": KA_LOGIC.base, "seeds": runs or (2 if quick else 20), "seed": seed,
            "overrides": {"generations": 100_000, "modularity.every": 50 if quick else 100},
            "grid": {"reading": readings, "condition": conditions}}


def verdict_table(values: dict) -> dict:
    """``{reading id: {claim name: (verdict, test, measured)}}`` from ``{reading id: {condition: {measure:
    values}}}``."""
    out = {}
    for rid, conds in values.items():
        out[rid] = {}
        for name, claim in CLAIMS:
            x = conds[claim.condition][claim.measure]
            y = conds[claim.versus][claim.measure] if claim.versus else None
            v = judge(claim, x, y)
            measured = summarise(x, claim.measure) + ("" if y is None else f" vs {summarise(y, claim.measure)}")
            out[rid][name] = (v.verdict, v.test, measured)
    return out


def _collect(out: Path) -> dict:
    """Per reading id and condition, each measure's values over the finished runs."""
    from evomod.study.results import read_manifest

    by_cell = collect(out, KA_LOGIC, names=_MEASURES)
    values: dict = {}
    for cell in read_manifest(out)["cells"]:
        params = cell["params"]
        values.setdefault(params["reading"], {})[params["condition"]] = by_cell[cell["label"]]
    return values


def _heat_map(verdicts: dict, names: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from evomod.io.files import atomic_write

    kinds = ["not reproduced", "partly", "reproduced", "too few runs"]
    colours = ListedColormap(["#d7301f", "#fdcc8a", "#31a354", "#bdbdbd"])
    rids = list(verdicts)
    claims = [name for name, _ in CLAIMS]
    grid = np.array([[next(k for k, word in enumerate(kinds) if verdicts[r][c][0].startswith(word))
                      for c in claims] for r in rids])
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rids) + 2))
    ax.imshow(grid, cmap=colours, vmin=-0.5, vmax=3.5, aspect="auto")
    ax.set_xticks(range(len(claims)), claims, rotation=40, ha="right")
    ax.set_yticks(range(len(rids)), [f"{r} {names[r]}" for r in rids], fontsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours(k)) for k in range(len(kinds))]
    ax.legend(handles, kinds, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title("Kashtan & Alon 2005 logic gates: verdict per reading and claim")
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)


def _marginals(verdicts: dict, levels: dict) -> list[str]:
    """Per factor level, the fraction of its readings reproducing each claim (as pre-registered: "partly"
    does not count)."""
    claims = [name for name, _ in CLAIMS]
    lines = ["| factor | level | readings | " + " | ".join(claims) + " |",
             "|---|---|---:|" + "---:|" * len(claims)]
    for f_index, factor in enumerate(_design.FACTORS):
        for level in factor.names:
            rids = [r for r in verdicts if levels[r][f_index] == level]
            if not rids:
                continue
            cells = [f"{np.mean([verdicts[r][c][0] == 'reproduced' for r in rids]):.2f}" for c in claims]
            lines.append(f"| {factor.title} | {level} | {len(rids)} | " + " | ".join(cells) + " |")
    return lines


def _report(out: Path, info: dict) -> Path:
    from evomod.study.results import write_text

    rows = _design.design()
    levels = {_reading_id(i): lv for i, (_, lv) in enumerate(rows)}
    kinds = {_reading_id(i): kind for i, (kind, _) in enumerate(rows)}
    values = _collect(out)
    verdicts = verdict_table(values)
    names = {r: _design.label(levels[r]) for r in verdicts}
    made = _heat_map(verdicts, names, out / "landscape-verdicts.png")
    claims = [name for name, _ in CLAIMS]
    reproduced = {r: sum(verdicts[r][c][0] == "reproduced" for c in claims) for r in verdicts}
    partly = {r: sum(verdicts[r][c][0] == "partly" for c in claims) for r in verdicts}
    ranked = sorted(verdicts, key=lambda r: (-reproduced[r], -partly[r], r))  # the pre-registered order
    n_runs = {r: int(sum(len(values[r][c]["solved"]) for c in values[r])) for r in verdicts}
    quick = " (quick check)" if info.get("quick") else ""
    lines = [f"# Kashtan & Alon 2005, logic gates: the reading landscape{quick}", "",
             "The design, the claims and the verdict rules were fixed before any landscape run: "
             "docs/REPLICATION.md, \"The reading landscape\". Readings are ranked by the number of claims "
             "reproduced, ties broken by the number partly reproduced.", "",
             f"Command: `{info['command']}`. Wall time: {info['wall_seconds']:.0f} s on {info['workers']} "
             f"worker(s). Runs finished: {sum(n_runs.values())}.", "",
             f"![verdicts]({made.name})", "", "## Readings that reproduce the most claims", "",
             "| reading | kind | levels | reproduced (of 11) | partly | which |", "|---|---|---|---:|---:|---|"]
    for r in ranked[:8]:
        got = ", ".join(c for c in claims if verdicts[r][c][0] == "reproduced") or "none"
        lines.append(f"| {r} | {kinds[r]} | {names[r]} | {reproduced[r]} | {partly[r]} | {got} |")
    lines += ["", "## Verdict per reading and claim", "",
              "| reading | levels | runs | " + " | ".join(claims) + " |", "|---|---|---:|" + "---|" * len(claims)]
    short = {"reproduced": "yes", "partly": "partly", "too few runs": "few"}
    for r in verdicts:
        cells = [short.get(verdicts[r][c][0], "no") for c in claims]
        lines.append(f"| {r} | {names[r]} | {n_runs[r]} | " + " | ".join(cells) + " |")
    lines += ["", "## Per factor level: fraction of its readings reproducing each claim", "",
              *_marginals(verdicts, levels), "",
              "Strength 2: two-detail combinations were each run at least once; higher-order interactions "
              "are not estimated.", "", "## Measured values and tests", ""]
    for r in verdicts:
        lines.append(f"### {r}: {names[r]}")
        lines += [f"- {c}: {verdicts[r][c][0]}; {verdicts[r][c][2]}; {verdicts[r][c][1]}" for c in claims]
        lines.append("")
    data = {**info, "claims": {name: {"measure": c.measure, "condition": c.condition, "versus": c.versus,
                                      "kind": c.kind, "paper": c.paper} for name, c in CLAIMS},
            "readings": {r: {"kind": kinds[r], "levels": dict(zip((f.name for f in _design.FACTORS), levels[r])),
                             "reproduced": reproduced[r], "partly": partly[r],
                             "verdicts": {c: {"verdict": v[0], "test": v[1], "measured": v[2]}
                                          for c, v in verdicts[r].items()},
                             "values": {cond: {m: [None if not math.isfinite(x) else float(x) for x in vals]
                                               for m, vals in ms.items()} for cond, ms in values[r].items()}}
                         for r in verdicts}}
    write_text(out / "landscape.json", json.dumps(data, indent=1, allow_nan=False) + "\n")
    write_text(out / "LANDSCAPE.md", "\n".join(lines) + "\n")
    return out / "LANDSCAPE.md"


def run_landscape(out, *, runs=None, quick=False, cluster=None, jobs=None, workers=None, scheduler=None,
                  progress=True, command=""):
    """Run (or resume) the landscape study and write its report: ``(LANDSCAPE.md, Outcome)``.

    Parameters
    ----------
    out : str or pathlib.Path
        The study directory (an existing one of the same study resumes).
    runs : int, optional
        Seeds per reading and condition (default 20; quick: 2).
    quick : bool
        Three readings, two seeds, short caps: checks the pipeline (too few runs for verdicts).

    Examples
    --------
    >>> path, outcome = run_landscape("landscape", quick=True)  # doctest: +SKIP
    """
    from evomod.study import run_study
    from evomod.study.results import write_text

    out = Path(out)
    outcome = run_study(study_table(runs, quick), out, scheduler=scheduler, cluster=cluster, jobs=jobs,
                        workers=workers, progress=progress)
    info_file = out / "landscape-sessions.json"
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {"sessions": []}
    if outcome.finished:
        where = scheduler or cluster or "local"
        info["sessions"].append({"seconds": round(outcome.seconds, 1), "runs": outcome.finished, "where": where,
                                 "workers": workers or (os.cpu_count() if where == "local" else None)})
    info.update(quick=quick, command=command or "evomod replicate ka2005-logic --landscape",
                wall_seconds=sum(s["seconds"] for s in info["sessions"]),
                workers=", ".join(sorted({str(s["workers"] or s["where"]) for s in info["sessions"]})) or "?",
                failed=outcome.failed, interrupted=outcome.interrupted)
    write_text(info_file, json.dumps(info, indent=1) + "\n")
    return _report(out, info), outcome

"""REPORT.md of a replication: claims and verdicts, per-condition numbers, figures."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from evomod.analysis import report as _report
from evomod.analysis.report import _fmt
from evomod.replicate.experiments import Experiment
from evomod.replicate.measures import MEASURES, collect
from evomod.replicate.stats import ACROSS, MIN_RUNS, judge, judge_across, median_iqr

FIGURES = {"fitness": "fig-fitness.png", "performance": "fig-performance.png", "modularity": "fig-modularity.png",
           "solve": "fig-solve.png"}


def summarise(values: np.ndarray, measure: str) -> str:
    """``median [q1, q3] (n)``; a 0/1 measure as ``k/n``."""
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return "n/a"
    if measure in ("solved", "left_right"):
        return f"{int(v.sum())}/{len(v)}"
    med, q1, q3 = median_iqr(v)
    return f"{_fmt(med)} [{_fmt(q1)}, {_fmt(q3)}] (n={len(v)})"


def verdicts(exp: Experiment, values: dict) -> list[dict]:
    rows = []
    for c in exp.claims:
        if c.kind in ACROSS:
            v, measured = judge_across(c, values)
            rows.append({"measure": c.measure, "condition": c.condition, "versus": "", "over": list(c.over),
                         "paper": c.paper, "source": c.source, "measured": measured, "verdict": v.verdict,
                         "test": v.test})
            continue
        x = values[c.condition][c.measure]
        y = values[c.versus][c.measure] if c.versus else None
        v = judge(c, x, y)
        measured = summarise(x, c.measure) + ("" if y is None else f" vs {c.versus}: {summarise(y, c.measure)}")
        rows.append({"measure": c.measure, "condition": c.condition, "versus": c.versus, "paper": c.paper,
                     "source": c.source, "measured": measured, "verdict": v.verdict, "test": v.test})
    return rows


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() or "condition"


def typical_run(exp: Experiment, rows: list[dict]) -> str | None:
    """The run whose final modularity is nearest its condition's median, among
    the solved runs if any solved (ties: the first)."""
    column = "final_qm" if exp.modularity == "qm" else "final_q"
    pool = [r for r in rows if r["status"] == "solved"] or rows
    q = np.array([np.nan if r[column] is None else r[column] for r in pool], dtype=float)
    if not np.isfinite(q).any():
        return pool[0]["run_id"] if pool else None
    return pool[int(np.nanargmin(np.abs(q - np.nanmedian(q))))]["run_id"]


def draw_typical(out: Path, exp: Experiment, label: str, run_id: str) -> tuple[str, str]:
    from evomod.analysis.plots import draw_network
    from evomod.io.genome_file import read_genome
    from evomod.study.results import documents

    data = read_genome(out / "summaries" / run_id / "best.json", text=documents(out, [run_id], "best")[run_id])
    mod = json.loads(documents(out, [run_id], "summary")[run_id])["modularity"]
    labels = np.array(mod["labels"], dtype=np.int64)
    value = mod.get("qm") if exp.modularity == "qm" else mod.get("q")
    name = "Q_m" if exp.modularity == "qm" else "Q"
    path = f"typical-{_slug(label)}.png"
    title = (f"{label}: run {run_id}, {name} = {_fmt(value) if value is not None else 'n/a'}, "
             f"{len(set(labels.tolist()))} modules")
    draw_network(data["rep"], data["genome"], labels, out / path, title=title, inputs=data["inputs"])
    return path, title


def write(out: Path, exp: Experiment, info: dict) -> Path:
    """Write ``OUT/REPORT.md``, ``OUT/replication.json`` and the figures."""
    from evomod.study.results import read_manifest, rebuild, write_text

    out = Path(out)
    manifest = read_manifest(out)
    table = rebuild(out).to_pylist()  # once: the measures and the conditions read these rows
    values = collect(out, exp, rows=table)
    claims = verdicts(exp, values)
    _, conds = _report.conditions(out, table)
    made = {"fitness": _report.plot_bands(out, conds, "best_fitness", "best fitness", out / FIGURES["fitness"]),
            "performance": _report.plot_bands(out, conds, "best_performance", "performance of the best",
                                              out / FIGURES["performance"]),
            "modularity": _report.plot_bands(out, conds, exp.modularity,
                                             "Q_m of the best" if exp.modularity == "qm" else "Q of the best",
                                             out / FIGURES["modularity"]),
            "solve": _report.plot_solve(conds, out / FIGURES["solve"])}
    drawings = []
    for cell in manifest["cells"]:
        rows = [r for r in table if r["cell_index"] == cell["index"] and r["status"] not in ("failed", "pending")]
        run_id = typical_run(exp, rows)
        if run_id is not None:
            drawings.append(draw_typical(out, exp, cell["label"], run_id))
    per_condition = {label: {m: summarise(v, m) for m, v in ms.items() if m in exp.measures}
                     for label, ms in values.items()}
    section, section_data = exp.section(out, exp, values) if exp.section else ([], None)
    data = {"experiment": exp.name, "title": exp.title, **info, "claims": claims,
            "conditions": {label: {m: [None if math.isnan(x) else x for x in v.tolist()] for m, v in ms.items()}
                           for label, ms in values.items()}}
    if section_data is not None:
        data["section"] = section_data
    write_text(out / "replication.json", json.dumps(data, indent=1) + "\n")
    text = _markdown(exp, manifest, info, claims, per_condition, conds, made, drawings, section)
    write_text(out / "REPORT.md", text)
    return out / "REPORT.md"


def _markdown(exp, manifest, info, claims, per_condition, conds, made, drawings, section=()) -> str:
    cap = max(c["generations"] for c in manifest["cells"])
    lines = [f"# Replication: {exp.title}", ""]
    if info.get("variant"):
        lines += [f"**Variant `{info['variant']}`**: {exp.variants[info['variant']][0]}.", ""]
    lines += [f"Command: `{info.get('command', '')}`", "",
              f"{manifest['seeds']} runs per condition, generation cap {cap:,}, study seed {manifest['seed']}; "
              f"wall time {info.get('wall_seconds', math.nan):,.0f} s ({info.get('workers', '?')} workers)."
              + (" **Quick mode: too few runs and generations for any verdict; it checks that everything "
                 "runs.**" if info.get("quick") else ""), ""]
    lines += ["## Conditions", ""]
    for c in exp.conditions:
        lines.append(f"- **{c.label}**: {c.description}.")
    if exp.notes:
        lines += ["", exp.notes]
    lines += ["", "## Headline claims", "",
              "| claim | condition | paper | measured: median [IQR] (n) | verdict | test |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r in claims:
        who = r["condition"] + (f" vs {r['versus']}" if r["versus"] else "")
        if r.get("over"):
            who = ", ".join(r["over"])
        lines.append(f"| {r['measure']} | {who} | {r['paper']} [{r['source']}] | {r['measured']} | "
                     f"**{r['verdict']}** | {r['test']} |")
    lines += ["", f"Verdict rules (`evomod/replicate/stats.py`): a published median is reproduced when it lies "
              "in the distribution-free 95% CI of the measured median; a published k/N when Fisher's exact "
              "test gives p >= 0.05; a direction between conditions when a one-sided Mann-Whitney U (Fisher's "
              "exact test for fractions) gives p < 0.05 (right direction without significance: partly); a "
              "published ratio also needs to lie in the bootstrap 95% CI of the measured ratio of medians "
              f"(else partly). Fewer than {MIN_RUNS} runs: too few runs. [paper] / [notes] / [seeds]: where "
              "the published value comes from (see ../shared/reference/papers.md).", ""]
    kinds = {c.kind for c in exp.claims}
    if "correlation" in kinds:
        lines += ["A published correlation r is reproduced when Pearson's r over the pooled runs is positive "
                  "(one-sided p < 0.05) and the published r lies in its Fisher-z 95% CI (positive only: "
                  "partly).", ""]
    if "exponent" in kinds:
        lines += ["A published exponent alpha of S = T_fixed / T_varying ~ T_fixed^alpha is reproduced when it "
                  "lies in the bootstrap 95% CI (10,000 resamples of the runs) of the least-squares slope of log "
                  "S on log T_fixed over the goals whose medians are not censored (more than half of the runs "
                  "solved), and the CI lies above 0 (above 0 only: partly).", ""]
    if section:
        lines += list(section) + [""]
    lines += ["## Measures per condition", ""]
    measures = [m for m in exp.measures]
    lines += ["| measure | " + " | ".join(c.label for c in exp.conditions) + " |",
              "| --- | " + " | ".join("---" for _ in exp.conditions) + " |"]
    for m in measures:
        lines.append(f"| {m} | " + " | ".join(per_condition.get(c.label, {}).get(m, "n/a")
                                              for c in exp.conditions) + " |")
    lines += [""] + [f"- `{m}`: {MEASURES[m].description}." for m in measures]
    counts = ", ".join(f"{c.label} {c.done}/{c.runs}" for c in conds)
    lines += ["", f"Runs finished per condition: {counts}.", "", "## Figures", ""]
    titles = {"fitness": "Best fitness per generation", "performance": "Performance of the best per generation",
              "modularity": ("Q_m" if exp.modularity == "qm" else "Q") + " of the best per generation",
              "solve": "Generations to solve"}
    for key, ok in made.items():
        lines += [f"![{titles[key]} (median and IQR band per condition)]({FIGURES[key]})" if ok
                  else f"{titles[key]}: no data.", ""]
    lines += ["## Typical evolved circuits", "",
              "Per condition, the run whose final modularity is nearest the condition's median (among solved "
              "runs when any solved); nodes coloured by the modules of the best partition.", ""]
    for path, title in drawings:
        lines += [f"![{title}]({path})", ""]
    return "\n".join(lines)

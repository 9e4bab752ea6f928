"""REPORT.md of ``evomod experiment noise``: per-run values, the verdicts on ``noise.HYPOTHESES``, figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evomod.experiments import common, posthoc
from evomod.experiments.noise import HYPOTHESES, LABELS, LEVELS, STUDIES

VERSION = "noise-1"
SCHEDULES = ("G1", "MVG")


def level(condition: str) -> float:
    """The input flip probability of a condition label (``"G1 p=0.03"`` -> 0.03); NaN for label noise."""
    _, setting = condition.split(" ", 1)
    return float(setting[2:]) if setting.startswith("p=") else math.nan


def measure(run: common.Run) -> dict:
    """Inputs the final best reads and its information-flow modularity (kept per run)."""
    def compute():
        view = run.view
        best = view.best
        found = posthoc.reach(best["rep"], best["genome"], best["inputs"])
        return {"inputs_read": found["input_reach"] * best["rep"].n_inputs,
                "final_info_flow": view.beyond_q["info_flow"]}
    return common.cached(run, VERSION, compute)


def _not_lower(x, y) -> common.Result:
    """H3's rule: *supported* when the one-sided test of "x lower than y" finds no decrease (p >= 0.05)."""
    r = common.compare(x, y, alternative="less")
    if r.verdict == "too few runs":
        return r
    verdict = "supported" if not (r.p < 0.05) else "not supported"
    return common.Result(r.statistic, r.p, r.n, verdict, r.text + " (supported: no significant decrease)")


def tests(rows: list[dict]) -> list:
    out = []
    for schedule in SCHEDULES:
        mine = [r for r in rows if r["condition"].startswith(schedule + " p=")]
        p = np.array([level(r["condition"]) for r in mine])
        out.append(("H1", f"{schedule}: rho(p, late gates) < 0",
                    common.spearman(p, common.column(mine, "late_gates"), alternative="less")))
        out.append(("H2", f"{schedule}: rho(p, late Q_m) > 0",
                    common.spearman(p, common.column(mine, "late_qm"), alternative="greater")))
    for schedule in SCHEDULES:
        out.append(("H3", f"{schedule}: late gates, labels={LABELS:g} not lower than p=0",
                    _not_lower(common.column(rows, "late_gates", condition=f"{schedule} labels={LABELS:g}"),
                               common.column(rows, "late_gates", condition=f"{schedule} p=0"))))
    return out


def figures(out: Path, rows: list[dict]) -> list[tuple[str, str]]:
    made = []
    conds = [c.label for c in STUDIES["logic"].conditions]
    panels = (("late_gates", "late effective gates"), ("late_qm", "late Q_m"),
              ("late_performance", "late noise-free performance"), ("late_perfect", "late fraction perfect"),
              ("inputs_read", "inputs the final best reads"), ("final_info_flow", "information flow, final best"))
    fig, axes = common.figure(2, 3, width=6.5, height=4)
    for ax, (m, title) in zip(axes, panels):
        common.boxes(ax, rows, m, conds, title=title)
    made.append((common.save(fig, out / "fig-noise.png"), "every measure per condition (input flips p, and the "
                 "label-noise controls)"))
    return made


def write(out: Path, *, quick: bool, command: str, progress: bool = False) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    measures = ("late_qm", "late_q", "late_gates", "late_performance", "late_perfect", "final_gates", "final_qm")
    rows = common.collect_values(out, STUDIES, measures, measure, progress)
    common.write_csv(out / "values.csv", rows)
    verdicts = tests(rows)
    made = figures(out, rows)
    timing = common.timing(out, STUDIES)
    exp = STUDIES["logic"]
    lines = [*common.report_head("Noisy inputs (seed experiment 8)", command, quick, timing, "does noise in the "
                                 "inputs, which cannot be fitted, select for sparser or more modular circuits?"),
             *common.study_lines(STUDIES, quick)]
    lines += ["## Hypotheses (written before the data)", "", HYPOTHESES, "## Verdicts", "",
              *common.verdict_rows(verdicts), "", "## Per condition (median [IQR] (n))", ""]
    names = ("late_gates", "late_qm", "late_performance", "late_perfect", "inputs_read", "final_info_flow")
    body = [[c.label, *(common.summary(common.column(rows, m, condition=c.label)) for m in names)]
            for c in exp.conditions]
    lines += common.table(["condition", "late gates", "late Q_m", "late noise-free performance",
                           "late fraction perfect", "inputs read (final best)", "information flow (final best)"],
                          body)
    lines += ["", f"Input flip levels p: {', '.join(f'{p:g}' for p in LEVELS)}. Late: the mean over the last 10% "
              "of the generations of the best's values (Q_m measured every 100 generations). Inputs read: how "
              "many of the 4 inputs the final best's output depends on. Information flow: the score of the final "
              "best's best 2-module partition (evomod.measures.infoflow).", "", "## Figures", ""]
    lines += [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-run values", "", "[values.csv](values.csv): one row per run.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"

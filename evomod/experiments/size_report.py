"""REPORT.md of ``evomod experiment size``: per-run values, the verdicts on ``size.HYPOTHESES``, figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evomod.experiments import common, posthoc
from evomod.experiments.size import HYPOTHESES, STUDIES, WIDTHS

VERSION = "size-1"
N_RANDOM = {"full": 1000, "quick": 30}  # random networks per degree sequence for the networks' Q_m
SCHEDULES = {"logic": ("G1", "MVG"), "retina": ("fixed", "MVG")}


def size_of(study: str, condition: str) -> float:
    """The size a condition label names: gates (``"MVG-24"`` -> 24) or the hidden width factor (``"fixed-x2"`` -> 2).

    Examples
    --------
    >>> size_of("logic", "G1-48"), size_of("retina", "MVG-x4")
    (48.0, 4.0)
    """
    tail = condition.rsplit("-", 1)[1]
    return float(tail[1:]) if study == "retina" else float(tail)


def measure(run: common.Run, quick: bool) -> dict:
    """Q_m (networks: computed here) and information flow of a solved run's final best."""
    from evomod.replicate.measures import MEASURES

    if not MEASURES["solved"](run.view):
        return {}

    def compute():
        view = run.view
        out = posthoc.run_qm(view, N_RANDOM["quick" if quick else "full"])
        out["info_flow"] = float(view.beyond_q["info_flow"])
        return out
    return common.cached(run, VERSION + ("-quick" if quick else ""), compute)


def tests(rows: list[dict]) -> tuple[list, list]:
    """The pre-registered verdicts (H1: Q_m, H2: information flow, vs size within each schedule) and the
    descriptive rows (Q and generations to solve vs size)."""
    verdicts, described = [], []
    for study, schedules in SCHEDULES.items():
        for schedule in schedules:
            mine = [r for r in rows if r["study"] == study and r["condition"].startswith(schedule + "-")]
            solved = [r for r in mine if r.get("solved") == 1.0]
            size = np.array([size_of(study, r["condition"]) for r in solved])
            verdicts.append(("H1", f"{study} {schedule}: rho(size, Q_m) > 0",
                             common.spearman(size, common.column(solved, "qm"))))
            verdicts.append(("H2", f"{study} {schedule}: rho(size, information flow) > 0",
                             common.spearman(size, common.column(solved, "info_flow"))))
            described.append((f"{study} {schedule}", "Q of solutions vs size",
                              common.spearman(size, common.column(solved, "final_q"))))
            described.append((f"{study} {schedule}", "Q_rand vs size",
                              common.spearman(size, common.column(solved, "q_rand"))))
            every = np.array([size_of(study, r["condition"]) for r in mine])
            described.append((f"{study} {schedule}", "generations to solve vs size (all runs)",
                              common.spearman(every, common.column(mine, "generations_to_solve"))))
    return verdicts, described


def figures(out: Path, rows: list[dict]) -> list[tuple[str, str]]:
    made = []
    for study, exp in STUDIES.items():
        conds = [c.label for c in exp.conditions]
        mine = [r for r in rows if r["study"] == study]
        fig, axes = common.figure(2, 2, width=6.5, height=4)
        for ax, (m, title) in zip(axes, (("qm", "Q_m of solutions"), ("final_q", "Q of solutions"),
                                         ("info_flow", "information flow of solutions"),
                                         ("generations_to_solve", "generations to solve (all runs)"))):
            common.boxes(ax, mine, m, conds, title=f"{study}: {title}")
        made.append((common.save(fig, out / f"fig-{study}.png"), f"{study}: modularity and generations by size"))
    return made


def write(out: Path, *, quick: bool, command: str, progress: bool = False) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    measures = ("solved", "generations_to_solve", "final_q", "final_qm", "gates")
    rows = common.collect_values(out, STUDIES, measures, lambda run: measure(run, quick), progress)
    common.write_csv(out / "values.csv", rows)
    verdicts, described = tests(rows)
    made = figures(out, rows)
    timing = common.timing(out, STUDIES)
    lines = [*common.report_head("Does modularity grow with size? (seed experiment 6)", command, quick, timing),
             *common.study_lines(STUDIES, quick)]
    lines += ["## Hypotheses (written before the data)", "", HYPOTHESES, "## Verdicts", "",
              *common.verdict_rows(verdicts), "", "## Reported without a verdict", "",
              *common.table(["schedule", "what", "result"], [[s, w, r.text] for s, w, r in described]), "",
              "## Per condition (median [IQR] (n); modularity of solved runs only)", ""]
    body = []
    for key, exp in STUDIES.items():
        for c in exp.conditions:
            mine = [r for r in rows if r["study"] == key and r["condition"] == c.label]
            solved = [r for r in mine if r.get("solved") == 1.0]
            body.append([key, c.label, f"{len(solved)}/{len(mine)}",
                         common.summary(common.column(mine, "generations_to_solve")),
                         *(common.summary(common.column(solved, m)) for m in ("qm", "final_q", "q_rand", "info_flow",
                                                                              "gates"))])
    lines += common.table(["study", "condition", "solved", "generations to solve", "Q_m", "Q", "Q_rand",
                           "information flow", "gates / nodes"], body)
    lines += ["", "Sizes: circuits of " + ", ".join(map(str, sorted({int(size_of('logic', c.label))
                                                                       for c in STUDIES['logic'].conditions})))
              + " gates; networks " + ", ".join(f"{k} ({'-'.join(map(str, v))})" for k, v in WIDTHS.items())
              + ". Q_m of networks is computed after the run (directed, the run's Q method, random networks of the "
              "same degrees); information flow is the score of the final best's best 2-module partition.", "",
              "## Figures", ""]
    lines += [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-run values", "", "[values.csv](values.csv): one row per run.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"

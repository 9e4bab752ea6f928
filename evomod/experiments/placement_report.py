"""REPORT.md of ``evomod experiment placement``: per-run values, the verdicts on ``placement.HYPOTHESES``, figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evomod.experiments import common, posthoc
from evomod.experiments.placement import HYPOTHESES, STUDIES

VERSION = "placement-1"
N_RANDOM = {"full": 1000, "quick": 30}
# input halves by input index: the task's (left/right pixels; {x, y} / {z, w}) and, under the interleaved
# layouts, space's (the inputs placed in the left half: pixels 0, 4, 1, 5; x and z)
SPLITS = {"retina": {"task": [0, 0, 0, 0, 1, 1, 1, 1], "spatial": [0, 0, 1, 1, 0, 0, 1, 1]},
          "logic": {"task": [0, 0, 1, 1], "spatial": [0, 1, 0, 1]}}
MODULARITY = {"retina": "final_q", "logic": "final_qm"}


def measure(run: common.Run, quick: bool) -> dict:
    def compute():
        view = run.view
        part = posthoc.final_partition(view)
        labels = np.asarray(part["labels"])
        splits = SPLITS[run.study]
        n = len(splits["task"])
        out = {"input_nmi_task": _nmi(labels[:n], splits["task"]),
               "input_nmi_spatial": _nmi(labels[:n], splits["spatial"])}
        out.update(posthoc.run_qm(view, N_RANDOM["quick" if quick else "full"]))
        return out
    return common.cached(run, VERSION + ("-quick" if quick else ""), compute)


def _nmi(labels, reference) -> float:
    from evomod.measures.functional import agreement

    return agreement(labels, reference)["nmi"]


def tests(rows: list[dict]) -> list:
    def col(study, cond, name):
        return common.column(rows, name, study=study, condition=cond)

    out = []
    for study, q in MODULARITY.items():
        costs = [c.label for c in STUDIES[study].conditions if c.label != "none"]
        for cond in costs:
            out.append(("H1", f"{study}: {q}, {cond} > none", common.compare(col(study, cond, q),
                                                                              col(study, "none", q))))
    out.append(("H2", "retina: final_q, wiring-grid > connections",
                common.compare(col("retina", "wiring-grid", "final_q"), col("retina", "connections", "final_q"))))
    for cond in ("locality-grid", "locality-line"):
        out.append(("H2", f"logic: final_qm, {cond} > connections",
                    common.compare(col("logic", cond, "final_qm"), col("logic", "connections", "final_qm"))))
    for study, pairs in (("retina", (("wiring-grid", "wiring-shuffled"), ("wiring-grid", "wiring-random"))),
                         ("logic", (("locality-line", "locality-shuffled"), ("locality-grid", "locality-random")))):
        q = MODULARITY[study]
        for a, b in pairs:
            out.append(("H3", f"{study}: {q}, {a} > {b}", common.compare(col(study, a, q), col(study, b, q))))
    for study, shuffled, aligned in (("retina", "wiring-shuffled", "wiring-grid"),
                                     ("logic", "locality-shuffled", "locality-line")):
        out.append(("H4", f"{study} {shuffled}: input NMI with the spatial split > with the task split",
                    common.paired_greater(col(study, shuffled, "input_nmi_spatial"),
                                          col(study, shuffled, "input_nmi_task"))))
        out.append(("H4", f"{study}: input NMI with the task split, {shuffled} < {aligned}",
                    common.compare(col(study, shuffled, "input_nmi_task"), col(study, aligned, "input_nmi_task"),
                                   alternative="less")))
    return out


def figures(out: Path, rows: list[dict]) -> list[tuple[str, str]]:
    made = []
    fig, axes = common.figure(2, 2, width=6.5, height=4)
    for i, (study, exp) in enumerate(STUDIES.items()):
        conds = [c.label for c in exp.conditions]
        mine = [r for r in rows if r["study"] == study]
        common.boxes(axes[2 * i], mine, MODULARITY[study], conds, title=f"{study}: {MODULARITY[study]}")
        common.boxes(axes[2 * i + 1], mine, "qm" if study == "retina" else "final_performance", conds,
                     title=f"{study}: {'Q_m (after the run)' if study == 'retina' else 'final performance'}")
    made.append((common.save(fig, out / "fig-modularity.png"),
                 "modularity of the final bests per condition (retina: Q and Q_m; circuits: Q_m and performance)"))
    fig, axes = common.figure(2, 2, width=6.5, height=4)
    for i, (study, exp) in enumerate(STUDIES.items()):
        conds = [c.label for c in exp.conditions]
        mine = [r for r in rows if r["study"] == study]
        common.boxes(axes[2 * i], mine, "input_nmi_task", conds, title=f"{study}: inputs' modules vs the task split")
        common.boxes(axes[2 * i + 1], mine, "input_nmi_spatial", conds,
                     title=f"{study}: inputs' modules vs the interleaved layout's spatial split")
    made.append((common.save(fig, out / "fig-which-modules.png"),
                 "which modules form: NMI of the inputs' modules with the task's halves and with space's halves "
                 "under the interleaved layout"))
    return made


def write(out: Path, *, quick: bool, command: str, progress: bool = False) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    measures = ("final_performance", "final_q", "final_qm", "final_gates", "connections", "left_right",
                "late_qm", "late_performance")
    rows = common.collect_values(out, STUDIES, measures, lambda run: measure(run, quick), progress)
    for r in rows:  # Q_m: the run's own for circuits, computed after the run for networks
        r["final_qm"] = r["qm"] if r["study"] == "retina" else r["final_qm"]
    common.write_csv(out / "values.csv", rows)
    verdicts = tests(rows)
    made = figures(out, rows)
    timing = common.timing(out, STUDIES)
    lines = [*common.report_head("Connection costs, total vs local, and where the nodes sit (seed experiment 4)",
                                 command, quick, timing, "does a connection cost make solutions modular, does a "
                                 "local (distance) cost do more than a total one, and does where the nodes sit "
                                 "change how modular solutions are and which modules they form?"),
             *common.study_lines(STUDIES, quick, ", with a drawing of a typical network per condition")]
    lines += ["## Hypotheses (written before the data)", "", HYPOTHESES, "## Verdicts", "",
              *common.verdict_rows(verdicts), "", "## Per condition", ""]
    header = ["study", "condition", "final performance", "Q", "Q_m", "left/right split", "input NMI, task",
              "input NMI, spatial", "connections", "gates / nodes"]
    body = []
    for key, exp in STUDIES.items():
        for c in exp.conditions:
            mine = [r for r in rows if r["study"] == key and r["condition"] == c.label]
            lr = common.column(mine, "left_right")
            lr = lr[np.isfinite(lr)]
            body.append([key, c.label, *(common.summary(common.column(mine, m))
                                         for m in ("final_performance", "final_q", "final_qm")),
                         f"{int(lr.sum())}/{len(lr)}" if len(lr) else "n/a",
                         *(common.summary(common.column(mine, m))
                           for m in ("input_nmi_task", "input_nmi_spatial", "connections", "final_gates"))])
    lines += common.table(header, body)
    lines += ["", "Q of retina networks: directed Leicht-Newman Q by recursive bisection (Clune et al.); Q_m of "
              "networks is computed after the run with 1,000 random networks per degree sequence. Left/right split: "
              "the final best's best 2-way split separates the left pixels from the right ones (networks only). "
              "Input NMI: see the hypotheses.", "", "## Figures", ""]
    lines += [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-run values", "", "[values.csv](values.csv): one row per run. Each study's report, with a "
              "drawing of the typical final network of each condition, is in its directory.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"




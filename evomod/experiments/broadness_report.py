"""REPORT.md of ``evomod experiment broadness``: per-run values, verdicts on ``broadness.HYPOTHESES``, figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evomod.experiments import common, posthoc
from evomod.experiments.broadness import HYPOTHESES, STUDIES

VERSION = "broadness-1"
STEPS = 5
N_RANDOM = {"full": 1000, "quick": 30}  # random networks for the post-hoc Q_m of networks
# Row pairs per exchange matrix for networks: 32 of the 256 retina rows, seeded (all 256 take minutes per
# network; chosen after the runs, before any measure was looked at: docs/experiments/broadness.md)
FLOW_EVALUATIONS = {"retina": 1 << 10}


def measure(run: common.Run, quick: bool) -> dict:
    """Broadness, Q_m and information flow of one solved run's final best (NaN for unsolved runs)."""
    from evomod.replicate.measures import MEASURES

    if not MEASURES["solved"](run.view):
        return {}

    def compute():
        view = run.view
        r = view.robustness
        out = {k: r[k] for k in ("performance", "mutations", "mean_mutant", "mean_mutant_all", "neutrality",
                                 "neutrality_effective", "neutrality_steps", "basin_95")}
        for a in r["after"]:
            out[f"after_{a['k']}"] = a["mean"]
            out[f"perfect_after_{a['k']}"] = a["perfect"]
        out.update(posthoc.run_qm(view, N_RANDOM["quick" if quick else "full"]))
        out["info_flow"] = info_flow(run)
        return out
    budget = FLOW_EVALUATIONS.get(run.study)
    version = VERSION if budget is None else f"{VERSION}-flow{budget}"
    return common.cached(run, version + ("-quick" if quick else ""), compute)


def info_flow(run: common.Run) -> float:
    """Information flow of the final best's best 2-module partition, started from its best-Q partition:
    every pair of input rows for circuits (16 rows), ``FLOW_EVALUATIONS`` sampled pairs for networks."""
    budget = FLOW_EVALUATIONS.get(run.study)
    if budget is None:
        return float(run.view.beyond_q["info_flow"])
    from evomod.measures import infoflow

    best = run.view.best
    program = best["rep"].program(best["genome"], best["inputs"])
    if program.connected().sum() < 2:
        return math.nan
    labels = np.asarray(run.view.summary["modularity"]["labels"], dtype=np.int64)
    return float(infoflow.search(program, 2, start=labels, max_evaluations=budget).score)


def tests(rows: list[dict]) -> tuple[list, list]:
    """The pre-registered verdicts and the descriptive correlations."""
    verdicts, described = [], []
    for key, exp in STUDIES.items():
        solved = [r for r in rows if r["study"] == key and r.get("solved") == 1.0]
        groups = [r["condition"] for r in solved]
        col = {name: common.column(solved, name) for name in ("mean_mutant", "neutrality", "qm", "info_flow")}
        verdicts += [("H1", f"{key}: mean mutant performance vs Q_m, within conditions",
                      common.stratified(col["mean_mutant"], col["qm"], groups)),
                     ("H2", f"{key}: mean mutant performance vs information flow, within conditions",
                      common.stratified(col["mean_mutant"], col["info_flow"], groups)),
                     ("H3", f"{key}: neutrality vs Q_m, within conditions",
                      common.stratified(col["neutrality"], col["qm"], groups))]
        conds = [c.label for c in exp.conditions]
        for broad, mod in (("mean_mutant", "qm"), ("mean_mutant", "info_flow"), ("neutrality", "qm")):
            for cond in conds:
                described.append((key, f"{broad} vs {mod}", cond,
                                  common.spearman(common.column(solved, broad, condition=cond),
                                                  common.column(solved, mod, condition=cond))))
            described.append((key, f"{broad} vs {mod}", "pooled (raw)", common.spearman(col[broad], col[mod])))
        mvg, fixed = conds[1], conds[0]
        for what in ("mean_mutant", "neutrality", "qm"):
            described.append((key, f"{what}: {mvg} > {fixed}", "Mann-Whitney",
                              common.compare(common.column(solved, what, condition=mvg),
                                             common.column(solved, what, condition=fixed))))
    return verdicts, described


def figures(out: Path, rows: list[dict]) -> list[tuple[str, str]]:
    made = []
    for x, name, title in (("qm", "fig-broadness-qm.png", "mean mutant performance vs Q_m"),
                           ("info_flow", "fig-broadness-flow.png", "mean mutant performance vs information flow"),
                           ("qm", "fig-neutrality-qm.png", "neutrality vs Q_m")):
        y = "neutrality" if name.startswith("fig-neutrality") else "mean_mutant"
        fig, axes = common.figure(len(STUDIES))
        for ax, (key, exp) in zip(axes, STUDIES.items()):
            solved = [r for r in rows if r["study"] == key and r.get("solved") == 1.0]
            common.scatter(ax, solved, x, y, [c.label for c in exp.conditions], title=f"{key} solutions")
        made.append((common.save(fig, out / name), title + " (each dot a solution; rho per condition)"))
    fig, axes = common.figure(len(STUDIES))
    for ax, (key, exp) in zip(axes, STUDIES.items()):
        for i, c in enumerate(exp.conditions):
            solved = [r for r in rows if r["study"] == key and r.get("solved") == 1.0 and r["condition"] == c.label]
            if not solved:
                continue
            v = np.array([[1.0] + [r.get(f"after_{k}", math.nan) for k in range(1, STEPS + 1)] for r in solved])
            lo, med, hi = np.nanpercentile(v, [25, 50, 75], axis=0)
            ax.plot(range(STEPS + 1), med, color=f"C{i}", marker="o", label=f"{c.label} (n={len(solved)})")
            ax.fill_between(range(STEPS + 1), lo, hi, color=f"C{i}", alpha=0.2, lw=0)
        ax.set(xlabel="random single mutations k", ylabel="mean performance after k", title=key)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8)
    made.append((common.save(fig, out / "fig-after-k.png"),
                 "performance after k random mutations: median over solutions of each solution's mean over "
                 "1,000 walks, with the IQR band"))
    return made


def write(out: Path, *, quick: bool, command: str, progress: bool = False) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    measures = ("solved", "generations_to_solve", "final_q", "final_performance", "gates")
    rows = common.collect_values(out, STUDIES, measures, lambda run: measure(run, quick), progress)
    common.write_csv(out / "values.csv", rows)
    verdicts, described = tests(rows)
    made = figures(out, rows)
    timing = common.timing(out, STUDIES)
    lines = [*common.report_head("Broadness of modular and non-modular solutions (seed experiment 2)", command,
                                 quick, timing, "are modular solutions broader, i.e. do more of the genomes one "
                                 "mutation away still solve the task, and does performance fall more slowly as "
                                 "mutations accumulate?"),
             *common.study_lines(STUDIES, quick)]
    lines += ["## Hypotheses (written before the data)", "", HYPOTHESES, "## Verdicts", "",
              *common.verdict_rows(verdicts), "",
              "## Per condition (solutions only)", ""]
    header = ["study", "condition", "solved", "Q_m", "information flow", "mean mutant perf.", "neutrality",
              "neutrality (effective)", "neutrality (weight steps)", "basin (5 steps, >= 95%)", "gates"]
    body = []
    for key, exp in STUDIES.items():
        for c in exp.conditions:
            allr = [r for r in rows if r["study"] == key and r["condition"] == c.label]
            sol = [r for r in allr if r.get("solved") == 1.0]
            body.append([key, c.label, f"{len(sol)}/{len(allr)}",
                         *(common.summary(common.column(sol, m)) for m in
                           ("qm", "info_flow", "mean_mutant", "neutrality", "neutrality_effective",
                            "neutrality_steps", "basin_95", "gates"))])
    lines += common.table(header, body) + ["", "## Correlations and comparisons (descriptive, no verdict)", ""]
    lines += common.table(["study", "pair", "within", "result"], [[k, p, w, r.text] for k, p, w, r in described])
    lines += ["", "## Figures", ""] + [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-run values", "",
              "[values.csv](values.csv): one row per run (study, condition, run id, seed, solved, generations to "
              "solve, Q, Q_m, information flow, every broadness measure; empty where undefined or for unsolved "
              "runs). Each study's own report, runs and records are in its directory.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"

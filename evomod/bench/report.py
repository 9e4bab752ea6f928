"""The selection benchmark's report: markdown, figures, tables and the IOHprofiler export.

::

    OUT/selection.md                 the report (findings paragraph generated from the numbers)
    OUT/figures/<task>.png           fixed-target ECDF and fixed-budget curves, one figure per task
    OUT/figures/cd.png               critical-difference diagram across tasks
    OUT/tables/runs.parquet          one row per run: runtimes, fixed-budget values, final Q, Q_m, info flow
    OUT/tables/hits.parquet          one row per run and target: generations, evaluations, seconds (null: never)
    OUT/tables/summary.parquet       one row per task and strategy (the report's numbers)
    OUT/tables/pairwise.parquet      one row per task and pair of strategies
    OUT/ioh/<strategy>/              the fixed-goal tasks' runs in the IOHprofiler format
"""

from __future__ import annotations

import math
from pathlib import Path

from evomod.bench import analysis as _an
from evomod.bench import anytime as _any
from evomod.bench import ioh as _ioh
from evomod.io.files import atomic_write


def _g(x, digits: int = 3) -> str:
    """A number for a table: '—' for NaN, '∞' for inf, else ``digits`` significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _ms(pair) -> str:
    mean, sd = pair
    return "—" if math.isnan(mean) else f"{mean:.2f}" + ("" if math.isnan(sd) else f" ± {sd:.2f}")


def _p(p: float) -> str:
    return "—" if math.isnan(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _quart(q) -> str:
    return "—" if math.isnan(q[1]) else f"{_g(q[1])} ({_g(q[0])}–{_g(q[2])})"


# --- figures ----------------------------------------------------------------------

def task_figure(tr: _an.TaskResult, path: Path) -> None:
    """Left: fixed-target ECDF over generations (all targets pooled); right: median
    best-so-far performance (band: quartiles) against generations."""
    from matplotlib.figure import Figure

    fixed = tr.info.fixed
    fig = Figure(figsize=(11 if fixed else 5.5, 3.6), layout="constrained")
    axes = fig.subplots(1, 2 if fixed else 1, squeeze=False)[0]
    colours = {s: f"C{k % 10}" for k, s in enumerate(tr.strategies)}
    ax = axes[0]
    for s in tr.strategies:
        ax.step(tr.grid, tr.ecdf[s], where="post", color=colours[s], label=s,
                lw=2.2 if s in _an.CLAIM else 1.2)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("generations evaluated")
    n_t = len(tr.targets)
    ax.set_ylabel("fraction of (run, target) pairs" if n_t > 1 else "fraction of runs solved")
    ax.set_title(f"{tr.info.name}: fixed-target ECDF, {n_t} target{'s' * (n_t > 1)} "
                 f"{_g(tr.targets[0])}–{_g(tr.targets[-1])}", fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    if fixed:
        ax = axes[1]
        for s in tr.strategies:
            lo, med, hi = tr.curves[s]
            ax.plot(tr.grid, med, color=colours[s], label=s, lw=2.2 if s in _an.CLAIM else 1.2)
            ax.fill_between(tr.grid, lo, hi, color=colours[s], alpha=0.12, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("generations evaluated")
        ax.set_ylabel("best-so-far performance (median, IQR)")
        ax.set_title(f"{tr.info.name}: fixed-budget performance", fontsize=9)
    fig.savefig(path, dpi=110)


# --- tables -----------------------------------------------------------------------

def _setup(result: _an.Result, runs: int) -> list[str]:
    lines = ["| task | description | goal | population | cases | genome length | budget (generations) |",
             "|---|---|---|---|---|---|---|"]
    for name, tr in result.tasks.items():
        i = tr.info
        lines.append(f"| {name} | {i.preset} | {i.goal}{'' if i.fixed else ' (varying goal)'} | {i.population} | "
                     f"{i.cases} | {i.dimension} | {i.cap:,} |")
    return lines


def _task_table(tr: _an.TaskResult) -> list[str]:
    budgets = [b for b in _any.FIXED_BUDGETS if b <= tr.info.cap] if tr.info.fixed else []
    head = ["rank", "strategy", "solved", "ERT gens", "ERT evals", "ERT s",
            "runtime to solve (generations), median (IQR)",
            *[f"best @ {b:,}" for b in budgets], "final Q_m", "final info flow", "ms / gen"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in sorted(tr.strategies, key=lambda s: tr.rows[s]["rank"]):
        r = tr.rows[s]
        cells = [_g(r["rank"], 2), s, f"{r['solved']}/{r['runs']}", _g(r["ert"]), _g(r["ert_evaluations"]),
                 _g(r["ert_seconds"]), _quart(r["runtime_q"]),
                 *[_quart(r["fixed_budget"][b]) for b in budgets], _ms(r["qm"]), _ms(r["info_flow"]),
                 f"{r['ms_per_generation']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _pairwise(tr: _an.TaskResult) -> list[str]:
    lines = ["<details><summary>pairwise tests (Mann–Whitney on generations to solve, unsolved last; "
             "Fisher on successes; both Holm-corrected; A12 = P(a faster than b))</summary>", "",
             "| a | b | solved a | solved b | A12 | effect | p (MWU, Holm) | p (Fisher, Holm) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in tr.pairwise:
        lines.append(f"| {r['a']} | {r['b']} | {r['solved_a']}/{r['runs_a']} | {r['solved_b']}/{r['runs_b']} | "
                     f"{r['a12']:.2f} | {_stats_mag(r['a12'])} | {_p(r['p_mwu'])} | {_p(r['p_fisher'])} |")
    return lines + ["", "</details>"]


def _stats_mag(a: float) -> str:
    from evomod.bench.stats import magnitude

    return magnitude(a)


def _modularity_table(result: _an.Result) -> tuple[list[str], list[tuple[str, float]]]:
    from evomod.bench.stats import holm

    names = list(result.tasks)
    ps = [result.tasks[t].qm_test["p"] for t in names]
    finite = [k for k, p in enumerate(ps) if not math.isnan(p)]
    adj = dict(zip(finite, holm([ps[k] for k in finite])))
    lines = ["| strategy | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for s in result.strategies:
        cells = [(_ms(result.tasks[t].rows[s]["qm"]) + " / " + _ms(result.tasks[t].rows[s]["info_flow"]))
                 if s in result.tasks[t].rows else "—" for t in names]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("| Kruskal–Wallis on Q_m, p (Holm) | "
                 + " | ".join(_p(adj.get(k, math.nan)) for k in range(len(names))) + " |")
    return lines, [(names[k], adj.get(k, math.nan)) for k in range(len(names))]


# --- the findings paragraph --------------------------------------------------------

def _verb(verdict: str) -> str:
    """'agrees (...)' -> 'agree (...)'; the other verdicts read as 'are ...'."""
    for word, verb in (("agrees", "agree"), ("partly agrees", "partly agree")):
        if verdict.startswith(word + " "):
            return verb + verdict[len(word):]
    return verdict.replace("contradicted", "contradict it", 1) if verdict.startswith("contradicted") \
        else "are " + verdict


def findings(result: _an.Result, modularity: list[tuple[str, float]]) -> str:
    """One paragraph stating what the numbers say, values filled in."""
    parts = []
    f = result.friedman
    if f is not None:
        ranked = sorted(f.mean_ranks, key=f.mean_ranks.get)
        best = ranked[0]
        apart = [s for s in ranked[1:] if f.nemenyi.loc[best, s] < f.alpha]
        parts.append(
            f"Across {len(f.tasks)} tasks, {best} had the best mean rank ({f.mean_ranks[best]:.2f}; worst: "
            f"{ranked[-1]}, {f.mean_ranks[ranked[-1]]:.2f}). The Friedman test "
            f"{'rejects' if f.p < f.alpha else 'does not reject'} equal performance (χ² = {f.statistic:.2f}, "
            f"p = {_p(f.p)}); by Nemenyi's test (CD = {f.cd:.2f}) {best} is "
            + (f"significantly better than {', '.join(apart)}." if apart else
               "not significantly better than any other strategy."))
    winners = []
    for name, tr in result.tasks.items():
        top = min(tr.strategies, key=lambda s: tr.rows[s]["rank"])
        r = tr.rows[top]
        if r["solved"]:
            winners.append(f"{name}: {top} (ERT {_g(r['ert'])} generations, {r['solved']}/{r['runs']} solved)")
        else:
            winners.append(f"{name}: no strategy solved it (best mean final performance: {top}, "
                           f"{r['final_performance']:.3f})")
    parts.append("Fastest per task: " + "; ".join(winners) + ".")
    if result.claim:
        parts.append(
            "The pre-registered claim that lexicase solves multiplexer and parity tasks faster than tournament "
            f"selection: evomod's numbers {_verb(result.verdict)}: " + "; ".join(
                f"{c['task']} {c['verdict']} (A12 = {c['a12']:.2f}, one-sided p (Holm) = {_p(c['p_holm'])}, "
                f"solved {c['solved_fast']}/{c['runs_fast']} vs {c['solved_slow']}/{c['runs_slow']})"
                for c in result.claim) + ".")
    else:
        parts.append(f"The pre-registered claim was {result.verdict}.")
    differ = [(t, p) for t, p in modularity if not math.isnan(p) and p < _an.ALPHA]
    tested = [t for t, p in modularity if not math.isnan(p)]
    if tested:
        text = (f"Final Q_m differed between strategies on {len(differ)} of {len(tested)} tasks "
                f"(Kruskal–Wallis, Holm, α = {_an.ALPHA})")
        if differ:
            detail = []
            for t, _ in differ:
                rows = result.tasks[t].rows
                hi = max((s for s in rows if not math.isnan(rows[s]["qm"][0])), key=lambda s: rows[s]["qm"][0])
                lo = min((s for s in rows if not math.isnan(rows[s]["qm"][0])), key=lambda s: rows[s]["qm"][0])
                detail.append(f"{t}: highest {hi} ({rows[hi]['qm'][0]:.2f}), lowest {lo} ({rows[lo]['qm'][0]:.2f})")
            text += ": " + "; ".join(detail)
        parts.append(text + ".")
    return " ".join(p.strip() for p in parts)


# --- the whole report ------------------------------------------------------------------

def _write_tables(result: _an.Result, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    summary, pairs = [], []
    for name, tr in result.tasks.items():
        for s in tr.strategies:
            r = tr.rows[s]
            summary.append({"task": name, "strategy": s, "rank": r["rank"], "runs": r["runs"], "solved": r["solved"],
                            "ert_generations": _an._none(r["ert"]), "ert_evaluations": _an._none(r["ert_evaluations"]),
                            "ert_seconds": _an._none(r["ert_seconds"]),
                            "median_generations_to_solve": _an._none(r["runtime_q"][1]),
                            "final_q_mean": _an._none(r["q"][0]), "final_qm_mean": _an._none(r["qm"][0]),
                            "final_info_flow_mean": _an._none(r["info_flow"][0]),
                            "ms_per_generation": _an._none(r["ms_per_generation"]),
                            **{f"median_best_at_{b}": _an._none(q[1]) for b, q in r["fixed_budget"].items()}})
        pairs += [{"task": name, **p} for p in tr.pairwise]
    (out / "tables").mkdir(exist_ok=True)
    for fname, rows in (("runs", result.runs_table), ("hits", result.hits_table), ("summary", summary),
                        ("pairwise", pairs)):
        if rows:
            table = pa.Table.from_pylist(rows)
            atomic_write(out / "tables" / f"{fname}.parquet", lambda tmp, t=table: pq.write_table(t, tmp))


def export_ioh(result: _an.Result, root: Path) -> list[Path]:
    """The fixed-goal tasks' runs in the IOHprofiler format, one folder per strategy."""
    folders = set()
    for name, tr in result.tasks.items():
        if not tr.info.fixed:
            continue
        for s in tr.strategies:
            runs = [_ioh.generational_run(r.best, tr.info.population, seed=r.seed)
                    for r in result.runs_by_task[name] if r.strategy == s]
            info = (f"evomod selection {s}; population {tr.info.population}; one evaluation = one individual "
                    "of a generation; best of generation 0 logged at evaluation 1")
            folders.add(_ioh.write_folder(root, s, info, {name: (tr.info.dimension, runs)},
                                          {"population": tr.info.population, "goal": tr.info.goal}))
    return sorted(folders)


def write(result: _an.Result, out: Path, command: str = "", runs: int | None = None) -> str:
    """Write the report, figures, tables and export into ``out``; returns the markdown."""
    from evomod import __version__
    from evomod.bench.stats import cd_diagram

    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    mod_lines, mod_p = _modularity_table(result)
    lines = ["# Selection benchmark", "",
             f"Generated by evomod {__version__}" + (f" with `{command}`" if command else "") + ". "
             f"{len(result.tasks)} tasks × {len(result.strategies)} strategies"
             + (f" × {runs} runs" if runs else "") + "; definitions at the end.", "",
             "## Findings", "", findings(result, mod_p), "", "## Setup", "", *_setup(result, runs or 0), ""]
    if result.skipped:
        lines += ["Not run: " + "; ".join(f"{s} on {t} ({why})" for (s, t), why in result.skipped.items()), ""]
    lines += ["## Pre-registered claim: lexicase faster than tournament on multiplexer and parity", "",
              "Decided before any run (Helmuth & Spector; Liskowski et al. 2015; La Cava et al. 2019): on every "
              "multiplexer and even-parity task, lexicase needs fewer generations to solve than tournament "
              "selection (k = 3). One-sided Mann–Whitney U (unsolved runs ranked last), Holm over these tasks, "
              f"α = {_an.ALPHA}. A task *agrees* if that test rejects, *contradicts* if the opposite one-sided "
              "test rejects, else is *inconclusive*.", "", f"**Verdict: {result.verdict}.**", ""]
    if result.claim:
        lines += ["| task | lexicase solved | tournament solved | ERT lexicase | ERT tournament | A12 | p (Holm) | "
                  "p opposite (Holm) | verdict |", "|---|---|---|---|---|---|---|---|---|"]
        for c in result.claim:
            lines.append(f"| {c['task']} | {c['solved_fast']}/{c['runs_fast']} | {c['solved_slow']}/{c['runs_slow']} | "
                         f"{_g(c['ert_fast'])} | {_g(c['ert_slow'])} | {c['a12']:.2f} | {_p(c['p_holm'])} | "
                         f"{_p(c['p_against_holm'])} | {c['verdict']} |")
        lines.append("")
    lines += ["## Across tasks: Friedman test and critical-difference diagram", ""]
    f = result.friedman
    if f is None:
        lines += ["Not computed: it needs at least 2 tasks and 3 strategies run on all of them.", ""]
    else:
        cd_diagram(f, out / "figures" / "cd.png")
        lines += [f"Blocks: {len(f.tasks)} tasks; per task, strategies ranked by ERT (ties: mean final "
                  f"performance). Friedman χ² = {f.statistic:.2f}, p = {_p(f.p)}; Nemenyi CD = {f.cd:.2f} "
                  f"(α = {f.alpha}). With few tasks the CD is wide: read it with the per-task tests below.", "",
                  "![critical-difference diagram](figures/cd.png)", "",
                  "| strategy | mean rank |", "|---|---|",
                  *[f"| {s} | {f.mean_ranks[s]:.2f} |" for s in sorted(f.mean_ranks, key=f.mean_ranks.get)], ""]
    lines += ["## Does the selection strategy change how modular the solutions are?", "",
              "Final best of every run: mean ± sd of Q_m / of the information-flow modularity "
              "(evomod.measures.infoflow); Kruskal–Wallis test of Q_m across strategies per task.", "",
              *mod_lines, "", "## Per task", ""]
    for name, tr in result.tasks.items():
        task_figure(tr, out / "figures" / f"{name}.png")
        lines += [f"### {name}", "", f"![{name}](figures/{name}.png)", "", *_task_table(tr), "", *_pairwise(tr), ""]
    lines += ["## Definitions", "",
              "* Runtime: generations evaluated until the best-so-far performance first reaches a target, the "
              "initial population counting as 1; evaluations = generations × population (the engine evaluates "
              "every row each generation); seconds = generations × the run's mean seconds per generation.",
              "* Targets: the task's `solved_at` minus 1/2, 1/4, ... down to one case, and `solved_at` itself "
              "(tasks with a varying goal: every goal solved, only).",
              "* ERT (Price 1997; Hansen et al., COCO): the runtime of every run until the target, or its whole "
              "budget if it never got there, summed, over the number of runs that got there.",
              "* ECDF: fraction of (run, target) pairs reached within a budget (COCO / IOHanalyzer style).",
              "* Fixed budget: best-so-far performance after 10, 100, 1,000 and 10,000 generations, median "
              "(IQR); a run that solved earlier keeps its final value.",
              "* A12 (Vargha & Delaney 2000): 0.56 / 0.64 / 0.71 small / medium / large.", "",
              "Files: `tables/*.parquet` (runs, hits per target, summary, pairwise), `ioh/` (IOHprofiler "
              "format: zip it for IOHanalyzer), one study per task in `<task>/`.", ""]
    text = "\n".join(lines)
    _write_tables(result, out)
    export_ioh(result, out / "ioh")
    atomic_write(out / "selection.md", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return text

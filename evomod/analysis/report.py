"""``evomod report OUT``: a study's tables, plots and tests.

Writes ``OUT/report.md`` (with the numbers also in ``OUT/report.json``) and
``OUT/report-fitness.png``, ``OUT/report-qm.png``, ``OUT/report-solve.png``:
per condition (grid cell), the median and interquartile band of the best
fitness and of Q_m per generation (Q_m is measured every
``modularity.every`` generations; NaN-aware statistics), the distribution of
generations to solve, the success rate, and two-sided Mann-Whitney U tests
between every pair of conditions on generations to solve (unsolved runs
counted as the generation cap) and on the final Q_m (runs with an undefined
Q_m left out). Failed and not yet finished runs are counted, not used.
Where runs logged them, ``info_flow`` and ``coverage`` get band plots too
(``OUT/report-info-flow.png``, ``OUT/report-coverage.png``).
Adaptation speed: per condition, the generations after each goal switch until
the best is perfect again (``evomod.measures.adaptation``), pooled over the runs, with
the censored switches counted apart; ``OUT/report-adaptation.png`` where the
study has switches.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evomod.engine.results import MEASURED
from evomod.registry import ConfigError

MAX_POINTS = 2000  # generations plotted per curve (a longer run is sampled evenly)
# record columns measured every modularity.every generations (NaN between)
SPARSE = tuple(c.name for c in MEASURED)
PLOTS = {"fitness": "report-fitness.png", "qm": "report-qm.png", "solve": "report-solve.png",
         "info_flow": "report-info-flow.png", "coverage": "report-coverage.png"}
# plotted only where runs logged them (modularity.info_flow, modularity.coverage)
OPTIONAL = {"info_flow": "information-flow modularity of the best", "coverage": "sub-goal coverage of the best"}
ADAPTATION_PLOT = "report-adaptation.png"


@dataclass
class Condition:
    index: int
    label: str
    cap: int
    runs: int
    done: int  # finished or solved
    solved: int
    failed: int
    pending: int
    to_solve: np.ndarray  # generations to solve of the done runs, unsolved = cap
    final_qm: np.ndarray  # NaN-free
    run_ids: list = field(default_factory=list)
    switches: int = 0  # goal switches in the done runs
    to_perfect: np.ndarray = field(default_factory=lambda: np.zeros(0))  # of the recovered switches

    @property
    def censored(self) -> int:
        return self.switches - len(self.to_perfect)

    @property
    def success(self) -> float:
        return self.solved / self.done if self.done else math.nan


def conditions(out: Path, table: list[dict] | None = None) -> tuple[dict, list[Condition]]:
    """The study's manifest and one ``Condition`` per cell (from the run
    directories, or from ``table``, runs.parquet's rows, when the caller has them)."""
    from evomod.study.results import read_manifest, rebuild

    out = Path(out)
    if not (out / "study.json").is_file():
        raise ConfigError(f"{out}: not a study directory (no study.json); write one with `evomod study`",
                          "study_dir")
    manifest = read_manifest(out)
    table = rebuild(out).to_pylist() if table is None else table
    conds = []
    for cell in manifest["cells"]:
        rows = [r for r in table if r["cell_index"] == cell["index"]]
        done = [r for r in rows if r["status"] not in ("failed", "pending")]
        cap = cell["generations"]
        to_solve = np.array([cap if r["generations_to_solve"] is None else r["generations_to_solve"]
                             for r in done], dtype=float)
        qm = np.array([r["final_qm"] for r in done], dtype=float)
        per_switch = [k for r in done for k in (r.get("generations_to_perfect") or [])]
        conds.append(Condition(cell["index"], cell["label"], cap, len(rows), len(done),
                               sum(r["status"] == "solved" for r in done),
                               sum(r["status"] == "failed" for r in rows),
                               sum(r["status"] == "pending" for r in rows), to_solve, qm[np.isfinite(qm)],
                               [r["run_id"] for r in done], len(per_switch),
                               np.array([k for k in per_switch if k is not None], dtype=float)))
    return manifest, conds


def mann_whitney(conds: list[Condition]) -> list[dict]:
    """Two-sided Mann-Whitney U between every pair of conditions, on generations
    to solve (unsolved = cap) and on final Q_m."""
    from scipy.stats import mannwhitneyu

    tests = []
    for metric, attr in (("generations_to_solve", "to_solve"), ("final_qm", "final_qm")):
        for a, b in itertools.combinations(conds, 2):
            x, y = getattr(a, attr), getattr(b, attr)
            u = p = None
            if len(x) and len(y):
                with warnings.catch_warnings():  # e.g. scipy's SmallSampleWarning: p is NaN, reported n/a
                    warnings.simplefilter("ignore")
                    res = mannwhitneyu(x, y, alternative="two-sided")
                u, p = float(res.statistic), float(res.pvalue)
                p = None if math.isnan(p) else p
            tests.append({"metric": metric, "a": a.label, "b": b.label, "n_a": len(x), "n_b": len(y),
                          "u": u, "p": p})
    return tests


def _thin(gens: np.ndarray) -> np.ndarray:
    """At most MAX_POINTS of the sorted ``gens``, evenly spread."""
    if len(gens) > MAX_POINTS:
        gens = gens[np.unique(np.linspace(0, len(gens) - 1, MAX_POINTS).round().astype(np.int64))]
    return gens


def curves(out: Path, cond: Condition, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(generations, values runs x generations) of one column for one condition,
    NaN where a run stopped early, did not measure or did not write the
    generation (``records.every``); sampled to MAX_POINTS."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from evomod.study.results import read_records

    if not cond.run_ids:
        return np.zeros(0, np.int64), np.zeros((0, 0))
    where = ds.field("run_id").isin(pa.array(cond.run_ids))
    if column in SPARSE:  # measured every k-th generation: keep those
        where = where & ~ds.field(column).is_nan()
    # the generations written (all of them, unless records.every thinned them)
    gens = _thin(np.unique(read_records(out, ["generation"], where).column("generation").to_numpy()))
    if len(gens) == 0:
        return gens, np.zeros((len(cond.run_ids), 0))
    where = where & ds.field("generation").isin(pa.array(gens))
    t = read_records(out, ["run_id", "generation", column], where)
    row = {r: i for i, r in enumerate(cond.run_ids)}
    values = np.full((len(cond.run_ids), len(gens)), np.nan)
    ri = np.array([row[r] for r in t.column("run_id").to_pylist()], dtype=np.int64)
    gi = np.searchsorted(gens, t.column("generation").to_numpy())  # gens is sorted and holds every one
    values[ri, gi] = t.column(column).to_numpy()
    return gens, values


def _bands(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 25th and 75th percentiles per column, NaN-aware (all-NaN columns stay NaN)."""
    ok = np.isfinite(values).any(axis=0)
    lo, med, hi = (np.full(values.shape[1], np.nan) for _ in range(3))
    if ok.any():
        lo[ok], med[ok], hi[ok] = np.nanpercentile(values[:, ok], [25, 50, 75], axis=0)
    return med, lo, hi


def _colour(i: int):
    from matplotlib import colormaps

    return colormaps["tab10"](i % 10)


def plot_bands(out: Path, conds: list[Condition], column: str, ylabel: str, path: Path) -> bool:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    drawn = False
    for i, c in enumerate(conds):
        gens, values = curves(out, c, column)
        if values.size == 0 or not np.isfinite(values).any():
            continue
        med, lo, hi = _bands(values)
        ax.plot(gens, med, lw=1.2, color=_colour(i), label=f"{c.label} (n={c.done})")
        ax.fill_between(gens, lo, hi, color=_colour(i), alpha=0.2, lw=0)
        drawn = True
    if not drawn:
        return False
    ax.set_xlabel("generation")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{ylabel}: median and interquartile range per condition", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    fig.savefig(path, dpi=120)
    return True


def plot_solve(conds: list[Condition], path: Path) -> bool:
    from matplotlib.figure import Figure

    shown = [c for c in conds if c.done]
    if not shown:
        return False
    fig = Figure(figsize=(max(4, 1.6 * len(shown) + 2), 4), layout="constrained")
    ax = fig.add_subplot()
    ax.boxplot([c.to_solve for c in shown], widths=0.5, showfliers=False)
    rng = np.random.default_rng(0)
    labelled = False
    for i, c in enumerate(shown):
        x = i + 1 + rng.uniform(-0.15, 0.15, len(c.to_solve))
        unsolved = c.to_solve >= c.cap
        ax.scatter(x[~unsolved], c.to_solve[~unsolved], s=14, color=_colour(c.index), zorder=3)
        if unsolved.any():
            ax.scatter(x[unsolved], c.to_solve[unsolved], s=22, marker="x", color="black", zorder=3,
                       label=None if labelled else "unsolved (at the cap)")
            labelled = True
    ax.set_xticks(range(1, len(shown) + 1),
                  [f"{c.label}\n{c.solved}/{c.done} solved" for c in shown], fontsize=8)
    ax.set_ylabel("generations to solve")
    ax.set_title("generations to solve (unsolved runs counted as the cap)", fontsize=10)
    if labelled:
        ax.legend(fontsize=8, frameon=False)
    fig.savefig(path, dpi=120)
    return True


def plot_adaptation(conds: list[Condition], path: Path) -> bool:
    """Per condition, the fraction of its switches after which the best was perfect
    again within k generations; censored switches never count, so the curve ends
    at the recovered fraction."""
    from matplotlib.figure import Figure

    shown = [c for c in conds if c.switches]
    if not shown:
        return False
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    for c in shown:
        k = np.sort(c.to_perfect)
        ax.step(np.r_[0, k], np.r_[0, np.arange(1, len(k) + 1)] / c.switches, where="post", color=_colour(c.index),
                label=f"{c.label} ({c.switches:,} switches, {c.censored:,} censored)")
    ax.set_xlabel("generations after a goal switch")
    ax.set_ylabel("fraction of switches with a perfect best")
    ax.set_ylim(0, 1.02)
    ax.set_title("adaptation speed: best perfect again within k generations (censored: never)", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    fig.savefig(path, dpi=120)
    return True


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and (x.is_integer() or abs(x) >= 100) and abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def _median_iqr(x: np.ndarray) -> str:
    if len(x) == 0:
        return "n/a"
    q1, q2, q3 = np.percentile(x, [25, 50, 75])
    return f"{_fmt(float(q2))} [{_fmt(float(q1))}, {_fmt(float(q3))}]"


@dataclass
class Report:
    out: Path
    files: list[Path]
    data: dict

    def text(self) -> str:
        n = sum(c["runs"] for c in self.data["conditions"])
        return (f"Report of {len(self.data['conditions'])} conditions ({n} runs): {self.out / 'report.md'}; "
                f"numbers in {self.out / 'report.json'}; plots: "
                + ", ".join(str(p) for p in self.files if p.suffix == ".png") + ".")


def write_report(out: Path) -> Report:
    """Write report.md, report.json and the PNGs into the study directory ``out``."""
    out = Path(out)
    manifest, conds = conditions(out)
    _check_writable(out)
    tests = mann_whitney(conds)
    files = []
    made = {"fitness": plot_bands(out, conds, "best_fitness", "best fitness", out / PLOTS["fitness"]),
            "qm": plot_bands(out, conds, "qm", "Q_m of the best", out / PLOTS["qm"]),
            "solve": plot_solve(conds, out / PLOTS["solve"])}
    made.update({key: True for key, label in OPTIONAL.items() if plot_bands(out, conds, key, label, out / PLOTS[key])})
    files += [out / PLOTS[k] for k, ok in made.items() if ok]
    adapted = plot_adaptation(conds, out / ADAPTATION_PLOT)
    if adapted:
        files.append(out / ADAPTATION_PLOT)
    data = {"study": manifest["name"], "description": manifest.get("description", ""),
            "conditions": [{"label": c.label, "cell_index": c.index, "generation_cap": c.cap, "runs": c.runs,
                            "done": c.done, "solved": c.solved, "failed": c.failed, "pending": c.pending,
                            "success_rate": None if math.isnan(c.success) else c.success,
                            "generations_to_solve": c.to_solve.tolist(), "final_qm": c.final_qm.tolist(),
                            "switches": c.switches, "switches_censored": c.censored,
                            # a histogram: a long MVG study has hundreds of thousands of switches
                            "generations_to_perfect_counts": {
                                int(k): int(n) for k, n in zip(*np.unique(c.to_perfect, return_counts=True))}}
                           for c in conds],
            "tests": tests}
    from evomod.study.results import write_text

    write_text(out / "report.json", json.dumps(data, indent=1) + "\n")
    write_text(out / "report.md", _markdown(manifest, conds, tests, made, adapted))
    files[:0] = [out / "report.md", out / "report.json"]
    return Report(out, files, data)


def _check_writable(out: Path) -> None:
    """Refuse, in one line and before any work, a study directory the report cannot be written into."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=out, prefix=".report."):
            pass
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the report there ({exc.strerror or exc.__class__.__name__}); "
                          "copy the study directory somewhere writable", "study_dir") from None


def _markdown(manifest: dict, conds: list[Condition], tests: list[dict], made: dict, adapted: bool = False) -> str:
    axes = ", ".join(f"`{a['name']}` = {', '.join(json.dumps(v) for v in a['values'])}" for a in manifest["axes"])
    lines = [f"# Study `{manifest['name']}`", ""]
    if manifest.get("description"):
        lines += [manifest["description"], ""]
    lines += [f"Grid: {axes}; {manifest['seeds']} seed(s) per condition, study seed {manifest['seed']}.", ""]
    lines += ["## Conditions", "",
              "| condition | runs | done | failed | pending | success rate | generations to solve, median [IQR] "
              "| final Q_m, median [IQR] |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in conds:
        rate = "n/a" if math.isnan(c.success) else f"{c.solved}/{c.done} ({c.success:.0%})"
        lines.append(f"| {c.label} | {c.runs} | {c.done} | {c.failed} | {c.pending} | {rate} | "
                     f"{_median_iqr(c.to_solve)} | {_median_iqr(c.final_qm)} |")
    caps = sorted({c.cap for c in conds})
    lines += ["", "A run is solved when every goal it met was solved at least once; generations to solve is the "
              "generation by which that happened. Unsolved runs count as the generation cap "
              f"({', '.join(f'{x:,}' for x in caps)}) in the medians, the plot and the tests. "
              "Failed and pending runs are left out of every statistic.", ""]
    lines += _adaptation_section(conds, adapted)
    lines += ["## Mann-Whitney U tests", "",
              "Two-sided (`scipy.stats.mannwhitneyu`), between every pair of conditions; p-values are not "
              "corrected for multiple comparisons. Final Q_m: runs whose Q_m is undefined (NaN) are left out.", ""]
    if tests:
        lines += ["| metric | condition A | condition B | n A | n B | U | p |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
        for t in tests:
            p = "n/a" if t["p"] is None else f"{t['p']:.4g}"
            lines.append(f"| {t['metric']} | {t['a']} | {t['b']} | {t['n_a']} | {t['n_b']} | {_fmt(t['u'])} | {p} |")
    else:
        lines.append("(one condition: nothing to compare)")
    lines += ["", "## Plots", ""]
    titles = {"fitness": "Best fitness per generation (median, IQR band)",
              "qm": "Q_m of the best per generation (median, IQR band; NaN-aware)",
              "solve": "Generations to solve",
              "info_flow": "Information-flow modularity of the best per generation (median, IQR band)",
              "coverage": "Sub-goal coverage of the best per generation (median, IQR band)"}
    for key, ok in made.items():
        lines.append(f"![{titles[key]}]({PLOTS[key]})" if ok else f"{titles[key]}: no data.")
        lines.append("")
    return "\n".join(lines)


def _adaptation_section(conds: list[Condition], adapted: bool) -> list[str]:
    lines = ["## Adaptation speed", "",
             "| condition | goal switches | recovered | censored | generations to perfect, median [IQR] |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for c in conds:
        lines.append(f"| {c.label} | {c.switches:,} | {len(c.to_perfect):,} | {c.censored:,} | "
                     f"{_median_iqr(c.to_perfect)} |")
    lines += ["", "After each goal switch of the done runs: the generations until the best is perfect again "
              "(its performance reaches `fitness.solved_at`, as for solving), pooled over the runs. A switch is "
              "censored when the next switch or the end of the run comes first; the median and IQR are over "
              "the recovered switches.", ""]
    if adapted:
        lines += [f"![Adaptation speed: fraction of switches with a perfect best within k generations]"
                  f"({ADAPTATION_PLOT})", ""]
    return lines

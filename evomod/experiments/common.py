"""What the seeds' experiments share: running their studies, per-run values
measured after the runs (cached), the pre-registered tests, and the report.

An experiment runs one or more studies (``evomod.replicate.experiments.Experiment``,
one per representation: a study has one base preset) into ``OUT/<key>/``,
each through the study runner, so a re-run resumes and ``--cluster`` sends
the runs to a batch system. Then every finished run is measured
(``values``): the replication measures (``evomod.replicate.measures``,
read through ``RunView``) and the experiment's own measures of the final
best, cached per run in ``OUT/<key>/measured/<run_id>.json`` so that
writing the report again costs nothing. The values go to ``OUT/values.csv``
and the verdicts to ``OUT/REPORT.md``.

Tests (decided before the data, the same everywhere):

* ``spearman``: Spearman's rho with a one-sided p value (scipy);
* ``stratified``: the rank correlation *within* groups (conditions): both
  variables are ranked within each group, the ranks scaled to [0, 1], and
  the Pearson correlation of the scaled ranks over all runs is tested by
  permuting one variable within each group (5,000 permutations); a link
  made by the groups alone (MVG raising both) does not count;
* ``greater`` / ``less``: one-sided Mann-Whitney U between two conditions;
* ``paired_greater``: one-sided Wilcoxon signed-rank test of x - y > 0.

A hypothesis is *supported* when its test's p < 0.05 in the stated
direction, *not supported* otherwise; with fewer than ``MIN_RUNS`` values it
is *too few runs*.
"""

from __future__ import annotations

import csv
import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from evomod.replicate.stats import ALPHA, MIN_RUNS, median_iqr

PERMUTATIONS = 5000


# --- running ---------------------------------------------------------------------------------

def run_studies(studies: dict, out: Path, *, name: str, quick: bool, runs, cluster, jobs, workers, scheduler,
                progress: bool, command: str):
    """Run (or resume) every study into ``out/<key>``; returns the merged Outcome
    (None if nothing ran) and whether Ctrl-C stopped it."""
    from evomod.replicate import run_experiment

    merged = None
    for key, exp in studies.items():
        _, outcome = run_experiment(exp, out / key, runs=runs, quick=quick, cluster=cluster, jobs=jobs,
                                    workers=workers, scheduler=scheduler, progress=progress,
                                    command=command or f"evomod experiment {name}")
        merged = outcome if merged is None else _merge(merged, outcome)
        if outcome.interrupted:
            return merged, True
    return merged, False


def _merge(a, b):
    """Two study outcomes as one (the command's exit status reads failed and interrupted)."""
    values = {}
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        values[f.name] = x + y if isinstance(x, (int, float)) and not isinstance(x, bool) else (x or y)
    return replace(a, **values)


# --- per-run values --------------------------------------------------------------------------

@dataclass
class Run:
    """One finished run of one study: its key, condition and ``RunView``."""

    study: str
    condition: str
    view: object  # evomod.replicate.measures.RunView


def finished_runs(out: Path, key: str, exp) -> list[Run]:
    """Every finished run of study ``key`` (``out/key``), in manifest order."""
    from evomod.replicate.measures import RunView
    from evomod.study.results import read_manifest, rebuild

    where = Path(out) / key
    manifest = read_manifest(where)
    labels = {c["index"]: c["label"] for c in manifest["cells"]}
    periods = {c["index"]: c["overrides"].get("schedule.period") for c in manifest["cells"]}
    rows = rebuild(where).to_pylist()
    return [Run(key, labels[r["cell_index"]],
                RunView(where, r, periods[r["cell_index"]] if labels[r["cell_index"]] in exp.single_switch else None))
            for r in rows if r["status"] not in ("failed", "pending")]


def cached(run: Run, version: str, compute: Callable[[], dict]) -> dict:
    """``compute()`` for this run, kept in ``<study>/measured/<run_id>.json``
    (recomputed when ``version`` changes)."""
    from evomod.study.results import write_text

    path = run.view.out / "measured" / f"{run.view.row['run_id']}.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == version:
            return {k: (math.nan if v is None else v) for k, v in data["values"].items()}
    values = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}
    write_text(path, json.dumps({"version": version, "values": clean}, indent=1) + "\n")
    return values


def collect_values(out: Path, studies: dict, measures: tuple[str, ...], extra: Callable[[Run], dict] | None = None,
                   progress: bool = False) -> list[dict]:
    """One dict per finished run: study, condition, run_id, seed, the named
    replication ``measures`` and the experiment's ``extra(run)`` values."""
    from evomod.replicate.measures import MEASURES

    rows = []
    all_runs = [r for key, exp in studies.items() for r in finished_runs(out, key, exp)]
    started = time.perf_counter()
    for i, run in enumerate(all_runs):
        row = {"study": run.study, "condition": run.condition, "run_id": run.view.row["run_id"],
               "seed": run.view.row["seed"]}
        for m in measures:
            row[m] = float(MEASURES[m](run.view))
        if extra is not None:
            row.update(extra(run))
        rows.append(row)
        if progress and (i + 1) % 20 == 0:
            print(f"  measured {i + 1}/{len(all_runs)} runs ({time.perf_counter() - started:.0f} s)", flush=True)
    return rows


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows as CSV (NaN written as an empty cell), atomically."""
    from evomod.io.files import atomic_write

    names = list(dict.fromkeys(k for r in rows for k in r))

    def write(tmp):
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=names)
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(r.get(k)) for k in names})
    atomic_write(path, write)


def _cell(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def column(rows: list[dict], name: str, **where) -> np.ndarray:
    """Values of ``name`` in the rows matching every ``key=value`` of ``where``, as floats."""
    return np.array([_num(r.get(name)) for r in rows if all(r.get(k) == v for k, v in where.items())], dtype=float)


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


# --- tests -----------------------------------------------------------------------------------

@dataclass
class Result:
    """A test's outcome: the statistic, p, n and the verdict."""

    statistic: float
    p: float
    n: int
    verdict: str
    text: str


def _verdict(p: float, right: bool, n: int) -> str:
    if n < MIN_RUNS:
        return "too few runs"
    return "supported" if (p < ALPHA and right) else "not supported"


def _pairs(x, y, groups=None):
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    g = None if groups is None else np.asarray(groups)[ok]
    return x[ok], y[ok], g


def spearman(x, y, alternative: str = "greater") -> Result:
    """Spearman's rho of ``x`` and ``y`` (NaN pairs left out), one-sided."""
    from scipy.stats import spearmanr

    x, y, _ = _pairs(x, y)
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Result(math.nan, math.nan, n, "too few runs" if n < MIN_RUNS else "not supported",
                      f"rho undefined (n = {n}, a constant variable)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = spearmanr(x, y, alternative=alternative)
    rho, p = float(res.statistic), float(res.pvalue)
    right = rho > 0 if alternative == "greater" else rho < 0
    return Result(rho, p, n, _verdict(p, right, n), f"Spearman rho = {rho:.3f}, one-sided p = {_p(p)}, n = {n}")


def _within_ranks(v: np.ndarray, groups: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    out = np.zeros(len(v))
    for g in np.unique(groups):
        idx = groups == g
        if idx.sum() > 1:
            out[idx] = (rankdata(v[idx]) - 1) / (idx.sum() - 1) - 0.5
    return out


def stratified(x, y, groups, alternative: str = "greater", seed: int = 0) -> Result:
    """Rank correlation within groups (see the module docstring), permutation p."""
    x, y, g = _pairs(x, y, groups)
    n = len(x)
    rx, ry = _within_ranks(x, g), _within_ranks(y, g)
    if n < 3 or not rx.any() or not ry.any():
        return Result(math.nan, math.nan, n, "too few runs" if n < MIN_RUNS else "not supported",
                      f"within-condition rho undefined (n = {n})")
    r = float(np.corrcoef(rx, ry)[0, 1])
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(g == k) for k in np.unique(g)]
    count = 0
    for _ in range(PERMUTATIONS):
        perm = np.arange(n)
        for idx in members:
            perm[idx] = rng.permutation(idx)
        v = np.corrcoef(rx, ry[perm])[0, 1]
        count += v >= r if alternative == "greater" else v <= r
    p = (count + 1) / (PERMUTATIONS + 1)
    right = r > 0 if alternative == "greater" else r < 0
    return Result(r, p, n, _verdict(p, right, n),
                  f"within-condition rank correlation = {r:.3f}, permutation p = {_p(p)} (one-sided), n = {n}")


def compare(x, y, alternative: str = "greater") -> Result:
    """One-sided Mann-Whitney U: are ``x`` values greater (less) than ``y``'s?"""
    from scipy.stats import mannwhitneyu

    x, y = np.asarray(x, float), np.asarray(y, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    n = min(len(x), len(y))
    if len(x) == 0 or len(y) == 0:
        return Result(math.nan, math.nan, n, "too few runs", "no values")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(mannwhitneyu(x, y, alternative=alternative).pvalue)
    mx, my = float(np.median(x)), float(np.median(y))
    right = mx > my if alternative == "greater" else mx < my
    if mx == my:  # medians tied: the direction is read from the mean ranks (U)
        right = p < 0.5
    return Result(mx - my, p, n, _verdict(p, right, n),
                  f"one-sided Mann-Whitney U ({alternative}), medians {mx:.4g} vs {my:.4g} "
                  f"(n = {len(x)} vs {len(y)}): p = {_p(p)}")


def paired_greater(x, y) -> Result:
    """One-sided Wilcoxon signed-rank test that ``x - y > 0`` (NaN pairs left out)."""
    from scipy.stats import wilcoxon

    x, y, _ = _pairs(x, y)
    d = x - y
    n = len(d)
    if n == 0 or not d.any():
        return Result(0.0, 1.0, n, "too few runs" if n < MIN_RUNS else "not supported",
                      f"no differences (n = {n})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(wilcoxon(d, alternative="greater").pvalue)
    med = float(np.median(d))
    return Result(med, p, n, _verdict(p, float(np.mean(d)) > 0, n),
                  f"one-sided Wilcoxon signed-rank, median difference {med:.3g}, n = {n}: p = {_p(p)}")


def _p(p: float) -> str:
    return "n/a" if not math.isfinite(p) else (f"{p:.2g}" if p >= 1e-4 else f"{p:.1e}")


# --- report ----------------------------------------------------------------------------------

def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, (int, np.integer)) or float(x).is_integer() and abs(x) >= 10:
        return f"{int(round(float(x))):,}"
    return f"{float(x):.{digits}g}"


def summary(values) -> str:
    """``median [q1, q3] (n)`` of the finite values."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return "n/a"
    med, q1, q3 = median_iqr(v)
    return f"{fmt(med)} [{fmt(q1)}, {fmt(q3)}] (n={len(v)})"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table."""
    return ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |",
            *("| " + " | ".join(str(c) for c in r) + " |" for r in rows)]


def verdict_rows(tests: list[tuple[str, str, Result]]) -> list[str]:
    """``(hypothesis id, what, result)`` as a verdict table."""
    return table(["hypothesis", "test on", "result", "verdict"],
                 [[h, what, r.text, f"**{r.verdict}**"] for h, what, r in tests])


def timing(out: Path, keys) -> dict:
    """Wall time of the command (summed over its sessions) and the CPU time
    of the runs (each run's own wall time on its worker), per study and in all."""
    from evomod.study.results import read_manifest  # noqa: F401  (the study must exist)

    total_wall, total_runs, per = 0.0, 0.0, {}
    for key in keys:
        where = Path(out) / key
        info = json.loads((where / "replicate.json").read_text(encoding="utf-8")) \
            if (where / "replicate.json").is_file() else {}
        runs = 0.0
        if (where / "runs.parquet").is_file():
            import pyarrow.parquet as pq

            runs = float(np.nansum(np.array(pq.read_table(where / "runs.parquet", columns=["wall_seconds"])
                                            .column(0).to_pylist(), dtype=float)))
        per[key] = {"wall": float(info.get("wall_seconds", math.nan)), "runs": runs,
                    "workers": info.get("workers", "?")}
        total_wall += per[key]["wall"] if math.isfinite(per[key]["wall"]) else 0.0
        total_runs += runs
    return {"wall": total_wall, "runs": total_runs, "per": per}


def timing_lines(t: dict) -> list[str]:
    parts = [f"{k}: {v['wall']:,.0f} s wall, {v['runs']:,.0f} s in runs ({v['workers']} workers)"
             for k, v in t["per"].items()]
    return [f"Time: {t['wall']:,.0f} s wall for the studies, {t['runs']:,.0f} s of run time summed over the runs "
            f"(about the CPU time: one run per worker process) — " + "; ".join(parts) + "."]


# --- figures ---------------------------------------------------------------------------------

def report_head(title: str, command: str, quick: bool, timing_info: dict, question: str = "") -> list[str]:
    """The first lines of an experiment's REPORT.md: title, command (quick mode said), wall and CPU time,
    the question; then the heading of the studies."""
    quick_note = " — **quick mode: too few runs for any verdict; it checks that everything runs.**" if quick else ""
    return [f"# {title}", "", f"Command: `{command}`{quick_note}", "", *timing_lines(timing_info), "",
            *([f"Question: {question}", ""] if question else []), "## Studies", ""]


def study_lines(studies: dict, quick: bool, link_note: str = "") -> list[str]:
    """Each study: its title, runs, cap, a link to its own report and its conditions (and notes)."""
    lines = []
    for key, exp in studies.items():
        size = exp.quick if quick else exp.full
        lines += [f"**{key}** — {exp.title}; {size.runs} runs per condition, cap {size.generations:,} generations "
                  f"([study report]({key}/REPORT.md){link_note}):", ""]
        lines += [f"- `{c.label}`: {c.description}." for c in exp.conditions]
        lines += ([f"- {exp.notes}"] if exp.notes else []) + [""]
    return lines


def figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 4.0):
    """A matplotlib Figure (no pyplot state) and its axes, a flat list."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def scatter(ax, rows: list[dict], x: str, y: str, conditions: list[str], title: str = "") -> None:
    """``y`` against ``x`` per condition, each with its Spearman rho in the legend."""
    for i, cond in enumerate(conditions):
        xs, ys = column(rows, x, condition=cond), column(rows, y, condition=cond)
        ok = np.isfinite(xs) & np.isfinite(ys)
        if not ok.any():
            continue
        r = spearman(xs, ys)
        rho = "n/a" if not math.isfinite(r.statistic) else f"{r.statistic:.2f}"
        ax.scatter(xs[ok], ys[ok], s=14, alpha=0.75, color=f"C{i}", label=f"{cond} (n={ok.sum()}, rho={rho})")
    ax.set(xlabel=x, ylabel=y, title=title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=7)


def boxes(ax, rows: list[dict], y: str, conditions: list[str], title: str = "", **where) -> None:
    """Box plot of ``y`` per condition, each run a dot."""
    data = [column(rows, y, condition=c, **where) for c in conditions]
    data = [d[np.isfinite(d)] for d in data]
    ax.boxplot([d if len(d) else [np.nan] for d in data], showfliers=False)
    rng = np.random.default_rng(0)
    for i, d in enumerate(data):
        ax.scatter(np.full(len(d), i + 1) + rng.uniform(-0.12, 0.12, len(d)), d, s=8, color=f"C{i % 10}", zorder=3)
    ax.set_xticks(range(1, len(conditions) + 1), conditions, rotation=25, fontsize=7, ha="right")
    ax.set(ylabel=y, title=title)


def save(fig, path: Path) -> str:
    fig.savefig(path, dpi=110)
    return path.name


def interim_report(out: Path, studies: dict, *, title: str, hypotheses: str, quick: bool, command: str,
                   progress: bool = False, missing: str = "") -> Path:
    """REPORT.md of an experiment whose pre-registered tests are not coded yet: the studies, the
    hypotheses as written before the data, every run's replication measures (``values.csv``), a
    per-condition table and a figure per measure, and a plain statement that no verdict is given.
    ``missing``: what else of the design is not implemented."""
    from evomod.study.results import write_text

    out = Path(out)
    names = list(dict.fromkeys(m for exp in studies.values() for m in exp.measures))
    rows = collect_values(out, studies, tuple(names), progress=progress)
    write_csv(out / "values.csv", rows)
    timing_info = timing(out, studies)
    lines = [f"# {title}", "", f"Command: `{command}`" + (" — **quick mode: too few runs for any verdict; it "
                                                          "checks that everything runs.**" if quick else ""), "",
             *timing_lines(timing_info), "",
             "**Interim report.** The hypotheses below were written before any data, but their tests are not "
             "coded yet: this report gives the measured values and no verdict." + (f" {missing}" if missing else ""),
             "", "## Studies", ""]
    for key, exp in studies.items():
        size = exp.quick if quick else exp.full
        lines += [f"**{key}** — {exp.title}; {size.runs} runs per condition, {size.generations:,} generations:", ""]
        lines += [f"- `{c.label}`: {c.description}." for c in exp.conditions] + [""]
    lines += ["## Hypotheses (written before the data)", "", hypotheses, "## Verdicts", "",
              "Not computed (see above).", "", "## Per condition (median [IQR] (n))", ""]
    body, made = [], []
    for key, exp in studies.items():
        for c in exp.conditions:
            mine = [r for r in rows if r["study"] == key and r["condition"] == c.label]
            body.append([key, c.label, *(summary(column(mine, m)) for m in names)])
        fig, axes = figure(len(exp.measures), 1, width=4.5, height=3.5)
        for ax, m in zip(axes, exp.measures):
            boxes(ax, [r for r in rows if r["study"] == key], m, [c.label for c in exp.conditions],
                  title=f"{key}: {m}")
        made.append((save(fig, out / f"fig-{key}.png"), f"{key}: every measure per condition"))
    lines += table(["study", "condition", *names], body)
    lines += ["", "## Figures", ""] + [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-run values", "", "[values.csv](values.csv): one row per run.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"

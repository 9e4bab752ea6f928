"""The measures benchmark's analysis and ``REPORT.md`` (``evomod experiment measures``).

The hypothesis (``HYPOTHESIS``) and every rule for "agree" and "disagree"
(``RULES``, ``VERDICTS``, ``MATRIX``) were fixed before the full study's
values were looked at; the report prints them as they are.
"""

from __future__ import annotations

import json
import math
import time
from itertools import combinations
from pathlib import Path

import numpy as np

# the measures side by side: key in measures_values.solution_values, label
MATRIX = (
    ("q", "Q"),
    ("qm", "Q_m"),
    ("ncut", "n-cut quality"),
    ("info_flow", "information flow"),
    ("importance_sub", "importance (sub-clusters)"),
    ("importance_mod", "importance (modules)"),
    ("coherence_sub", "coherence (sub-clusters)"),
    ("coherence_mod", "coherence (modules)"),
    ("task_nmi", "task NMI"),
)
LABEL = dict(MATRIX)

# "modular" by each measure against its own null: name -> (rule, function of a solution's values)
VERDICTS = {
    "Q_m": ("Q_m > 0: Q above its mean over degree-preserving random graphs", lambda v: v["qm"] > 0),
    "n-cut": ("n-cut quality above its mean over 20 rewired graphs (same degrees, weights dealt at random)",
              lambda v: v["ncut"] > v["ncut_null"]),
    "information flow": ("the best-Q partition's information-flow score > 0: its modules exchange fewer bits than "
                         "random modules of the same sizes", lambda v: v["info_flow_q"] > 0),
    "importance (sub-clusters)": ("mean importance percentile of the n-cut sub-clusters > 0.5",
                                  lambda v: v["importance_sub"] > 0.5),
    "importance (modules)": ("mean importance percentile of the n-cut modules > 0.5",
                             lambda v: v["importance_mod"] > 0.5),
    "coherence (sub-clusters)": ("mean input-coherence percentile of the n-cut sub-clusters > 0.5",
                                 lambda v: v["coherence_sub"] > 0.5),
    "coherence (modules)": ("mean input-coherence percentile of the n-cut modules > 0.5",
                            lambda v: v["coherence_mod"] > 0.5),
    "task NMI": ("NMI of the best-Q partition with the task's decomposition above its mean over 100 shuffles of "
                 "the labels", lambda v: v["task_nmi"] > v["task_nmi_null"]),
}
VERDICT_KEYS = {"Q_m": ("qm",), "n-cut": ("ncut", "ncut_null"), "information flow": ("info_flow_q",),
                "importance (sub-clusters)": ("importance_sub",), "importance (modules)": ("importance_mod",),
                "coherence (sub-clusters)": ("coherence_sub",), "coherence (modules)": ("coherence_mod",),
                "task NMI": ("task_nmi", "task_nmi_null")}
LOWEST_PAIRS = 5  # rank disagreements drawn: the measure pairs with the lowest within-study rho

HYPOTHESIS = """\
**Question** (seed note 001, experiment 9; seed note 004). Do the modularity measures evomod has (Q, Q_m,
the n-cut quality of a normalised spectral partition, information flow, importance and coherence of the
partition's sub-clusters and modules, and the agreement of the best-Q partition with the task's decomposition)
tell the same story about the same evolved solutions?

**Hypotheses**, fixed before the study's values were seen:

- **H1** (seed note 001: "one might tell you that a network exhibits statistically significant modularity, whereas
  the other says there isn't any"): on some solutions, two measures give opposite verdicts (rule below).
- **H2**: the structural measures Q, Q_m and n-cut quality rank the solutions alike: Spearman rho > 0 with
  p < 0.05, within each study (logic, retina).
- **H3**: the functional measures (information flow, task NMI, importance, coherence) rise with Q_m: rho > 0 with
  p < 0.05, within each study.
- **H4** (seed note 004: spectral clusters are important and coherent): the n-cut partition's sub-clusters and
  modules are more important and more coherent than random same-size sets: the solutions' mean percentiles lie
  above 0.5 (one-sided Wilcoxon signed-rank test against 0.5, p < 0.05), within each study.
"""

RULES = """\
**Rules**, fixed with the hypotheses:

- *Solutions*: the final best of every run (perfect or not; retina runs rarely reach 95%).
- *Partitions*: Q, Q_m, information flow's verdict and the task NMI use the run's best-Q partition; the
  n-cut quality, importance and coherence use the n-cut spectral partition at fixed k = 3 (the tasks'
  decompositions have three parts: two sub-tasks and their combination; fixed as the seed paper fixes k = 12,
  so that the quality compares across solutions). Information flow in the matrix is the score of the best
  2-module partition (the replication's `final_info_flow`).
- *Importance*: constant ablation (each node at its most common value); *coherence*: input-dependence
  profiles. Shuffle ablation and output profiles are in `values.csv`, not in the verdicts.
- *Correlation*: Spearman rho over the solutions where both measures are defined, pooled, per study and per
  condition (so that "MVG makes both" is not read as a link); p < 0.05 for H2 and H3.
- *Opposite verdicts*: a solution where one measure's verdict (table below, each against its own null) is
  "modular" and another's is not; counted for every pair of verdicts; one drawn example per pair that has any
  (the disagreeing solution with the most disagreements overall).
- *Opposite orderings*: within a study, two solutions i, j that measure A orders one way and B the other, each
  by at least half the study's interquartile range of that measure (a strict difference where the IQR is 0);
  counted for every pair of measures; the most extreme pair (largest smaller margin in IQR units) drawn for the
  {LOWEST_PAIRS} measure pairs with the lowest rho in each study.
"""


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    from scipy.stats import spearmanr

    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 4 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return math.nan, math.nan, n
    rho, p = spearmanr(x[ok], y[ok])
    return float(rho), float(p), n


def correlation_matrix(rows: list[dict], keys=None) -> dict:
    """``{"rho": (m, m), "p": (m, m), "n": (m, m)}`` over ``rows`` for the measures ``keys``."""
    keys = [k for k, _ in MATRIX] if keys is None else keys
    cols = {k: np.array([r.get(k, math.nan) for r in rows], dtype=float) for k in keys}
    m = len(keys)
    rho, p, n = np.full((m, m), math.nan), np.full((m, m), math.nan), np.zeros((m, m), dtype=int)
    for i in range(m):
        rho[i, i], n[i, i] = 1.0, int(np.isfinite(cols[keys[i]]).sum())
        for j in range(i + 1, m):
            r, pv, c = _spearman(cols[keys[i]], cols[keys[j]])
            rho[i, j] = rho[j, i] = r
            p[i, j] = p[j, i] = pv
            n[i, j] = n[j, i] = c
    return {"keys": list(keys), "rho": rho, "p": p, "n": n}


def verdicts(row: dict) -> dict:
    """``{verdict name: True / False / None}`` (None where a value is undefined)."""
    out = {}
    for name, (_, rule) in VERDICTS.items():
        values = [row.get(k, math.nan) for k in VERDICT_KEYS[name]]
        out[name] = None if not all(np.isfinite(values)) else bool(rule(row))
    return out


def verdict_disagreements(rows: list[dict]) -> dict:
    """Per pair of verdicts: the solutions on which they differ, and the example to draw."""
    per = [verdicts(r) for r in rows]
    counts = [sum(1 for a, b in combinations(v.values(), 2) if a is not None and b is not None and a != b)
              for v in per]
    out = {}
    for a, b in combinations(VERDICTS, 2):
        both = [i for i, v in enumerate(per) if v[a] is not None and v[b] is not None]
        differ = [i for i in both if per[i][a] != per[i][b]]
        example = max(differ, key=lambda i: (counts[i], -i)) if differ else None
        out[(a, b)] = {"compared": len(both), "differ": differ, "example": example}
    return out


def opposite_orderings(rows: list[dict], a: str, b: str) -> dict:
    """Pairs of solutions ordered oppositely by measures a and b, each by >= half its IQR (see RULES)."""
    x = np.array([r.get(a, math.nan) for r in rows], dtype=float)
    y = np.array([r.get(b, math.nan) for r in rows], dtype=float)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if ok.size < 2:
        return {"pairs": 0, "compared": 0, "example": None, "margin": math.nan}

    def half_iqr(v):
        q1, q3 = np.percentile(v[np.isfinite(v)], [25, 75])
        return (q3 - q1) / 2

    hx, hy = half_iqr(x), half_iqr(y)
    dx = x[ok][:, None] - x[ok][None, :]
    dy = y[ok][:, None] - y[ok][None, :]

    def clear(d, h):
        return d >= h if h > 0 else d > 0

    opposite = clear(dx, hx) & clear(-dy, hy)
    count = int(opposite.sum())
    example, margin = None, math.nan
    if count:
        sx = np.abs(dx) / (hx * 2 if hx > 0 else 1.0)
        sy = np.abs(dy) / (hy * 2 if hy > 0 else 1.0)
        score = np.where(opposite, np.minimum(sx, sy), -np.inf)
        i, j = np.unravel_index(int(np.argmax(score)), score.shape)
        example, margin = (int(ok[i]), int(ok[j])), float(score[i, j])
    return {"pairs": count, "compared": ok.size * (ok.size - 1) // 2, "example": example, "margin": margin}


def wilcoxon_above_half(values) -> tuple[float, float, int]:
    """Median of the finite values, one-sided Wilcoxon signed-rank p of (values - 0.5) > 0, n."""
    from scipy.stats import wilcoxon

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, 0
    d = v - 0.5
    if not np.any(d != 0):
        return float(np.median(v)), 1.0, int(v.size)
    return float(np.median(v)), float(wilcoxon(d, alternative="greater", zero_method="wilcox").pvalue), int(v.size)


def _plain(v):
    """A JSON value: NaN as null, numpy scalars as Python numbers."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    return v


# --- figures ------------------------------------------------------------------

def heat_map(matrix: dict, path: Path, title: str) -> Path:
    """The rank-correlation matrix as a heat map, rho written in every cell."""
    from matplotlib.figure import Figure

    from evomod.io.files import atomic_write

    keys, rho = matrix["keys"], matrix["rho"]
    fig = Figure(figsize=(7.2, 6.2), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(rho), cmap="RdBu_r", vmin=-1, vmax=1)
    for i in range(len(keys)):
        for j in range(len(keys)):
            text = "" if not math.isfinite(rho[i, j]) else f"{rho[i, j]:.2f}"
            star = "*" if i != j and math.isfinite(matrix["p"][i, j]) and matrix["p"][i, j] < 0.05 else ""
            ax.text(j, i, text + star, ha="center", va="center", fontsize=7,
                    color="white" if math.isfinite(rho[i, j]) and abs(rho[i, j]) > 0.6 else "black")
    names = [LABEL.get(k, k) for k in keys]
    ax.set_xticks(range(len(keys)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(keys)), names, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8, label="Spearman rho (* p < 0.05)")
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=130))


def draw_solution(study_dir: Path, row: dict, out: Path, stem: str) -> list[tuple[str, str]]:
    """The solution drawn twice (``evomod.analysis.plots.draw_network``): nodes coloured by its best-Q
    partition, and by its n-cut partition; returns ``[(file, caption), ...]``."""
    from evomod.analysis.plots import draw_network
    from evomod.experiments.measures_values import run_documents

    data, _summary = run_documents(study_dir, row["run_id"])
    made = []
    for key, what, extra in (("q_labels", "best-Q modules", f"Q_m = {row['qm']:.2f}"),
                             ("ncut_labels", "n-cut clusters (k = 3)", f"quality {row['ncut']:.2f}")):
        name = f"{stem}-{'q' if key == 'q_labels' else 'ncut'}.png"
        title = f"{row['study']} {row['condition']} {row['run_id']}: {what}, {extra}"
        draw_network(data["rep"], data["genome"], np.asarray(row[key]), out / name, title=title,
                     inputs=data["inputs"])
        made.append((name, title))
    return made


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _median_iqr(values) -> str:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "n/a"
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:.3f} [{q1:.3f}, {q3:.3f}] (n={v.size})"


def write(out, studies: dict, *, quick: bool = False, command: str = "", progress: bool = True) -> Path:
    """Measure every solution of the studies under ``out`` and write ``OUT/REPORT.md``,
    ``OUT/values.csv``, ``OUT/measures.json`` and the figures."""
    from evomod.experiments import measures_text

    out = Path(out)
    rows = collect(out, studies, quick=quick, progress=progress)
    seconds = json.loads((out / "solutions.json").read_text(encoding="utf-8")).get("seconds", math.nan)
    return measures_text.report(out, studies, rows, quick=quick, command=command, measuring_seconds=seconds)


def collect(out: Path, studies: dict, *, quick: bool = False, progress: bool = True) -> list[dict]:
    """Every finished run's values, cached in ``OUT/solutions.json`` (a rerun measures only new runs;
    ``seconds`` adds up the time spent measuring)."""
    from evomod.experiments.measures_values import QUICK_SETTINGS, SETTINGS, solution_values
    from evomod.study.results import read_manifest, rebuild, write_text

    settings = QUICK_SETTINGS if quick else SETTINGS
    cache_file = out / "solutions.json"
    cache = json.loads(cache_file.read_text(encoding="utf-8")) if cache_file.is_file() else {}
    if cache.get("settings") != json.loads(json.dumps(settings)):
        cache = {"settings": settings, "values": {}, "seconds": 0.0}
    rows = []
    for key in studies:
        study_dir = out / key
        manifest = read_manifest(study_dir)
        label = {c["index"]: c["label"] for c in manifest["cells"]}
        table = [r for r in rebuild(study_dir).to_pylist() if r["status"] not in ("failed", "pending")]
        for i, r in enumerate(table):
            name = f"{key}/{r['run_id']}"
            if name not in cache["values"]:
                if progress:
                    print(f"\rmeasuring {key} {i + 1}/{len(table)}", end="", flush=True)
                started = time.perf_counter()
                values = solution_values(study_dir, r["run_id"], settings)
                cache["values"][name] = {k: _plain(v) for k, v in values.items()}
                cache["seconds"] = round(cache.get("seconds", 0.0) + time.perf_counter() - started, 2)
                write_text(cache_file, json.dumps(cache) + "\n")
            values = {k: (math.nan if v is None else v) for k, v in cache["values"][name].items()}
            rows.append({"study": key, "condition": label[r["cell_index"]], **values})
    if progress:
        print()
    return rows


def load_rows(out) -> list[dict]:
    """The measured solutions of a finished ``evomod experiment measures`` directory (``solutions.json``),
    each with its study and condition; nothing is recomputed."""
    from evomod.study.results import read_manifest, run_metas

    out = Path(out)
    cache = json.loads((out / "solutions.json").read_text(encoding="utf-8"))
    conditions = {}
    for study in sorted({name.split("/")[0] for name in cache["values"]}):
        manifest = read_manifest(out / study)
        label = {c["index"]: c["label"] for c in manifest["cells"]}
        conditions.update({f"{study}/{run['run_id']}": label[run["cell_index"]] for run in run_metas(manifest)})
    rows = []
    for name, values in cache["values"].items():
        study = name.split("/")[0]
        rows.append({"study": study, "condition": conditions.get(name, "?"),
                     **{k: (math.nan if v is None else v) for k, v in values.items()}})
    return rows

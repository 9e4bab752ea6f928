"""``REPORT.md``, ``values.csv`` and ``measures.json`` of ``evomod experiment measures``."""

from __future__ import annotations

import csv
import io
import json
import math
from itertools import combinations
from pathlib import Path

import numpy as np

from evomod.experiments.measures_report import (
    HYPOTHESIS,
    LABEL,
    LOWEST_PAIRS,
    MATRIX,
    RULES,
    VERDICTS,
    _fmt,
    _median_iqr,
    _plain,
    correlation_matrix,
    draw_solution,
    heat_map,
    opposite_orderings,
    verdict_disagreements,
    verdicts,
    wilcoxon_above_half,
)

SCALARS = ("study", "condition", "run_id", "solved", "performance", "nodes", "q", "qm", "q_modules", "ncut",
           "ncut_null", "ncut_k2", "ncut_k4", "ncut_eigengap_k", "info_flow", "info_flow_q", "importance_sub",
           "importance_sub_shuffle", "importance_mod", "importance_mod_shuffle", "coherence_sub",
           "coherence_sub_output", "coherence_mod", "coherence_mod_output", "tested_sub", "tested_coherence_sub",
           "tested_mod", "tested_coherence_mod", "task_nmi", "task_nmi_null", "task_nmi_ncut")
EXTRA = (("ncut_null", "n-cut quality of rewired graphs (mean)"),
         ("info_flow_q", "information flow of the best-Q partition"),
         ("importance_sub_shuffle", "importance (sub-clusters), shuffle ablation"),
         ("importance_mod_shuffle", "importance (modules), shuffle ablation"),
         ("coherence_sub_output", "coherence (sub-clusters), output profiles"),
         ("coherence_mod_output", "coherence (modules), output profiles"),
         ("task_nmi_null", "task NMI of shuffled best-Q labels (chance)"),
         ("task_nmi_ncut", "task NMI of the n-cut partition"),
         ("tested_sub", "testable sub-clusters per solution (importance)"),
         ("tested_coherence_sub", "testable sub-clusters per solution (coherence)"),
         ("performance", "performance of the final best"))


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SCALARS)
    for r in rows:
        w.writerow(["" if isinstance(r.get(k), float) and not math.isfinite(r[k]) else
                    (round(r[k], 6) if isinstance(r.get(k), float) else r.get(k)) for k in SCALARS])
    return buf.getvalue()


def _groups(rows: list[dict]) -> dict[str, list[dict]]:
    """Pooled, per study, per study and condition."""
    out = {"pooled": rows}
    for study in dict.fromkeys(r["study"] for r in rows):
        out[study] = [r for r in rows if r["study"] == study]
    for study, cond in dict.fromkeys((r["study"], r["condition"]) for r in rows):
        out[f"{study} {cond}"] = [r for r in rows if r["study"] == study and r["condition"] == cond]
    return out


def _study_info(out: Path, studies: dict) -> tuple[list[str], float]:
    from evomod.study.results import read_manifest

    lines, total = [], 0.0
    for key, exp in studies.items():
        manifest = read_manifest(out / key)
        info_file = out / key / "replicate.json"
        info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
        wall = float(info.get("wall_seconds", math.nan))
        total += wall if math.isfinite(wall) else 0.0
        cap = max(c["generations"] for c in manifest["cells"])
        lines.append(f"- **{key}** ({exp.title}): {manifest['seeds']} runs per condition, generation cap {cap:,}, "
                     f"study seed {manifest['seed']}; study wall time {wall:,.0f} s ({info.get('workers', '?')} "
                     f"workers); its own report: [{key}/REPORT.md]({key}/REPORT.md).")
        for c in exp.conditions:
            lines.append(f"    - {c.label}: {c.description}.")
    return lines, total


def report(out: Path, studies: dict, rows: list[dict], *, quick: bool, command: str,
           measuring_seconds: float) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    groups = _groups(rows)
    keys = [k for k, _ in MATRIX]
    matrices = {name: correlation_matrix(g, keys) for name, g in groups.items()}
    figures = []
    for name in ["pooled", *studies]:
        if name in matrices:
            path = f"fig-rho-{name}.png"
            heat_map(matrices[name], out / path, f"Spearman rho, {name} ({len(groups[name])} solutions)")
            figures.append((name, path))
    lines_info, study_wall = _study_info(out, studies)
    L = ["# Experiment: do the modularity measures agree? (`measures`)", "",
         f"Command: `{command}`", "",
         *lines_info, "",
         f"Measuring the {len(rows)} solutions took {measuring_seconds:,.0f} s (one process, all starts added up; "
         f"cached in `solutions.json`, so a rerun measures only new runs); studies {study_wall:,.0f} s."
         + (" **Quick mode: too few runs for any verdict; it checks that everything runs.**" if quick else ""),
         "", HYPOTHESIS, RULES.format(LOWEST_PAIRS=LOWEST_PAIRS), "| verdict | modular when |", "| --- | --- |"]
    L += [f"| {name} | {rule} |" for name, (rule, _) in VERDICTS.items()]
    L += ["", "## Values per condition: median [IQR] (n)", ""]
    conds = [g for g in groups if g not in ("pooled", *studies)]
    L += ["| measure | " + " | ".join(conds) + " |", "| --- | " + " | ".join("---" for _ in conds) + " |"]
    for k, label in (*MATRIX, *EXTRA):
        L.append(f"| {label} | " + " | ".join(_median_iqr([r.get(k, math.nan) for r in groups[c]])
                                              for c in conds) + " |")
    solved = " | ".join(f"{sum(bool(r['solved']) for r in groups[c])}/{len(groups[c])}" for c in conds)
    L += [f"| solved | {solved} |", ""]
    L += _hypotheses(groups, matrices, studies)
    L += ["## Rank correlations", ""]
    L += [f"![Spearman rho, {name}]({path})" + "\n" for name, path in figures]
    L += _rho_table(matrices, keys, conds, studies)
    verdict_lines, drawn = _verdict_section(out, studies, groups)
    L += verdict_lines
    L += _ordering_section(out, studies, groups, matrices, drawn)
    L += _sensitivity(groups, studies)
    L += ["## Files", "", "- `values.csv`: every solution's values (one row each; empty = undefined).",
          "- `measures.json`: the correlation matrices (pooled, per study, per condition), verdict counts and "
          "disagreements.", "- `solutions.json`: the cache of per-solution values, with partitions.",
          "- Definitions: `evomod/modularity/ncut.py`, `evomod/measures/subclusters.py`, "
          "`evomod/measures/infoflow.py`, `evomod/measures/functional.py` (docstrings); "
          "[concepts page](../../concepts/importance-coherence.md).", ""]
    write_text(out / "values.csv", _csv(rows))
    data = {"command": command, "quick": quick, "measuring_seconds": round(measuring_seconds, 1),
            "study_seconds": round(study_wall, 1), "measures": keys,
            "matrices": {name: {"n_solutions": len(groups[name]), "rho": _plain(m["rho"].tolist()),
                                "p": _plain(m["p"].tolist()), "n": m["n"].tolist()} for name, m in matrices.items()},
            "verdicts": {name: {v: sum(1 for r in g if verdicts(r)[v]) for v in VERDICTS}
                         for name, g in groups.items()}}
    write_text(out / "measures.json", json.dumps(data, indent=1) + "\n")
    write_text(out / "REPORT.md", "\n".join(L) + "\n")
    return out / "REPORT.md"


def _hypotheses(groups, matrices, studies) -> list[str]:
    keys = [k for k, _ in MATRIX]
    L = ["## Verdicts on the hypotheses", ""]
    # H1: any opposite verdicts at all
    dis = verdict_disagreements(groups["pooled"])
    n_pairs = sum(1 for d in dis.values() if d["differ"])
    solutions = {i for d in dis.values() for i in d["differ"]}
    L.append(f"- **H1** (opposite verdicts exist): **{'supported' if n_pairs else 'not supported'}**: "
             f"{n_pairs} of {len(dis)} pairs of verdicts disagree on at least one solution; "
             f"{len(solutions)} of {len(groups['pooled'])} solutions have at least one such disagreement.")
    for h, pairs in (("H2", [("q", "qm"), ("q", "ncut"), ("qm", "ncut")]),
                     ("H3", [("qm", k) for k in ("info_flow", "task_nmi", "importance_sub", "importance_mod",
                                                 "coherence_sub", "coherence_mod")])):
        parts, held = [], 0
        for study in studies:
            m = matrices.get(study)
            if m is None:
                continue
            for a, b in pairs:
                i, j = keys.index(a), keys.index(b)
                rho, p, n = m["rho"][i, j], m["p"][i, j], m["n"][i, j]
                ok = math.isfinite(rho) and rho > 0 and p < 0.05
                held += ok
                parts.append(f"{study} {LABEL[a]} ~ {LABEL[b]}: rho = {_fmt(rho)}, p = {_fmt(p)}, n = {n}"
                             + (" (holds)" if ok else " (fails)"))
        verdict = "supported" if held == len(parts) else ("partly supported" if held else "not supported")
        L.append(f"- **{h}**: **{verdict}** ({held} of {len(parts)} correlations hold): " + "; ".join(parts) + ".")
    parts, held, total = [], 0, 0
    for study in studies:
        for k in ("importance_sub", "importance_mod", "coherence_sub", "coherence_mod"):
            med, p, n = wilcoxon_above_half([r.get(k, math.nan) for r in groups.get(study, [])])
            total += 1
            ok = n > 0 and p < 0.05
            held += ok
            parts.append(f"{study} {LABEL[k]}: median {_fmt(med)}, p = {_fmt(p)}, n = {n}"
                         + (" (above 0.5)" if ok else " (not above 0.5)"))
    verdict = "supported" if held == total else ("partly supported" if held else "not supported")
    L += [f"- **H4**: **{verdict}** ({held} of {total}): " + "; ".join(parts) + ".", ""]
    return L


def _rho_table(matrices, keys, conds, studies) -> list[str]:
    cols = ["pooled", *studies, *conds]
    cols = [c for c in cols if c in matrices]
    L = ["Every pair: rho (p < 0.05 in bold), pooled, per study and per condition.", "",
         "| A | B | " + " | ".join(cols) + " |", "| --- | --- | " + " | ".join("---:" for _ in cols) + " |"]
    for i, j in combinations(range(len(keys)), 2):
        cells = []
        for c in cols:
            rho, p = matrices[c]["rho"][i, j], matrices[c]["p"][i, j]
            cells.append("n/a" if not math.isfinite(rho) else (f"**{rho:+.2f}**" if p < 0.05 else f"{rho:+.2f}"))
        L.append(f"| {LABEL[keys[i]]} | {LABEL[keys[j]]} | " + " | ".join(cells) + " |")
    return L + [""]


def _draw_once(out: Path, drawn: dict, row: dict) -> list[tuple[str, str]]:
    key = (row["study"], row["run_id"])
    if key not in drawn:
        stem = f"example-{row['study']}-{row['run_id']}"
        drawn[key] = draw_solution(out / row["study"], row, out, stem)
    return drawn[key]


def _values_line(row: dict) -> str:
    return ", ".join(f"{LABEL[k]} {_fmt(row.get(k))}" for k, _ in MATRIX)


def _verdict_section(out: Path, studies, groups) -> tuple[list[str], dict]:
    L = ["## Opposite verdicts", "", "Solutions called modular by each verdict (rules above):", "",
         "| group | " + " | ".join(VERDICTS) + " |", "| --- | " + " | ".join("---:" for _ in VERDICTS) + " |"]
    for name, g in groups.items():
        per = [verdicts(r) for r in g]
        cells = [f"{sum(1 for v in per if v[k])}/{sum(1 for v in per if v[k] is not None)}" for k in VERDICTS]
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    L += ["", "Pairs of verdicts that differ on some solution (count of solutions, pooled), with the example drawn:",
          ""]
    rows = groups["pooled"]
    dis = verdict_disagreements(rows)
    drawn: dict = {}
    examples = []
    L += ["| verdict A | verdict B | differ / compared | example |", "| --- | --- | ---: | --- |"]
    for (a, b), d in dis.items():
        if not d["differ"]:
            continue
        row = rows[d["example"]]
        v = verdicts(row)
        tag = f"{row['study']} {row['condition']} {row['run_id']}"
        L.append(f"| {a} | {b} | {len(d['differ'])} / {d['compared']} | {tag} ({a}: "
                 f"{'modular' if v[a] else 'not'}, {b}: {'modular' if v[b] else 'not'}) |")
        examples.append(d["example"])
    never = [f"{a} / {b}" for (a, b), d in dis.items() if not d["differ"] and d["compared"]]
    L += ["", "Never disagree: " + ("; ".join(never) if never else "none") + ".", "", "### Drawn examples", ""]
    for i in dict.fromkeys(examples):
        row = rows[i]
        v = verdicts(row)
        says = "; ".join(f"{k}: {'modular' if x else 'not'}" for k, x in v.items() if x is not None)
        L += [f"**{row['study']} {row['condition']} {row['run_id']}** (performance {_fmt(row['performance'])}): "
              f"{_values_line(row)}. Verdicts: {says}.", ""]
        for path, title in _draw_once(out, drawn, row):
            L.append(f"![{title}]({path})")
        L.append("")
    return L, drawn


def _ordering_section(out: Path, studies, groups, matrices, drawn) -> list[str]:
    keys = [k for k, _ in MATRIX]
    L = ["## Opposite orderings", "",
         "Pairs of solutions that two measures order oppositely, each by at least half its IQR within the study "
         "(count / pairs compared):", ""]
    present = [s for s in studies if s in groups]
    L += ["| A | B | " + " | ".join(present) + " |", "| --- | --- | " + " | ".join("---:" for _ in present) + " |"]
    found = {s: {} for s in present}
    for i, j in combinations(range(len(keys)), 2):
        cells = []
        for s in present:
            o = opposite_orderings(groups[s], keys[i], keys[j])
            found[s][(keys[i], keys[j])] = o
            cells.append(f"{o['pairs']} / {o['compared']}" if o["compared"] else "n/a")
        L.append(f"| {LABEL[keys[i]]} | {LABEL[keys[j]]} | " + " | ".join(cells) + " |")
    L += ["", f"### Drawn: the most extreme pair for the {LOWEST_PAIRS} lowest-rho measure pairs of each study", ""]
    for s in present:
        rho = matrices[s]["rho"]
        ranked = sorted(((rho[i, j], i, j) for i, j in combinations(range(len(keys)), 2) if math.isfinite(rho[i, j])))
        for r, i, j in ranked[:LOWEST_PAIRS]:
            o = found[s][(keys[i], keys[j])]
            if o["example"] is None:
                L += [f"- {s}: {LABEL[keys[i]]} vs {LABEL[keys[j]]} (rho {r:+.2f}): no clearly opposite pair.", ""]
                continue
            a, b = (groups[s][o["example"][0]], groups[s][o["example"][1]])
            L += [f"**{s}: {LABEL[keys[i]]} vs {LABEL[keys[j]]}** (rho {r:+.2f}; {o['pairs']} opposite pairs): "
                  f"{a['condition']} {a['run_id']} has the higher {LABEL[keys[i]]} ({_fmt(a[keys[i]])} vs "
                  f"{_fmt(b[keys[i]])}) but the lower {LABEL[keys[j]]} ({_fmt(a[keys[j]])} vs {_fmt(b[keys[j]])}) "
                  f"than {b['condition']} {b['run_id']}; margin {o['margin']:.2f} IQR.", ""]
            for row in (a, b):
                L += [f"![{t}]({p})" for p, t in _draw_once(out, drawn, row)] + [""]
    return L


def _sensitivity(groups, studies) -> list[str]:
    L = ["## The n-cut's k", "", "Spearman rho of the n-cut quality at k = 3 with the quality at k = 2 and 4, and "
         "the eigengap's k (capped at a quarter of the nodes):", "", "| study | rho(k=3, k=2) | rho(k=3, k=4) | "
         "eigengap k: counts |", "| --- | ---: | ---: | --- |"]
    for s in studies:
        g = groups.get(s, [])
        if not g:
            continue
        m = correlation_matrix(g, ["ncut", "ncut_k2", "ncut_k4"])
        ks = [r["ncut_eigengap_k"] for r in g if isinstance(r.get("ncut_eigengap_k"), (int, float))
              and math.isfinite(r["ncut_eigengap_k"])]
        counts = ", ".join(f"k={int(k)}: {n}" for k, n in zip(*np.unique(ks, return_counts=True)))
        L.append(f"| {s} | {_fmt(m['rho'][0, 1])} | {_fmt(m['rho'][0, 2])} | {counts} |")
    return L + [""]

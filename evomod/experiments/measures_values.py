"""Every modularity measure of one evolved solution (``evomod experiment measures``).

``solution_values(study_dir, run_id)`` reads a study run's ``best.json`` and
``summary.json`` and returns one flat dict: Q and Q_m of the run's best-Q
partition (as the run measured them), the n-cut spectral partition at fixed
k and its rewired null, information flow, importance and coherence of the
n-cut partition (sub-clusters and whole modules), and the agreement of the
best-Q and n-cut partitions with the task's decomposition. The choices are
fixed in ``SETTINGS`` and explained in ``measures_report.RULES``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

SETTINGS = {
    "k": 3,  # n-cut clusters: the parts of both tasks' decompositions (two sub-tasks and their combination)
    "k_sensitivity": (2, 4),  # the quality at these k too (the paper checked 8 and 18 against 12)
    "ncut_null": 20,  # rewired graphs per solution for the n-cut null
    "n_random": 100,  # comparison sets per sub-cluster or module (importance, coherence)
    "nmi_null": 100,  # label shuffles for the chance level of the task NMI
    "seed": 0,
}
QUICK_SETTINGS = {**SETTINGS, "ncut_null": 5, "n_random": 30, "nmi_null": 20}


def _num(x) -> float:
    return math.nan if x is None else float(x)


def task_groups(data: dict) -> list[set]:
    """Input groups of the task's decomposition: the inputs of each top-level
    sub-goal of a logic goal, merged where they overlap; the left and right
    pixels of the retina."""
    from evomod.measures import functional

    inputs = list(data["inputs"])
    task = data.get("task")
    if task is not None and task.name == "retina":
        half = len(inputs) // 2
        return [set(inputs[:half]), set(inputs[half:])]
    goals = functional.goal_subgoals(data["goal"].get("expressions", []), inputs)
    groups: list[set] = []
    for goal in goals:
        if goal.top:
            joined = [g for g in groups if g & goal.inputs]
            groups = [g for g in groups if not g & goal.inputs] + [set(goal.inputs).union(*joined)]
    return groups


def _nmi_chance(labels, reference, n: int, rng) -> float:
    """Mean NMI of ``labels`` shuffled among the nodes (module sizes kept) with ``reference``."""
    from evomod.measures.functional import agreement

    return float(np.mean([agreement(rng.permutation(labels), reference)["nmi"] for _ in range(n)]))


def run_documents(study_dir: Path, run_id: str) -> tuple[dict, dict]:
    """``(best.json read by read_genome, summary.json)`` of a finished run of a study (either layout)."""
    from evomod.io.genome_file import read_genome
    from evomod.study.results import documents

    study_dir = Path(study_dir)
    best = documents(study_dir, [run_id], "best")[run_id]
    summary = documents(study_dir, [run_id], "summary")[run_id]
    return read_genome(study_dir / run_id / "best.json", text=best), json.loads(summary)


def solution_values(study_dir: Path, run_id: str, settings: dict = SETTINGS) -> dict:
    """Every measure of one run's final best (see the module docstring); NaN where undefined."""
    from evomod.measures import functional, infoflow
    from evomod.measures import subclusters as S
    from evomod.modularity import ncut as N

    data, summary = run_documents(study_dir, run_id)
    mod = summary["modularity"]
    rep, genome, inputs = data["rep"], data["genome"], list(data["inputs"])
    program = rep.program(genome, inputs)
    q_labels = np.asarray(mod["labels"], dtype=np.int64)
    targets = S.goal_targets(data)
    seed, k = settings["seed"], settings["k"]
    rng = np.random.default_rng(seed)
    out = {"run_id": run_id, "performance": _num(summary["final"]["best_performance"]),
           "solved": summary["status"] == "solved", "nodes": int(program.connected().sum()),
           "q": _num(mod["q"]), "qm": _num(mod["qm"]), "q_modules": int(q_labels.max()) + 1}
    W = N.graph_of(program)
    part = N.spectral_partition(W, k=k, seed=seed)
    null = N.null_qualities(W, settings["ncut_null"], seed=seed, k=k)
    out.update(ncut=part.quality, ncut_null=float(np.nanmean(null)) if np.isfinite(null).any() else math.nan,
               ncut_eigengap_k=N.spectral_partition(W, seed=seed).k)
    for other in settings["k_sensitivity"]:
        try:
            out[f"ncut_k{other}"] = N.spectral_partition(W, k=other, seed=seed).quality
        except ValueError:
            out[f"ncut_k{other}"] = math.nan
    flow = infoflow.search(program, 2, start=q_labels, seed=seed)
    out.update(info_flow=_num(None if math.isnan(flow.score) else flow.score),
               info_flow_q=float(infoflow.information_flow(program, q_labels, seed=seed).score))
    n_random = settings["n_random"]
    for unit, tag in (("subcluster", "sub"), ("module", "mod")):
        imp = S.importance(program, part.labels, targets, "constant", n_random=n_random, seed=seed, unit=unit)
        shuf = S.importance(program, part.labels, targets, "shuffle", n_random=n_random, seed=seed, unit=unit)
        coh = S.coherence(program, part.labels, targets, "input", n_random=n_random, seed=seed, unit=unit)
        coh_out = S.coherence(program, part.labels, targets, "output", n_random=n_random, seed=seed, unit=unit)
        out.update({f"importance_{tag}": imp.score, f"importance_{tag}_shuffle": shuf.score,
                    f"coherence_{tag}": coh.score, f"coherence_{tag}_output": coh_out.score,
                    f"tested_{tag}": len(imp.tested), f"tested_coherence_{tag}": len(coh.tested)})
    reference = functional.group_labels(program, task_groups(data), inputs)
    out.update(task_nmi=functional.agreement(q_labels, reference)["nmi"],
               task_nmi_null=_nmi_chance(q_labels, reference, settings["nmi_null"], rng),
               task_nmi_ncut=functional.agreement(part.labels, reference)["nmi"],
               q_labels=q_labels.tolist(), ncut_labels=part.labels.tolist(), names=list(program.names))
    return out

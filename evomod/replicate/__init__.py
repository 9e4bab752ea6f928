"""``evomod replicate``: the papers' experiments as studies, with an honest report.

``replicate("ka2005-logic", "rep/ka-logic")`` builds the experiment's study
(``experiments.study``), runs it through the study runner (local cores or a
cluster; re-running resumes), measures every run (``measures``), judges each
published claim (``stats``) and writes ``OUT/REPORT.md`` with its figures and
``OUT/replication.json`` with the numbers (``writeup``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from evomod.replicate import lineage  # noqa: F401, E402  (registers ka2005-6input, kashtan2007, mengistu2016)
from evomod.replicate.experiments import EXPERIMENTS, Experiment, get, study
from evomod.replicate.measures import MEASURES, collect
from evomod.replicate.stats import judge
from evomod.replicate.writeup import write

__all__ = ["EXPERIMENTS", "Experiment", "MEASURES", "collect", "get", "judge", "replicate", "run_experiment", "study",
           "write"]


def replicate(name: str, out, **kwargs):
    """Run (or resume) one replication and write its report (also after failed
    or interrupted runs, from what finished); returns ``(REPORT.md's path, the
    study runner's Outcome)``. Keyword arguments as ``run_experiment``."""
    return run_experiment(get(name), out, **kwargs)


def run_experiment(exp: Experiment, out, *, runs=None, quick=False, variant="", generations=None, cluster=None,
                   jobs=None, workers=None, scheduler=None, progress=True, command=""):
    """Run (or resume) any ``Experiment`` (a replication, or a seed experiment
    whose claims are hypotheses) and write its report: ``(REPORT.md, Outcome)``."""
    from evomod.study import run_study

    table = study(exp, runs=runs, quick=quick, variant=variant, generations=generations)
    out = Path(out)
    outcome = run_study(table, out, scheduler=scheduler, cluster=cluster, jobs=jobs, workers=workers,
                        progress=progress)
    info_file = out / "replicate.json"
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {"sessions": []}
    if outcome.finished:  # a resumed study adds up the time of each start that ran something
        where = scheduler or cluster or "local"
        info["sessions"].append({"seconds": round(outcome.seconds, 1), "runs": outcome.finished,
                                 "where": where, "workers": workers or (os.cpu_count() if where == "local" else None)})
    info.update(experiment=exp.name, variant=variant, quick=quick, command=command or f"evomod replicate {exp.name}",
                wall_seconds=sum(s["seconds"] for s in info["sessions"]),
                workers=", ".join(sorted({str(s["workers"] or s["where"]) for s in info["sessions"]})) or "?",
                failed=outcome.failed, interrupted=outcome.interrupted)
    from evomod.study.results import write_text

    write_text(info_file, json.dumps(info, indent=1) + "\n")
    return write(out, exp, info), outcome

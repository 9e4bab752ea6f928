"""``evomod experiment``: the seeds' open experiments on evolved circuits and networks.

Unlike ``evomod replicate``, these have no paper column: each asks a
question, states its hypothesis and its test before any data, runs its
study (through the study runner, so it resumes and can go to a cluster)
or its sampling, and writes ``OUT/REPORT.md`` with figures, verdicts and
the per-run values.

An experiment is one module in this package and one registration::

    @experiment("broadness", "Are modular solutions broader (more robust to mutation)?")
    def broadness(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None,
                  scheduler=None, progress=True, command=""):
        ...
        return out / "REPORT.md", outcome   # outcome: the study runner's Outcome, or None

The study-based ones build an ``evomod.replicate.experiments.Experiment``
(conditions, ``hypothesis`` claims, measures) and run it like a replication;
``evomod.replicate.replicate`` does the work.

Modules import their heavy dependencies (Dask, the study runner, plots)
inside the function, so that listing experiments stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evomod.registry import ConfigError


@dataclass(frozen=True)
class SeedExperiment:
    """A named experiment: its one-line question and the function that runs it."""

    name: str
    question: str
    run: Callable[..., Path]


EXPERIMENTS: dict[str, SeedExperiment] = {}
# modules of the built-in experiments, imported for their registrations
BUILT_IN: tuple[str, ...] = ("broadness", "size", "initialisation", "noise", "placement", "measures")


def experiment(name: str, question: str):
    """Register ``fn(out, *, quick, runs, cluster, jobs, workers, scheduler, progress, command)``,
    which returns ``(REPORT.md path, the study runner's Outcome or None)``."""

    def decorate(fn):
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} is already registered")
        EXPERIMENTS[name] = SeedExperiment(name, question, fn)
        return fn

    return decorate


def load() -> dict[str, SeedExperiment]:
    """Every registered experiment (the built-in modules imported once)."""
    for module in BUILT_IN:
        importlib.import_module(f"evomod.experiments.{module}")
    return EXPERIMENTS


def get(name: str) -> SeedExperiment:
    known = load()
    if name not in known:
        raise ConfigError(f"experiment {name!r} unknown; allowed: {', '.join(known) or '(none)'}", "experiment")
    return known[name]

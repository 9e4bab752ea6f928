"""REPORT.md of ``evomod experiment size``: an interim report (values, tables, figures; the
pre-registered tests of ``size.HYPOTHESES`` are not coded yet, so no verdict is given)."""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import common
from evomod.experiments.size import HYPOTHESES, STUDIES


def write(out: Path, *, quick: bool, command: str, progress: bool = False) -> Path:
    return common.interim_report(out, STUDIES, title="Size (seed experiment, interim report)",
                                 hypotheses=HYPOTHESES, quick=quick, command=command, progress=progress)

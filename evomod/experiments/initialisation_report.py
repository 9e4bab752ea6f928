"""REPORT.md of ``evomod experiment initialisation``: an interim report. The evolved reference
studies (those of ``evomod experiment size``) are run and reported; the measurement of the random
genomes (the initial populations) and the scenario rule of ``initialisation.HYPOTHESES`` are not
coded yet, so no verdict is given."""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import common
from evomod.experiments.initialisation import HYPOTHESES
from evomod.experiments.size import STUDIES


def write(out: Path, sizes, *, quick: bool, command: str, progress: bool = False) -> Path:
    report = common.interim_report(
        Path(out) / "evolved", STUDIES, title="Initialisation (seed experiment, interim report)",
        hypotheses=HYPOTHESES, quick=quick, command=command, progress=progress,
        missing="Only the evolved reference studies ran: the random genomes' measures and the scenario "
                "rule are not implemented yet.")
    from evomod.study.results import write_text

    target = Path(out) / "REPORT.md"
    write_text(target, report.read_text(encoding="utf-8").replace("](", "](evolved/"))
    return target

"""``evomod report``: tables, plots and tests of a study directory."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    rp = sub.add_parser("report", help="tables, plots and Mann-Whitney tests of a study directory")
    rp.add_argument("study_dir", help="a directory written by `evomod study`")
    rp.set_defaults(func=command)


def command(args) -> int:
    from evomod.analysis.report import write_report

    print(write_report(Path(args.study_dir)).text())
    return 0

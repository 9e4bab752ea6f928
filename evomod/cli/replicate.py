"""``evomod replicate``: run a paper's experiment as a study and write its report."""

from __future__ import annotations

from evomod.replicate.experiments import EXPERIMENTS  # not evomod.study: that would load Dask on every command


def add_parser(sub) -> None:
    rr = sub.add_parser("replicate", help="run a paper's experiment as a study and write REPORT.md "
                        "(published vs measured, verdicts, figures); re-running resumes")
    rr.add_argument("experiment", choices=list(EXPERIMENTS), help="; ".join(
        f"{e.name}: {e.title}" for e in EXPERIMENTS.values()))
    rr.add_argument("--out", required=True, help="study directory (an existing one of the same study resumes)")
    rr.add_argument("--runs", type=int, help="runs per condition (default: the paper's, or what fits an hour)")
    rr.add_argument("--quick", action="store_true", help="a few short runs (under 2 minutes): checks the "
                    "pipeline, too small for verdicts")
    rr.add_argument("--generations", type=int, help="generation cap (default: the paper's)")
    rr.add_argument("--variant", help="vary an uncertain parameter of the setup; per experiment: " + "; ".join(
        f"{e.name}: {', '.join(e.variants) or 'none'}" for e in EXPERIMENTS.values()))
    rr.add_argument("--landscape", action="store_true", help="ka2005-logic only: run the pre-registered "
                    "landscape of readings (selection, mutation, settling, size, epoch, crossover) and write "
                    "LANDSCAPE.md (docs/REPLICATION.md)")
    rr.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"], help="where runs go (default local)")
    rr.add_argument("--jobs", type=int, help="batch jobs with --cluster slurm|pbs|sge|lsf")
    rr.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    rr.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    rr.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rr.set_defaults(func=command)


def command(args) -> int:
    from evomod.registry import ConfigError
    from evomod.replicate import replicate

    line = "evomod replicate " + " ".join(args.argv)
    if args.landscape:
        if args.experiment != "ka2005-logic":
            raise ConfigError(f"--landscape: only for ka2005-logic, not {args.experiment}", "--landscape")
        for flag, value in (("--variant", args.variant), ("--generations", args.generations)):
            if value is not None:
                raise ConfigError(f"{flag}: not with --landscape (its readings and caps are pre-registered)", flag)
        if args.runs is not None and args.runs < 1:
            raise ConfigError(f"--runs {args.runs}: must be an integer >= 1", "--runs")
        from evomod.replicate.landscape_study import run_landscape

        path, outcome = run_landscape(args.out, runs=args.runs, quick=args.quick, cluster=args.cluster,
                                      jobs=args.jobs, workers=args.workers, scheduler=args.scheduler,
                                      progress=not args.quiet, command=line)
        print(outcome.text())
        print(f"Report: {path}")
        return 130 if outcome.interrupted else (1 if outcome.failed else 0)
    path, outcome = replicate(args.experiment, args.out, runs=args.runs, quick=args.quick,
                              variant=args.variant or "", generations=args.generations, cluster=args.cluster,
                              jobs=args.jobs, workers=args.workers, scheduler=args.scheduler,
                              progress=not args.quiet, command=line)
    print(outcome.text())
    print(f"Report: {path}")
    return 130 if outcome.interrupted else (1 if outcome.failed else 0)

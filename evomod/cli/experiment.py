"""``evomod experiment``: run one of the seeds' open experiments and write its report."""

from __future__ import annotations

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    e = sub.add_parser("experiment", help="run one of the seeds' open experiments (no paper column: a "
                       "question, a hypothesis decided before the data, a report); --list names them")
    e.add_argument("name", nargs="?", help="the experiment (see --list)")
    e.add_argument("--list", action="store_true", help="list the experiments, each with its question")
    e.add_argument("--out", help="study directory (an existing one of the same study resumes)")
    e.add_argument("--runs", type=int, help="runs per condition (default: the experiment's, n >= 30)")
    e.add_argument("--quick", action="store_true", help="a small version (under 2 minutes): checks the "
                   "pipeline, too small for verdicts")
    e.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"], help="where runs go (default local)")
    e.add_argument("--jobs", type=int, help="batch jobs with --cluster slurm|pbs|sge|lsf")
    e.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    e.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    e.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    e.set_defaults(func=command)


def command(args) -> int:
    from evomod.experiments import get, load

    if args.list or args.name is None:
        known = load()
        width = max(map(len, known), default=0)
        for name, exp in known.items():
            print(f"{name:<{width}}  {exp.question}")
        if not args.list:
            print("\nRun one with `evomod experiment NAME --out DIR` (add --quick for a short check).")
        return 0
    exp = get(args.name)
    if not args.out:
        raise ConfigError("--out DIR is required to run an experiment", "--out")
    if args.runs is not None and args.runs < 1:
        raise ConfigError(f"--runs {args.runs}: must be >= 1", "--runs")
    line = "evomod experiment " + " ".join(args.argv)
    path, outcome = exp.run(args.out, quick=args.quick, runs=args.runs, cluster=args.cluster, jobs=args.jobs,
                            workers=args.workers, scheduler=args.scheduler, progress=not args.quiet, command=line)
    if outcome is not None:
        print(outcome.text())
    print(f"Report: {path}")
    if outcome is None:
        return 0
    return 130 if outcome.interrupted else (1 if outcome.failed else 0)

"""``evomod bench``: benchmark selection strategies across tasks and seeds."""

from __future__ import annotations

import shlex
from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    from evomod.bench.suite import DEFAULT_BUDGET, DEFAULT_STRATEGIES, DEFAULT_SUITE, QUICK, SUITES

    b = sub.add_parser("bench", help="benchmark selection strategies across tasks and seeds")
    b.add_argument("what", choices=["selection"], help="what to benchmark")
    b.add_argument("--suite", choices=sorted(SUITES), help=(
        f"task suite (default {DEFAULT_SUITE}): " + "; ".join(f"{k} = {', '.join(v)}" for k, v in SUITES.items()
                                                              if k != "all") + "; all = both"))
    b.add_argument("--tasks", help="comma-separated presets instead of a suite (NAME stands for NAME-mvg or "
                   "bool-NAME)")
    b.add_argument("--strategies", help=(
        "comma-separated strategies, or 'all' (every built-in one but deap:NAME); default "
        f"{','.join(DEFAULT_STRATEGIES)}"))
    b.add_argument("--runs", type=int, help="seeds per strategy and task (default 30)")
    b.add_argument("--budget", "--generations", dest="budget", type=int, help=(
        f"generation budget of every run (default {DEFAULT_BUDGET:,}; a run stops once solved)"))
    b.add_argument("--out", default="bench-selection", help=(
        "directory for selection.md, figures/, tables/, ioh/ and one study per task (re-running resumes)"))
    b.add_argument("--quick", action="store_true", help=(
        f"a small check: tasks {','.join(QUICK['tasks'])}, strategies {','.join(QUICK['strategies'])}, "
        f"{QUICK['runs']} runs, budget {QUICK['budget']}, no information flow (flags given explicitly still "
        "apply)"))
    b.add_argument("--no-info-flow", action="store_true", help=(
        "skip the information-flow modularity of the final best (~0.1-3 s per run)"))
    b.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"],
                   help="where runs go (default: local worker processes)")
    b.add_argument("--jobs", type=int, help="batch jobs to submit with --cluster slurm|pbs|sge|lsf")
    b.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=command)


def _positive(flag: str, value) -> None:
    if value is not None and value < 1:
        raise ConfigError(f"{flag} {value}: must be >= 1", flag)


def command(args) -> int:
    from evomod.bench.selection import bench_selection
    from evomod.bench.suite import ALL_STRATEGIES, DEFAULT_BUDGET, DEFAULT_STRATEGIES, DEFAULT_SUITE, QUICK, SUITES

    for flag in ("runs", "budget", "workers", "jobs"):
        _positive(f"--{flag}", getattr(args, flag))
    if args.scheduler and (args.cluster or args.jobs or args.workers):
        raise ConfigError("--scheduler: an existing cluster takes no --cluster, --jobs or --workers", "--scheduler")
    if args.suite and args.tasks:
        raise ConfigError("--suite and --tasks: give one of them", "--tasks")
    quick = QUICK if args.quick else {}
    if args.tasks:
        tasks = [t for t in args.tasks.split(",") if t]
    elif args.suite or not quick:
        tasks = list(SUITES[args.suite or DEFAULT_SUITE])
    else:
        tasks = list(quick["tasks"])
    strategies = ([s for s in args.strategies.split(",") if s] if args.strategies
                  else list(quick.get("strategies", DEFAULT_STRATEGIES)))
    if strategies == ["all"]:
        strategies = list(ALL_STRATEGIES)
    runs = args.runs or quick.get("runs", 30)
    budget = args.budget or quick.get("budget", DEFAULT_BUDGET)
    out = Path(args.out)
    from evomod.io.files import check_writable

    check_writable(out, "--out", directory=True)
    text_command = "evomod bench " + " ".join(shlex.quote(a) for a in getattr(args, "argv", ["selection"]))
    result, _ = bench_selection(strategies, tasks, runs, budget, out, progress=not args.quiet,
                                workers=args.workers, cluster=args.cluster, jobs=args.jobs,
                                scheduler=args.scheduler, info_flow=not (args.no_info_flow or args.quick),
                                command=text_command)
    print(f"{len(result.tasks)} task(s) x {len(result.strategies)} strategies x {runs} runs, budget {budget:,} "
          f"generations. Lexicase vs tournament (pre-registered): {result.verdict}.")
    print(f"Report: {out / 'selection.md'}; figures: {out / 'figures'}; tables: {out / 'tables'}; "
          f"IOHprofiler data: {out / 'ioh'}")
    return 0

"""``evomod bench``: benchmark selection strategies across tasks and seeds."""

from __future__ import annotations

from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    b = sub.add_parser("bench", help="benchmark selection strategies across tasks and seeds")
    b.add_argument("what", choices=["selection"], help="what to benchmark")
    b.add_argument("--runs", type=int, default=30, help="seeds per strategy and task (default 30)")
    b.add_argument("--tasks", help="comma-separated presets (NAME stands for NAME-mvg; default "
                   "ka2005-logic-mvg,clune2013-pa)")
    b.add_argument("--strategies", help="comma-separated strategies (default: every built-in one but deap:NAME)")
    b.add_argument("--generations", type=int, help="generation cap of every run (default: the preset's)")
    b.add_argument("--out", default="bench-selection", help=(
        "directory for selection.md and selection.png, and one study per task (re-running resumes)"))
    b.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=command)


def command(args) -> int:
    from evomod.bench.selection import DEFAULT_STRATEGIES, DEFAULT_TASKS, bench_selection

    if args.runs < 1:
        raise ConfigError(f"--runs {args.runs}: must be >= 1", "--runs")
    if args.generations is not None and args.generations < 1:
        raise ConfigError(f"--generations {args.generations}: must be >= 1", "--generations")
    strategies = args.strategies.split(",") if args.strategies else list(DEFAULT_STRATEGIES)
    tasks = args.tasks.split(",") if args.tasks else list(DEFAULT_TASKS)
    out = Path(args.out)
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: must be >= 1", "--workers")
    _, text = bench_selection(strategies, tasks, args.runs, args.generations, out, progress=not args.quiet,
                              workers=args.workers)
    print(text + f"\nTable: {out / 'selection.md'}; plot: {out / 'selection.png'}")
    return 0

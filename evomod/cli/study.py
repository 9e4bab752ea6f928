"""``evomod study``: run a grid of configs x seeds on Dask; re-running resumes."""

from __future__ import annotations


def add_parser(sub) -> None:
    st = sub.add_parser("study", help="run a grid of configs x seeds on Dask (local cores, SLURM/PBS/SGE/LSF, "
                        "or an existing scheduler); re-running resumes")
    st.add_argument("study", nargs="?", help="a study TOML file (see examples/sweep-mvg.toml)")
    st.add_argument("--out", help="study directory (default studies/NAME); an existing one of the same study resumes")
    st.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"],
                    help="where runs go (default: the study's [cluster] kind, else local)")
    st.add_argument("--jobs", type=int, help="batch jobs to submit with --cluster slurm|pbs|sge|lsf (default: "
                    "the study's cluster.jobs, else min(runs, 8))")
    st.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    st.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    st.add_argument("--keep-run-dirs", action="store_true",
                    help="also write OUT/runs/RUN_ID/ (records.parquet, summary.json, best.json) for every "
                    "finished run, as earlier versions did")
    st.add_argument("--migrate", metavar="DIR", help="only convert DIR, a study written with one folder per run, "
                    "to the dataset layout (docs/studies-at-scale.md); a resume converts it too")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    st.set_defaults(func=command)


def command(args) -> int:
    from evomod.registry import ConfigError
    from evomod.study import migrate_study, run_study

    if args.migrate:
        if args.study or args.out:
            raise ConfigError("--migrate DIR: takes no study file and no --out (the study is DIR/study.toml)",
                              "--migrate")
        n = migrate_study(args.migrate)
        print(f"{args.migrate}: {n} run(s) converted to the dataset layout" if n else
              f"{args.migrate}: already in the dataset layout; nothing to convert")
        return 0
    if not args.study:
        raise ConfigError("evomod study: give a study file (or --migrate DIR)", "study")
    outcome = run_study(args.study, args.out, scheduler=args.scheduler, cluster=args.cluster, jobs=args.jobs,
                        workers=args.workers, progress=not args.quiet, keep_run_dirs=args.keep_run_dirs)
    print(outcome.text())
    return 130 if outcome.interrupted else (1 if outcome.failed else 0)

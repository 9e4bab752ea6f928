"""``evomod`` command line: run, presets, show, modularity, bench.

Bad input (config key, genome file, flag) prints one line on stderr and
exits with code 2 before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .registry import ConfigError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _source_name(source: str | None) -> str:
    from .config import DEFAULT_PRESET

    if source is None:
        return DEFAULT_PRESET
    return Path(source).stem if source.endswith(".toml") else source


def summary_text(result, out: Path | None) -> str:
    """One paragraph a person reads after a run."""
    cfg = result.config
    rate = result.generations_run / max(result.wall_seconds, 1e-9)
    parts = [f"Ran {result.generations_run:,} generations (seed {cfg.seed}, population {cfg.population}) "
             f"in {result.wall_seconds:.2f} s ({rate:,.0f} generations/s); status: {result.status}."]
    solved = [(g, t) for g, t in result.first_solved.items() if t is not None]
    if len(result.first_solved) <= 6:
        parts.append(" ".join(
            f"{g} first solved at generation {t:,}." if t is not None else f"{g} never solved."
            for g, t in result.first_solved.items()))
    else:
        parts.append(f"{len(solved)} of the {len(result.first_solved)} goals met were solved at least once.")
    size = "effective gates" if cfg.representation.name == "nand" else "nodes after pruning"
    parts.append(f"Final best on {result.final_goal}: fitness {result.best_fitness:.3f} "
                 f"(performance {result.best_performance:.3f}, {result.best_n_effective} {size}).")
    mod = result.modularity
    if mod:
        qm = "not computed" if mod["qm"] is None else f"{mod['qm']:.3f}"
        parts.append(f"Its modularity: Q {mod['q']:.3f}, Q_m {qm} ({len(mod['modules'])} modules).")
    if out is not None:
        parts.append(f"Records: {out / 'records.parquet'} (plotted in {out / 'fitness.png'}); best genome: "
                     f"{out / 'best.json'} (see it with `evomod show {out / 'best.json'}`).")
    return " ".join(parts)


def cmd_run(args) -> int:
    from . import config as _config
    from .engine import run
    from .records import check_out_dir, default_out_dir, write_run

    updates = {k: v for k, v in (("seed", args.seed), ("generations", args.generations)) if v is not None}
    cfg = _config.load(args.config, args.set, **updates)
    name = _source_name(args.config)
    out = Path(args.out) if args.out else default_out_dir(name, cfg.seed)
    check_out_dir(out)
    if args.checkpoint_every < 1:
        raise ConfigError(f"--checkpoint-every {args.checkpoint_every}: must be >= 1", "--checkpoint-every")
    result = run(cfg, progress=not args.quiet, checkpoint=args.checkpoint, checkpoint_every=args.checkpoint_every)
    write_run(result, out, source=name, plot=True)
    if args.checkpoint and result.status != "interrupted":
        Path(args.checkpoint).unlink(missing_ok=True)  # the run is complete on disk
    print(summary_text(result, out))
    return 130 if result.status == "interrupted" else 0


def cmd_presets(args) -> int:
    from . import config as _config

    if args.name is None:
        names = _config.preset_names()
        width = max(map(len, names))
        for name, desc in names.items():
            print(f"{name:<{width}}  {desc}")
        print("\nPrint one as TOML with `evomod presets NAME`; run it with `evomod run NAME`.")
        return 0
    cfg = _config.load(args.name)
    print(_config.to_toml(cfg, title=f"evomod preset {args.name}: copy, edit, then `evomod run FILE.toml`"),
          end="")
    return 0


def _goal_tables(data: dict):
    """The saved goal as ``uint64 (K, W)``, or None when it cannot be rebuilt."""
    import numpy as np

    from . import goals as _goals
    from .tasks import build

    goal = data.get("goal") or {}
    if data.get("task") is not None:
        tables = build(data["task"]).goals
        if goal.get("name") in tables:
            return tables[goal["name"]]
    exprs = goal.get("expressions") or []
    try:
        return np.stack([_goals.parse(e, data["inputs"]) for e in exprs]) if exprs else None
    except _goals.GoalError:
        return None  # e.g. a random goal named by its functions, not an expression


def cmd_show(args) -> int:
    from . import goals as _goals
    from .records import read_genome

    data = read_genome(Path(args.genome))
    rep, genome, inputs = data["rep"], data["genome"], data["inputs"]
    pop = rep.population(genome)
    rep.evaluate(pop)
    n = rep.n_inputs
    target = _goal_tables(data)
    if target is not None and target.shape[0] != rep.n_outputs:
        target = None
    print(f"{rep.headline(genome, int(pop.size[0]))} (goal {data['goal'].get('name', '?')}):")
    for line in rep.describe(genome, inputs):
        print("  " + line)
    outs = [_goals.unpack(pop.tables[0, k], n) for k in range(rep.n_outputs)]
    ok_rows = _goals.unpack(pop.valid[0], n)
    wants = None if target is None else [_goals.unpack(target[k], n) for k in range(rep.n_outputs)]
    good = [bool(ok_rows[r]) and (wants is None or all(o[r] == w[r] for o, w in zip(outs, wants)))
            for r in range(rep.n_rows)]
    if rep.n_rows <= 64:
        _print_truth_table(inputs, outs, wants, ok_rows, good)
    if wants is not None:
        print(f"\n{sum(good)}/{rep.n_rows} rows correct")
    if args.draw or hasattr(rep, "left_right_split"):  # networks are always drawn
        _show_drawing(args, data, rep)
    return 0


def _print_truth_table(inputs, outs, wants, ok_rows, good) -> None:
    n, k_out = len(inputs), len(outs)
    head = " ".join(inputs) + " | " + " ".join(f"out{k}" for k in range(k_out))
    if wants is not None:
        head += " | " + " ".join(f"goal{k}" for k in range(k_out))
    print("\n" + head)
    for r in range(1 << n):
        bits = " ".join(str((r >> (n - 1 - i)) & 1).rjust(len(name)) for i, name in enumerate(inputs))
        line = f"{bits} | " + " ".join(str(int(o[r])).rjust(3 + len(str(k))) for k, o in enumerate(outs))
        if wants is not None:
            line += " | " + " ".join(str(int(w[r])).rjust(4 + len(str(k))) for k, w in enumerate(wants))
            line += "" if good[r] else "   <- wrong"
        if not ok_rows[r]:
            line += "   (not settled)"
        print(line)


def _show_drawing(args, data, rep) -> None:
    """Draw the circuit or network with its best partition; for a network, say
    whether the best 2-way split separates the left inputs from the right ones."""
    from . import modularity as _mod
    from .plots import draw_network

    directed = data["modularity"]["directed"]
    A, names = rep.to_graph(data["genome"], data["inputs"], directed)
    found = _mod.q_only(A, directed, seed=0, method=data["modularity"]["method"])
    q, labels = found.q, found.labels
    path = Path(args.draw) if args.draw else Path(args.genome).with_name("network.png")
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ConfigError(f"--draw {path}: the file must end in .png, .svg or .pdf", "--draw")
    draw_network(rep, data["genome"], labels, path, title=f"Q = {q:.3f} ({'directed' if directed else 'undirected'})",
                 inputs=data["inputs"])
    print(f"\nQ = {q:.4f}, {labels.max() + 1} modules; drawing: {path}")
    if not hasattr(rep, "left_right_split"):
        return
    split = rep.left_right_split(data["genome"], directed)
    print(f"best 2-way split (Q = {split['q']:.4f}): "
          + ("separates the left inputs from the right inputs" if split["separates"]
             else f"does not separate left from right inputs ({split['detail']})"))


def cmd_modularity(args) -> int:
    import json

    from . import modularity as _mod
    from .records import read_genome
    from .tracking import partition_summary

    data = read_genome(Path(args.genome))
    directed = data["modularity"]["directed"] if args.directed is None else args.directed
    n_random = data["modularity"]["n_random"] if args.n_random is None else args.n_random
    if n_random < 1:
        raise ConfigError(f"--n-random {n_random}: must be >= 1", "--n-random")
    A, names = data["rep"].to_graph(data["genome"], data["inputs"], directed)
    if args.measure != "q":
        return _modularity_beyond_q(args, data, A, names, directed)
    if args.labels or args.modules != 2:
        raise ConfigError("--labels and --modules go with --measure info-flow or functional", "--labels")
    out = partition_summary(_mod.qm(A, directed, n_random, args.seed, method=data["modularity"]["method"]), names)
    out["directed"] = directed
    if args.json:
        print(json.dumps(out))
        return 0
    kind = "Leicht-Newman, directed" if directed else "Newman-Girvan, undirected"
    print(f"Q   = {out['q']:.4f}  (maximal over partitions; {kind}; {len(names)} nodes)")
    if out["qm"] is None:
        print(f"Q_m = undefined: {out['reason']}")
    else:
        print(f"Q_m = {out['qm']:.4f}  (Q_rand {out['q_rand']:.4f}, Q_max {out['q_max']:.4f}, "
              f"{n_random} random networks with the same degrees)")
    print("modules:")
    for k, members in enumerate(out["modules"]):
        print(f"  {k}: {' '.join(members)}")
    return 0


def _given_labels(args, names):
    """``--labels 0,0,1,...`` as a checked partition of the graph's nodes."""
    from .infoflow import PartitionError, check_labels

    try:
        values = [int(v) for v in args.labels.split(",")]
    except ValueError:
        raise ConfigError(f"--labels {args.labels}: must be comma-separated module numbers, one per node "
                          f"({', '.join(names)})", "--labels") from None
    try:
        return check_labels(values, len(names), names)
    except PartitionError as exc:
        raise ConfigError(f"--{exc}", "--labels") from None


def _modularity_beyond_q(args, data, A, names, directed) -> int:
    """``--measure info-flow`` and ``--measure functional`` (see evomod.infoflow, evomod.functional)."""
    import json

    from . import infoflow
    from . import modularity as _mod

    rep, genome = data["rep"], data["genome"]
    n_random = 100 if args.n_random is None else args.n_random
    if n_random < 1:
        raise ConfigError(f"--n-random {n_random}: must be >= 1", "--n-random")
    if args.modules < 2:
        raise ConfigError(f"--modules {args.modules}: must be >= 2", "--modules")
    given = _given_labels(args, names) if args.labels else None
    if args.measure == "functional" and given is not None:
        return _functional(args, data, names, given, False)
    q_labels = _mod.q_only(A, directed, seed=args.seed, method=data["modularity"]["method"]).labels
    if args.measure == "functional":
        return _functional(args, data, names, q_labels, True)
    program = rep.program(genome, data["inputs"])
    if given is not None:
        found, how = infoflow.information_flow(program, given, n_random, args.seed), "given by --labels"
    else:
        try:
            found = infoflow.search(program, args.modules, start=q_labels, n_random=n_random, seed=args.seed)
        except infoflow.PartitionError as exc:
            raise ConfigError(f"--{exc}", "--modules") from None
        how = f"the best of {args.modules} modules by information-flow score"
    q_flow = infoflow.information_flow(program, q_labels, n_random, args.seed)
    out = found.as_dict()
    out["q_partition"] = {"labels": [int(v) for v in q_labels], "score": q_flow.as_dict()["score"],
                          "total": round(q_flow.total, 6)}
    if args.json:
        print(json.dumps(out))
        return 0
    rows = "all" if found.exact else "a random subset of the"
    print(f"Information exchange between modules (bits, by intervention; {rows} {program.n_rows} input rows)")
    print(f"partition: {how}")
    for k, members in enumerate(out["modules"]):
        print(f"  M{k}: {' '.join(members)}")
    print("exchange (row module sends to column module):")
    k = len(found.exchange)
    print("      " + "".join(f"{'M' + str(b):>8}" for b in range(k)))
    for a in range(k):
        print(f"  M{a:<3}" + "".join(f"{'-':>8}" if a == b else f"{found.exchange[a, b]:8.3f}" for b in range(k)))
    score = "undefined (no information flows)" if out["score"] is None else f"{out['score']:.4f}"
    print(f"total {found.total:.4f} bits; random partitions of the same sizes {found.baseline:.4f} bits; "
          f"score {score}")
    q_score = "undefined" if out["q_partition"]["score"] is None else f"{out['q_partition']['score']:.4f}"
    print(f"best-Q partition ({int(q_labels.max()) + 1} modules): score {q_score}, "
          f"{q_flow.total:.4f} bits exchanged")
    return 0


def _functional(args, data, names, labels, from_q: bool) -> int:
    import json

    from .functional import check
    from .nand import NandCircuits

    if not isinstance(data["rep"], NandCircuits) or not data["goal"].get("expressions"):
        raise ConfigError("--measure functional: needs a NAND circuit whose best.json has goal expressions; "
                          "use --measure q or info-flow", "--measure")
    out = check(data["genome"], data["rep"], data["inputs"], data["goal"]["expressions"], labels)
    out["labels"] = [int(v) for v in labels]
    out["names"] = list(names)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"Functional checks, goal {data['goal'].get('name', '')}: {'; '.join(data['goal']['expressions'])}")
    print(f"partition: {'best Q' if from_q else 'given by --labels'}, "
          f"{int(max(labels)) + 1} modules: " + " | ".join(
              " ".join(n for n, lab in zip(names, labels) if lab == k) for k in range(int(max(labels)) + 1)))
    cov = "no sub-goals" if out["coverage"] is None else f"{out['coverage']:.0%}"
    print(f"sub-goal coverage: {cov}")
    for goal in out["subgoals"]:
        where = (", ".join(goal["nodes"]) + f" (module {', '.join(map(str, goal['modules']))})"
                 if goal["nodes"] else "no gate")
        print(f"  {goal['subgoal']:<24} {where}")
    print(f"agreement with the task's decomposition: NMI {out['nmi']:.3f}, adjusted Rand {out['ari']:.3f}")
    mut = out["mutation"]
    if mut["inside"] is not None and mut["across"] is not None:
        print(f"mutation effects ({mut['mutations']} rewirings): rows changed per gate inside the module "
              f"{mut['inside']:.3f}, across modules {mut['across']:.3f}")
    return 0


def cmd_bench(args) -> int:
    from .bench import DEFAULT_STRATEGIES, DEFAULT_TASKS, bench_selection

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


def cmd_study(args) -> int:
    from .study import run_study

    outcome = run_study(args.study, args.out, scheduler=args.scheduler, cluster=args.cluster, jobs=args.jobs,
                        workers=args.workers, progress=not args.quiet)
    print(outcome.text())
    return 130 if outcome.interrupted else (1 if outcome.failed else 0)


def cmd_replicate(args) -> int:
    from .replicate import replicate

    command = "evomod replicate " + " ".join(args.argv)
    path, outcome = replicate(args.experiment, args.out, runs=args.runs, quick=args.quick,
                              variant=args.variant or "", generations=args.generations, cluster=args.cluster,
                              jobs=args.jobs, workers=args.workers, scheduler=args.scheduler,
                              progress=not args.quiet, command=command)
    print(outcome.text())
    print(f"Report: {path}")
    return 130 if outcome.interrupted else (1 if outcome.failed else 0)


def cmd_report(args) -> int:
    from .report import write_report

    print(write_report(Path(args.study_dir)).text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .replicate.experiments import EXPERIMENTS  # not evomod.study: that would load Dask on every command

    p = _Parser(prog="evomod", description="Fast evolutionary simulations of how modularity evolves.")
    p.add_argument("--version", action="version", version=f"evomod {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    r = sub.add_parser("run", help="run one experiment (default: the ka2005-logic-mvg preset)")
    r.add_argument("config", nargs="?", help="a preset name (see `evomod presets`) or a TOML file")
    r.add_argument("--seed", type=int, help="override the config's seed")
    r.add_argument("--generations", type=int, help="override the generation cap")
    r.add_argument("--out", help="output directory (must not exist or be empty; default runs/NAME-sSEED)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set selection.pm=0.5 (repeatable)")
    r.add_argument("--checkpoint", metavar="FILE", help=(
        "save the run's state to FILE every --checkpoint-every generations; if FILE exists (same "
        "config), resume from it, giving the records an uninterrupted run gives"))
    r.add_argument("--checkpoint-every", type=int, default=1000, metavar="N", help="default 1000")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_run)
    pr = sub.add_parser("presets", help="list the built-in configs, or print one as TOML")
    pr.add_argument("name", nargs="?")
    pr.set_defaults(func=cmd_presets)
    s = sub.add_parser("show", help="print a saved genome (gates or connections, truth table); draw a network")
    s.add_argument("genome", help="a best.json written by `evomod run`")
    s.add_argument("--draw", metavar="FILE", help=(
        "where to draw a layered network (.png, .svg or .pdf; default network.png beside the genome)"))
    s.set_defaults(func=cmd_show)
    m = sub.add_parser("modularity", help="Q, Q_m and the modules of a saved genome")
    m.add_argument("genome", help="a best.json written by `evomod run`")
    m.add_argument("--json", action="store_true",
                   help=("one JSON object (q: keys q, qm, q_rand, q_max, labels, nodes, modules, ...; "
                         "info-flow: exchange, score, labels, names, modules, ...)"))
    g = m.add_mutually_exclusive_group()
    g.add_argument("--directed", dest="directed", action="store_true", default=None,
                   help="Leicht-Newman Q on the directed graph (default: as the run was configured)")
    g.add_argument("--undirected", dest="directed", action="store_false",
                   help="Newman-Girvan Q on the undirected graph")
    m.add_argument("--n-random", type=int, help="random networks for Q_rand (default: as the run)")
    m.add_argument("--seed", type=int, default=0, help="seed of the searches (default 0)")
    m.add_argument("--measure", choices=["q", "info-flow", "functional"], default="q", help=(
        "q: Q and Q_m (default); info-flow: bits exchanged between modules by intervention and the "
        "information-flow score; functional: sub-goal coverage, agreement with the task's "
        "decomposition, mutation effects inside vs across modules"))
    m.add_argument("--modules", type=int, default=2, help="info-flow: modules of the searched partition (default 2)")
    m.add_argument("--labels", metavar="L", help=(
        "info-flow, functional: use this partition, one module number per node, comma-separated "
        "(default: info-flow searches; functional uses the best-Q partition)"))
    m.set_defaults(func=cmd_modularity)
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
    b.set_defaults(func=cmd_bench)
    st = sub.add_parser("study", help="run a grid of configs x seeds on Dask (local cores, SLURM/PBS/SGE/LSF, "
                        "or an existing scheduler); re-running resumes")
    st.add_argument("study", help="a study TOML file (see examples/sweep-mvg.toml)")
    st.add_argument("--out", help="study directory (default studies/NAME); an existing one of the same study resumes")
    st.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"],
                    help="where runs go (default: the study's [cluster] kind, else local)")
    st.add_argument("--jobs", type=int, help="batch jobs to submit with --cluster slurm|pbs|sge|lsf (default: "
                    "the study's cluster.jobs, else min(runs, 8))")
    st.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    st.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    st.set_defaults(func=cmd_study)

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
    rr.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge", "lsf"], help="where runs go (default local)")
    rr.add_argument("--jobs", type=int, help="batch jobs with --cluster slurm|pbs|sge|lsf")
    rr.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    rr.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    rr.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rr.set_defaults(func=cmd_replicate)
    rp = sub.add_parser("report", help="tables, plots and Mann-Whitney tests of a study directory")
    rp.add_argument("study_dir", help="a directory written by `evomod study`")
    rp.set_defaults(func=cmd_report)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[2:] if argv is None else argv[1:])
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"evomod: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

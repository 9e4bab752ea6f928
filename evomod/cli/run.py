"""``evomod run``: run one experiment and write its run directory."""

from __future__ import annotations

import sys
from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    r = sub.add_parser("run", help="run one experiment (default: the ka2005-logic-mvg preset)")
    r.add_argument("config", nargs="?", help="a preset name (see `evomod presets`) or a TOML file")
    r.add_argument("--seed", type=int, help="override the config's seed")
    r.add_argument("--generations", type=int, help="override the generation cap")
    r.add_argument("--out", help="output directory (must not exist or be empty; default runs/NAME-sSEED)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set selection.pm=0.5 (repeatable)")
    r.add_argument("--checkpoint", metavar="FILE", help=(
        "save the run's state to FILE every --checkpoint-every generations and on Ctrl-C or SIGTERM; "
        "if FILE exists (same config), resume from it, giving the records an uninterrupted run gives "
        "(without it, Ctrl-C saves the state in OUT.interrupted.npz, from which the same command resumes)"))
    r.add_argument("--checkpoint-every", type=int, default=1000, metavar="N", help="default 1000")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=command)


def command(args) -> int:
    from evomod import config as _config
    from evomod.cli._stop import GracefulStop
    from evomod.engine import run
    from evomod.io.files import check_writable
    from evomod.io.run_dir import check_out_dir, default_out_dir, interrupt_checkpoint, write_run
    from evomod.modularity.cache import check_cache_path

    if args.checkpoint_every < 1:
        raise ConfigError(f"--checkpoint-every {args.checkpoint_every}: must be >= 1", "--checkpoint-every")
    updates = {k: v for k, v in (("seed", args.seed), ("generations", args.generations)) if v is not None}
    cfg = _config.load(args.config, args.set, **updates)
    name = _source_name(args.config)
    out = Path(args.out) if args.out else default_out_dir(name, cfg.seed)
    # every place the run will write is checked before the first generation
    check_out_dir(out)
    explicit = args.checkpoint is not None
    checkpoint = Path(args.checkpoint) if explicit else interrupt_checkpoint(out)
    check_writable(checkpoint, "--checkpoint" if explicit else "checkpoint")
    if cfg.modularity.cache:
        check_cache_path(cfg.modularity.cache)
    if not args.quiet and _kernels_not_compiled(cfg):
        print("evomod: compiling numba kernels for this setup (first run after installing; cached for the next "
              "runs)...", file=sys.stderr, flush=True)
    with GracefulStop() as stop:
        result = run(cfg, progress=not args.quiet, checkpoint=checkpoint,
                     checkpoint_every=args.checkpoint_every if explicit else None, stop=stop)
    if result.status == "interrupted":
        return _interrupted(result, stop, checkpoint, explicit)
    write_run(result, out, source=name, plot=True)
    checkpoint.unlink(missing_ok=True)  # the run is complete on disk
    print(summary_text(result, out))
    return 0


def _interrupted(result, stop, checkpoint: Path, explicit: bool) -> int:
    """Nothing goes to --out (so the same command can write it later); the
    state is in the checkpoint, from which the same command resumes."""
    import sys

    done = f"{result.generations_run:,} of {result.config.generations:,} generations"
    if stop.requested and not stop.forced:
        print(f"evomod: interrupted after {done}; the state is saved in {checkpoint}: run the same command "
              "to resume" + ("" if explicit else " (or delete that file to start afresh)"), file=sys.stderr)
    elif checkpoint.exists():
        print(f"evomod: stopped at once after {done}; nothing written; {checkpoint} holds the last checkpoint: "
              "run the same command to resume from it", file=sys.stderr)
    else:
        print(f"evomod: stopped at once after {done}; nothing written", file=sys.stderr)
    return 128 + stop.signal if stop.signal else 130


def _kernels_not_compiled(cfg) -> bool:
    """Whether numba's cache lacks kernels this config runs (a fresh install):
    the first run then spends most of its time compiling. Reads numba's cache
    index; any doubt counts as compiled (no note)."""
    try:
        from evomod.engine.loop import score

        kernels = [score]
        if cfg.representation.name == "nand":
            from evomod.representations.nand.kernels import evaluate
            kernels.append(evaluate)
        elif cfg.representation.name == "layered":
            from evomod.representations.layered.kernels import evaluate
            kernels.append(evaluate)
        if cfg.modularity.every:
            from evomod.modularity.search import bisection_kernel, quick_max_q_kernel
            kernels.append(bisection_kernel if cfg.modularity.method == "bisection" else quick_max_q_kernel)
        return any(not k._cache._cache_file._load_index() for k in kernels)
    except Exception:  # numba's cache layout is not public API
        return False


def _source_name(source: str | None) -> str:
    from evomod.config import DEFAULT_PRESET

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

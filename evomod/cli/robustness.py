"""``evomod robustness``: how broad a saved solution is (evomod.measures.robustness)."""

from __future__ import annotations

from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    r = sub.add_parser("robustness", help="broadness of a saved genome: neutrality, mean mutant performance, "
                       "performance after k random mutations, basin estimate")
    r.add_argument("genome", help="a best.json written by `evomod run`")
    r.add_argument("--json", action="store_true", help="one JSON object with every value")
    r.add_argument("--walks", type=int, default=1000, help="random walks of mutations (default 1000)")
    r.add_argument("--steps", type=int, default=5, help="mutations per walk, k = 1..steps (default 5)")
    r.add_argument("--seed", type=int, default=0, help="seed of the walks (default 0)")
    r.set_defaults(func=command)


def command(args) -> int:
    import json

    from evomod.io.genome_file import read_genome
    from evomod.measures.robustness import BASIN_LEVEL, QUANTILES, goal_table, robustness

    for flag, value, low in (("--walks", args.walks, 1), ("--steps", args.steps, 1), ("--seed", args.seed, 0)):
        if value < low:
            raise ConfigError(f"{flag} {value}: must be >= {low}", flag)
    data = read_genome(Path(args.genome))
    out = robustness(data["rep"], data["genome"], goal_table(data), args.walks, args.steps, args.seed)
    out = {"goal": data["goal"].get("name"), **out}
    if args.json:
        print(json.dumps(_finite(out), allow_nan=False))
        return 0
    print(f"goal {out['goal']}: performance {out['performance']:.4f}; {out['mutations']} single mutations")
    print(f"  neutrality             {out['neutrality']:.4f}  (fraction keeping the performance)")
    print(f"  mean mutant performance {out['mean_mutant']:.4f}  (all loci: {out['mean_mutant_all']:.4f})")
    if out["neutrality_effective"] == out["neutrality_effective"]:
        print(f"  neutrality, effective gates and outputs only: {out['neutrality_effective']:.4f}")
    if out["neutrality_steps"] == out["neutrality_steps"]:
        print(f"  neutrality of weight steps: {out['neutrality_steps']:.4f}")
    qs = "/".join(f"{q:g}" for q in QUANTILES)
    print(f"  after k random mutations ({args.walks} walks): mean, fraction perfect, quantiles {qs}, "
          f"fraction of walks >= {BASIN_LEVEL:.0%} so far")
    for a in out["after"]:
        quant = " ".join(f"{q:.3f}" for q in a["quantiles"])
        print(f"    k={a['k']}: {a['mean']:.4f}  {a['perfect']:.3f}  [{quant}]  {a['basin']:.3f}")
    return 0


def _finite(x):
    """NaN as null, for strict JSON."""
    if isinstance(x, float):
        return x if x == x else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x

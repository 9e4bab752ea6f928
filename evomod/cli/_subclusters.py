"""``evomod modularity --measure ncut|importance|coherence`` (helpers of ``evomod.cli.modularity``)."""

from __future__ import annotations

import json

import numpy as np

from evomod.registry import ConfigError


def _program(data, measure: str):
    rep = data["rep"]
    if not rep.supports("program"):
        raise ConfigError(f"--measure {measure}: representation {type(rep).__name__} offers no program to "
                          "intervene on; use --measure q", "--measure")
    return rep.program(data["genome"], data["inputs"])


def _ncut(program, clusters, seed: int):
    from evomod.modularity import ncut

    try:
        return ncut.spectral_partition(ncut.graph_of(program), k=clusters, seed=seed)
    except ValueError as exc:
        raise ConfigError(f"--clusters: {exc}", "--clusters") from None


def subcluster_measure(args, data, A, names, directed, given_labels) -> int:
    from evomod import modularity as _mod
    from evomod.measures import subclusters as S

    program = _program(data, args.measure)
    if args.clusters is not None and args.clusters < 2:
        raise ConfigError(f"--clusters {args.clusters}: must be >= 2", "--clusters")
    if args.measure == "ncut":
        if args.labels:
            raise ConfigError("--labels goes with --measure info-flow, functional, importance or coherence",
                              "--labels")
        part = _ncut(program, args.clusters, args.seed)
        out = part.as_dict(list(names))
        if args.json:
            print(json.dumps(out))
            return 0
        how = "given by --clusters" if part.chosen_by == "given" else "eigengap"
        print(f"n-cut spectral partition of the undirected |weight| graph: k = {part.k} ({how})")
        print(f"Ncut = {part.ncut:.4f}; quality 1 - Ncut/k = {part.quality:.4f}")
        print("smallest normalised-Laplacian eigenvalues: "
              + " ".join(f"{v:.3f}" for v in part.eigenvalues[: part.k + 2]))
        for c, members in enumerate(out["modules"]):
            print(f"  {c}: {' '.join(members)}")
        return 0
    if args.labels:
        if args.partition:
            raise ConfigError("--labels and --partition: give one partition", "--partition")
        labels, how = given_labels(args, names), "given by --labels"
    elif args.partition == "ncut":
        part = _ncut(program, args.clusters, args.seed)
        labels, how = part.labels, f"n-cut spectral partition, k = {part.k}"
    else:
        labels = _mod.q_only(A, directed, seed=args.seed, method=data["modularity"]["method"]).labels
        how = "best Q"
    n_random = 100 if args.n_random is None else args.n_random
    if n_random < 2:
        raise ConfigError(f"--n-random {n_random}: must be >= 2", "--n-random")
    targets = S.goal_targets(data)
    if args.measure == "importance":
        found = S.importance(program, labels, targets, args.ablation, n_random=n_random, seed=args.seed,
                             unit=args.unit)
        kind = f"performance drop when ablated ({args.ablation})"
    else:
        found = S.coherence(program, labels, targets, args.features, n_random=n_random, seed=args.seed,
                            unit=args.unit)
        kind = f"mean pairwise cosine of the nodes' {args.features} profiles"
    out = found.as_dict()
    out.update(labels=[int(v) for v in labels], names=list(names), partition=how)
    if args.json:
        print(json.dumps(out))
        return 0
    score = "undefined (no testable sub-cluster)" if out["score"] is None else f"{out['score']:.3f}"
    what = ("sub-clusters (a module's nodes in one layer; layer = depth from the inputs) against same-size "
            "sets of their layer" if args.unit == "subcluster" else
            "whole modules against same-size sets of all gates or neurons")
    print(f"{args.measure.capitalize()} of {what}; partition: {how}")
    if args.measure == "importance":
        print(f"intact performance {found.performance:.4f}")
    print(f"{'module':>6} {'layer':>5}  {'value':>7} {'pct':>5} {'sets':>5}  nodes   (value: {kind})")
    for s in out["subclusters"]:
        pct = "  -  " if s["percentile"] is None else f"{s['percentile']:.3f}"
        layer = "all" if s["layer"] < 0 else s["layer"]
        print(f"{s['module']:>6} {layer:>5}  {_num(s['value']):>7} {pct:>5} {s['sets']:>5}  "
              + " ".join(s["nodes"]))
    print(f"score (mean percentile of the {out['tested']} testable sets; 0.5 = like random sets): {score}")
    return 0


def _num(x) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.4f}"

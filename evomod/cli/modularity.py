"""``evomod modularity``: Q, Q_m, information flow, functional checks, the n-cut partition, and the
importance and coherence of a partition's sub-clusters, of a saved genome."""

from __future__ import annotations

from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
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
    m.add_argument("--measure", choices=["q", "info-flow", "functional", "ncut", "importance", "coherence"],
                   default="q", help=(
        "q: Q and Q_m (default); info-flow: bits exchanged between modules by intervention and the "
        "information-flow score; functional: sub-goal coverage, agreement with the task's "
        "decomposition, mutation effects inside vs across modules; ncut: normalised spectral clustering "
        "of the |weight| graph and its n-cut quality; importance, coherence: each sub-cluster (a "
        "module's nodes in one layer) against random same-size sets of its layer, as a percentile"))
    m.add_argument("--modules", type=int, default=2, help="info-flow: modules of the searched partition (default 2)")
    m.add_argument("--labels", metavar="L", help=(
        "info-flow, functional, importance, coherence: use this partition, one module number per node, "
        "comma-separated (default: info-flow searches; the others use the best-Q partition, or --partition)"))
    m.add_argument("--partition", choices=["q", "ncut"], help=(
        "importance, coherence: the best-Q partition (default) or the n-cut spectral partition"))
    m.add_argument("--clusters", type=int, metavar="K", help=(
        "ncut: number of clusters (default: the eigengap over 2..nodes/4)"))
    m.add_argument("--ablation", choices=["constant", "shuffle"], default="constant", help=(
        "importance: fix each node at its most common value (default) or shuffle the set's values across rows"))
    m.add_argument("--features", choices=["input", "output"], default="input", help=(
        "coherence: the nodes' dependence on the inputs (default) or their influence on the outputs"))
    m.add_argument("--unit", choices=["subcluster", "module"], default="subcluster", help=(
        "importance, coherence: sub-clusters against same-size sets of their layer (default), or whole "
        "modules against same-size sets of all gates or neurons"))
    m.set_defaults(func=command)


def command(args) -> int:
    import json

    from evomod import modularity as _mod
    from evomod.engine.tracking import partition_summary
    from evomod.io.genome_file import read_genome

    data = read_genome(Path(args.genome))
    directed = data["modularity"]["directed"] if args.directed is None else args.directed
    n_random = data["modularity"]["n_random"] if args.n_random is None else args.n_random
    if n_random < 1:
        raise ConfigError(f"--n-random {n_random}: must be >= 1", "--n-random")
    A, names = data["rep"].to_graph(data["genome"], data["inputs"], directed)
    if args.partition and args.measure not in ("importance", "coherence"):
        raise ConfigError("--partition goes with --measure importance or coherence", "--partition")
    if args.clusters is not None and (args.measure not in ("ncut", "importance", "coherence")
                                      or (args.measure != "ncut" and args.partition != "ncut")):
        raise ConfigError("--clusters goes with --measure ncut or --partition ncut", "--clusters")
    if args.measure in ("ncut", "importance", "coherence"):
        from evomod.cli._subclusters import subcluster_measure

        return subcluster_measure(args, data, A, names, directed, _given_labels)
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
    from evomod.measures.infoflow import PartitionError, check_labels

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
    """``--measure info-flow`` and ``--measure functional`` (``evomod.measures.infoflow``, ``.functional``)."""
    import json

    from evomod import modularity as _mod
    from evomod.measures import infoflow

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
    if not rep.supports("program"):
        raise ConfigError(f"--measure {args.measure}: representation {type(rep).__name__} offers no program "
                          "to intervene on; use --measure q", "--measure")
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

    from evomod.measures.functional import check

    rep = data["rep"]
    if not (rep.supports("program") and rep.supports("mutation_effects")) or not data["goal"].get("expressions"):
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

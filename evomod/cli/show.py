"""``evomod show``: print a saved genome (gates or connections, truth table); draw it with its modules."""

from __future__ import annotations

from pathlib import Path

from evomod.registry import ConfigError


def add_parser(sub) -> None:
    s = sub.add_parser("show", help="print a saved genome (gates or connections, truth table); draw a network")
    s.add_argument("genome", help="a best.json written by `evomod run`")
    s.add_argument("--draw", metavar="FILE", help=(
        "draw the circuit or network with its modules into FILE (.png, .svg or .pdf); nothing is written "
        "without it"))
    s.set_defaults(func=command)


def command(args) -> int:
    from evomod.io.genome_file import read_genome
    from evomod.problems import goals as _goals

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
    elif data["goal"]["name"]:  # said, not silently dropped
        print(f"\ngoal {data['goal']['name']!r} is not an expression over the inputs (a goal the schedule "
              "drew, named by its functions): the rows are not compared with it")
    if args.draw and not rep.supports("drawing"):
        raise ConfigError(f"--draw: representation {data['config'].representation.name} offers no drawing",
                          "--draw")
    if args.draw:
        _check_draw_path(Path(args.draw))
    if args.draw or rep.supports("left_right_split"):  # networks: their modules and split, always printed
        _show_drawing(args, data, rep)
    return 0


def _goal_tables(data: dict):
    """The saved goal as ``uint64 (K, W)``, or None when it cannot be rebuilt."""
    import numpy as np

    from evomod.problems import goals as _goals
    from evomod.problems.tasks import build

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


def _check_draw_path(path: Path) -> None:
    """The --draw file: a known figure format, in a place that can be written."""
    from evomod.io.files import check_writable

    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ConfigError(f"--draw {path}: the file must end in .png, .svg or .pdf", "--draw")
    check_writable(path, "--draw")


def _show_drawing(args, data, rep) -> None:
    """Draw the circuit or network with its best partition; for a network, say
    whether the best 2-way split separates the left inputs from the right ones."""
    from evomod import modularity as _mod
    from evomod.analysis.plots import draw_network

    directed = data["modularity"]["directed"]
    A, names = rep.to_graph(data["genome"], data["inputs"], directed)
    found = _mod.q_only(A, directed, seed=0, method=data["modularity"]["method"])
    q, labels = found.q, found.labels
    if args.draw:
        path = Path(args.draw)
        draw_network(rep, data["genome"], labels, path,
                     title=f"Q = {q:.3f} ({'directed' if directed else 'undirected'})", inputs=data["inputs"])
        print(f"\nQ = {q:.4f}, {labels.max() + 1} modules; drawing: {path}")
    else:
        print(f"\nQ = {q:.4f}, {labels.max() + 1} modules (draw them with --draw FILE.png)")
    if not rep.supports("left_right_split"):
        return
    split = rep.left_right_split(data["genome"], directed)
    print(f"best 2-way split (Q = {split['q']:.4f}): "
          + ("separates the left inputs from the right inputs" if split["separates"]
             else f"does not separate left from right inputs ({split['detail']})"))

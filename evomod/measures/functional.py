"""Are a partition's modules functional? Three checks on one circuit.

* **Sub-goal coverage**: the goal expression's proper sub-expressions
  (``x ^ y`` and ``z ^ w`` in ``(x ^ y) & (z ^ w)``) are its sub-goals; one is
  covered when some gate's truth table equals it or its complement (one NAND
  away, the same information).
* **Agreement with the task's decomposition**: the goal's top-level
  sub-goals group the inputs (inputs sharing a sub-goal are one group); a
  node belongs to the group holding every input it depends on, or to a
  "combining" group when it depends on several. The partition is compared
  with those labels by normalised mutual information and the adjusted Rand
  index (scikit-learn).
* **Mutation effects** (Parter, Kashtan & Alon 2008): every single-locus
  change of every effective gate's wiring, and the mean fraction of truth-
  table rows it changes at the other gates of the mutated gate's module
  ("inside") and at the gates of the other modules ("across").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evomod.problems import goals as _goals
from evomod.representations.nand import kernels as _circ


@dataclass(frozen=True)
class SubGoal:
    text: str
    table: np.ndarray  # uint64 (W,)
    inputs: frozenset  # the input names it reads
    top: bool  # not inside another sub-goal


class _Recorder(_goals._Parser):
    """The goal parser, noting the table of every sub-expression of more than one token."""

    def __init__(self, expr, names):
        super().__init__(expr, names)
        self.parts = []

    def _noted(self, method, *args):
        first = self.i
        value = method(*args)
        if self.i - first > 1:
            start, last = self.tokens[first].pos, self.tokens[self.i - 1]
            self.parts.append((start, last.pos + len(last.text), value))
        return value

    def ternary(self):
        return self._noted(super().ternary)

    def binary(self, min_prec):
        return self._noted(super().binary, min_prec)

    def unary(self):
        return self._noted(super().unary)


def subgoals(expr: str, inputs) -> list[SubGoal]:
    """The sub-goals of one goal expression: its proper, non-trivial sub-expressions.

    Every sub-expression of more than one token counts once per truth table
    (a table and its complement are one sub-goal: one NAND apart; the outer
    occurrence is kept). The whole goal, its complement, the constants and
    the inputs are not sub-goals. Top-level sub-goals (inside no other
    sub-goal) come first, each group left to right.

    Parameters
    ----------
    expr : str
        A goal expression over ``inputs`` (``evomod.problems.goals`` syntax).
    inputs : sequence of str
        The input names, in truth-table order.

    Returns
    -------
    list of SubGoal
        ``text`` (outer parentheses removed), ``table`` (uint64 bit-parallel
        truth table), ``inputs`` (the names it reads) and ``top``.

    Raises
    ------
    GoalError
        If ``inputs`` or ``expr`` is malformed.

    References
    ----------
    Kashtan & Alon (2005), PNAS 102:13773: the modular goals are built from
    sub-goals such as the two XORs of ``(x ^ y) & (z ^ w)``.

    Examples
    --------
    >>> [(g.text, sorted(g.inputs), g.top) for g in subgoals("((x ^ y) & z) | ~z", ["x", "y", "z"])]
    [('(x ^ y) & z', ['x', 'y', 'z'], True), ('x ^ y', ['x', 'y'], False)]
    >>> subgoals("x & y", ["x", "y"])
    []
    """
    names = _goals.check_inputs(inputs)
    rec = _Recorder(expr, names)
    whole = rec.parse()
    mask = _goals.row_mask(len(names))
    seen = [whole, ~whole & mask, np.zeros_like(mask), mask]
    seen += [c for c in rec.columns.values()] + [~c & mask for c in rec.columns.values()]
    spans = sorted({(s, e) for s, e, _ in rec.parts}, key=lambda se: (se[0], -se[1]))
    table_of = {(s, e): t for s, e, t in rec.parts}
    out = []
    proper = [(s, e) for s, e in spans if (s, e) != (0, len(expr.rstrip())) and
              expr[s:e].strip() != expr.strip()]
    for s, e in sorted(proper, key=lambda se: se[0] - se[1]):
        table = table_of[(s, e)]
        if any(np.array_equal(table, t) for t in seen):
            continue
        seen += [table, ~table & mask]
        text = _unwrap(expr[s:e].strip())
        used = frozenset(n for n in names if any(tok.text == n for tok in _goals._tokenize(text)))
        top = not any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for s2, e2 in proper)
        out.append((not top, s, SubGoal(text, table, used, top)))
    return [goal for *_, goal in sorted(out, key=lambda item: item[:2])]


def _unwrap(text: str) -> str:
    """``(x ^ y)`` -> ``x ^ y`` when the parentheses enclose the whole text."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def goal_subgoals(expressions, inputs) -> list[SubGoal]:
    """The sub-goals of a goal given as one expression per output, each truth table once.

    Parameters
    ----------
    expressions : str or sequence of str
        One expression per output (a single string is one output).
    inputs : sequence of str
        The input names.

    Returns
    -------
    list of SubGoal
        :func:`subgoals` of each expression in turn, dropping a sub-goal
        whose table an earlier one already has.

    Examples
    --------
    Both outputs contain ``x ^ y``; it is listed once:

    >>> [g.text for g in goal_subgoals(["(x ^ y) & z", "(x ^ y) | z"], ["x", "y", "z"])]
    ['x ^ y']
    """
    goals: list[SubGoal] = []
    for expr in [expressions] if isinstance(expressions, str) else expressions:
        goals += [g for g in subgoals(expr, inputs) if not any(np.array_equal(g.table, h.table) for h in goals)]
    return goals


def coverage(program, goals: list[SubGoal], labels=None) -> dict:
    """Which sub-goals some gate or neuron computes (up to complement), and in which module.

    A sub-goal is covered when the value of some non-input node over the
    input rows equals its truth table or the table's complement.

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome (every input row).
    goals : list of SubGoal
        From :func:`goal_subgoals`.
    labels : array_like of int, optional
        Module of each node; without it ``modules`` are empty.

    Returns
    -------
    dict
        ``coverage``: covered / ``len(goals)`` (None when there are no
        sub-goals); ``subgoals``: per sub-goal its ``subgoal`` text, the
        ``nodes`` (names) computing it and their ``modules``.

    Examples
    --------
    The circuit below computes ``(x ^ y) & z``: gates g0-g3 are the four-NAND
    XOR of x and y, g4 = NAND(g3, z) and g5 = NOT g4.

    >>> import numpy as np
    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> genome = np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8])  # XOR(x, y) in g0-g3, AND z in g4-g5
    >>> names = rep.to_graph(genome, ["x", "y", "z"])[1]
    >>> names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> labels = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1]  # {x, y, XOR gates}, {z, AND gates, output}
    >>> program = rep.program(genome, ["x", "y", "z"])
    >>> coverage(program, goal_subgoals("(x ^ y) & z", ["x", "y", "z"]), np.array(labels))
    {'coverage': 1.0, 'subgoals': [{'subgoal': 'x ^ y', 'nodes': ['g3'], 'modules': [0]}]}
    """
    vals = program.values() > 0
    n_rows = program.n_rows
    computed = [v for v in range(program.n_nodes) if program.kind[v] != 0]
    found = []
    for goal in goals:
        want = _goals.unpack(goal.table, int(np.log2(n_rows)))
        nodes = [program.names[v] for v in computed
                 if np.array_equal(vals[:, v], want) or np.array_equal(vals[:, v], ~want)]
        modules = sorted({int(labels[program.names.index(n)]) for n in nodes}) if labels is not None else []
        found.append({"subgoal": goal.text, "nodes": nodes, "modules": modules})
    covered = sum(bool(f["nodes"]) for f in found)
    return {"coverage": covered / len(goals) if goals else None, "subgoals": found}


def task_labels(program, goals: list[SubGoal], inputs) -> np.ndarray:
    """The task's own partition of the program's nodes (see the module docstring).

    The top-level sub-goals group the inputs (inputs read by one sub-goal
    are one group; groups sharing an input merge). A node gets the group
    holding every input it depends on, ``len(groups)`` ("combining") when it
    depends on several groups, and ``len(groups) + 1`` when it depends only
    on inputs in no group (such inputs, too, get that label).

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome.
    goals : list of SubGoal
        From :func:`goal_subgoals`; only the ``top`` ones are used.
    inputs : list of str
        The input names (the program's first nodes).

    Returns
    -------
    numpy.ndarray
        int64 (n_nodes,): the label of each node.

    Examples
    --------
    The circuit below computes ``(x ^ y) & z``: gates g0-g3 are the four-NAND
    XOR of x and y, g4 = NAND(g3, z) and g5 = NOT g4.

    With the single group {x, y}, the XOR gates get 0, z (in no group) gets
    2, and the gates reading both the XOR and z combine (1):

    >>> import numpy as np
    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> genome = np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8])  # XOR(x, y) in g0-g3, AND z in g4-g5
    >>> names = rep.to_graph(genome, ["x", "y", "z"])[1]
    >>> names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> labels = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1]  # {x, y, XOR gates}, {z, AND gates, output}
    >>> program = rep.program(genome, ["x", "y", "z"])
    >>> task_labels(program, goal_subgoals("(x ^ y) & z", ["x", "y", "z"]), ["x", "y", "z"]).tolist()
    [0, 0, 2, 0, 0, 0, 0, 1, 1, 1]
    """
    groups: list[set] = []
    for goal in goals:
        if goal.top:
            joined = [g for g in groups if g & goal.inputs]
            merged = set(goal.inputs).union(*joined)
            groups = [g for g in groups if not g & goal.inputs] + [merged]
    return group_labels(program, groups, inputs)


def group_labels(program, groups: list[set], inputs) -> np.ndarray:
    """Label of each node given groups of input names: the group holding every
    input the node depends on, else "combining" (``len(groups)``); inputs in no
    group (and nodes reading only them) get ``len(groups) + 1``. For the
    retina, ``groups`` = the left and the right pixels.

    Parameters
    ----------
    program : Program
    groups : list of set of str
    inputs : sequence of str
        The input names, in node order.

    Returns
    -------
    ndarray of int64 (n,)

    Examples
    --------
    >>> from evomod.config import load, representation_of
    >>> rep = representation_of(load("ka2005-logic-g1"))
    >>> genome = [0, 1, 2, 3, 4, 5] + [0, 0] * 9 + [6]     # g0 = NAND(x, y), g1 = NAND(z, w), g2 = NAND(g0, g1)
    >>> program = rep.program(genome, ["x", "y", "z", "w"])
    >>> group_labels(program, [{"x", "y"}, {"z", "w"}], ["x", "y", "z", "w"]).tolist()
    [0, 0, 1, 1, 0, 1, 2, 2]
    """
    group_of = {name: k for k, g in enumerate(groups) for name in g}
    combine, unused = len(groups), len(groups) + 1
    import networkx as nx

    wired = nx.DiGraph(zip(*program.wires()))
    wired.add_nodes_from(range(program.n_nodes))
    labels = np.empty(program.n_nodes, dtype=np.int64)
    for v in range(program.n_nodes):
        reads = {inputs[a] for a in nx.ancestors(wired, v) | {v} if a < len(inputs)}
        ks = {group_of.get(name, unused) for name in reads}
        labels[v] = ks.pop() if len(ks) == 1 else combine
    return labels


def agreement(labels, reference) -> dict:
    """Normalised mutual information and adjusted Rand index of two labelings of the same nodes.

    Both are 1 for the same partition under any renaming of the modules;
    ARI is about 0 for unrelated labelings and can be negative.

    Parameters
    ----------
    labels, reference : array_like of int
        Module of each node in the two partitions (same length).

    Returns
    -------
    dict
        ``nmi`` (scikit-learn ``normalized_mutual_info_score``, arithmetic
        mean normalisation) and ``ari`` (``adjusted_rand_score``), floats.

    References
    ----------
    Hubert & Arabie (1985), Journal of Classification 2:193 (ARI);
    Strehl & Ghosh (2002), JMLR 3:583 (NMI).

    Examples
    --------
    Two pairs split across each other (a textbook case: ARI = -1/2, NMI = 0):

    >>> agreement([0, 1, 0, 1], [0, 0, 1, 1])
    {'nmi': 0.0, 'ari': -0.5}
    >>> agreement([2, 2, 0, 0], [0, 0, 1, 1])
    {'nmi': 1.0, 'ari': 1.0}
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(reference, labels)),
            "ari": float(adjusted_rand_score(reference, labels))}


def mutation_effects(genome, spec: _circ.CircuitSpec, names, labels) -> dict:
    """Mean fraction of truth-table rows changed inside vs across the mutated gate's module.

    Every single-locus rewiring of every gate among ``names`` (the effective
    gates of ``to_graph``): each of the gate's two input loci set to every
    other allowed address. For each mutant, the fraction of rows whose value
    changes is averaged over the other gates of the mutated gate's module
    ("inside") and over the gates of the other modules ("across"); those
    means are averaged over the mutants that have such gates. Output loci
    are not mutated; the mutated gate itself counts on neither side.

    Parameters
    ----------
    genome : array_like of int
        A NAND circuit genome.
    spec : CircuitSpec
        Its shape.
    names : list of str
        Node names of ``to_graph`` (inputs, effective gates ``g<k>``, outputs).
    labels : array_like of int
        Module of each node of ``names``.

    Returns
    -------
    dict
        ``inside`` and ``across`` (None when there is no mutant or fewer
        than two gates, or no mutant has gates on that side) and
        ``mutations``, the number of mutants.

    References
    ----------
    Parter, Kashtan & Alon (2008), PLoS Comput Biol 4:e1000206: in modular
    circuits a mutation's effect stays mostly inside its module.

    Examples
    --------
    The circuit below computes ``(x ^ y) & z``: gates g0-g3 are the four-NAND
    XOR of x and y, g4 = NAND(g3, z) and g5 = NOT g4.

    In a feed-forward circuit gate k's inputs take 3 + k addresses, so the
    six gates have 2 * (2 + 3 + ... + 7) = 54 single-locus mutants:

    >>> import numpy as np
    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> genome = np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8])  # XOR(x, y) in g0-g3, AND z in g4-g5
    >>> names = rep.to_graph(genome, ["x", "y", "z"])[1]
    >>> names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> labels = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1]  # {x, y, XOR gates}, {z, AND gates, output}
    >>> out = mutation_effects(genome, rep.spec, names, labels)
    >>> out["mutations"], round(out["inside"], 4), round(out["across"], 4)
    (54, 0.0965, 0.0787)
    """
    genome = np.asarray(genome, dtype=_circ.GENOME_DTYPE)
    gates = [int(n[1:]) for n in names[spec.n_inputs:len(names) - spec.n_outputs]]
    module = dict(zip(gates, np.asarray(labels)[spec.n_inputs:len(names) - spec.n_outputs].tolist()))
    high = spec.locus_high()
    mutants = []
    for g in gates:
        for locus in (2 * g, 2 * g + 1):
            for a in range(int(high[locus])):
                if a != genome[locus]:
                    m = genome.copy()
                    m[locus] = a
                    mutants.append((g, m))
    if not mutants or len(gates) < 2:
        return {"inside": None, "across": None, "mutations": len(mutants)}
    tables = _gate_tables(np.stack([genome] + [m for _, m in mutants]), spec, gates)
    diff = np.ascontiguousarray(tables[1:] ^ tables[:1])  # (mutants, gates, words)
    changed = np.unpackbits(diff.view(np.uint8), axis=-1).sum(axis=-1) / spec.n_rows
    mutated = np.array([gates.index(g) for g, _ in mutants])
    mod = np.array([module[h] for h in gates])
    same = mod[None, :] == mod[mutated][:, None]
    other = ~same
    same[np.arange(len(mutants)), mutated] = False  # the mutated gate itself counts on neither side
    inside, across = _mean_of_row_means(changed, same), _mean_of_row_means(changed, other)
    return {"inside": inside, "across": across, "mutations": len(mutants)}


def _mean_of_row_means(values: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean over the rows with any ``mask`` of each row's mean over ``mask``."""
    counts = mask.sum(axis=1)
    ok = counts > 0
    return float(((values * mask).sum(axis=1)[ok] / counts[ok]).mean()) if ok.any() else None


def _gate_tables(genomes: np.ndarray, spec: _circ.CircuitSpec, gates: list[int]) -> np.ndarray:
    """uint64 (S, len(gates), W): the tables of ``gates`` in each genome (rows
    that do not settle are 0), read as a circuit with one output per gate."""
    n, g = spec.n_inputs, spec.n_gates
    size = len(genomes)
    wide = np.concatenate([genomes[:, : 2 * g], np.tile(np.array(gates) + n, (size, 1))],
                          axis=1).astype(_circ.GENOME_DTYPE)
    out = np.zeros((size, len(gates), spec.n_words), dtype=np.uint64)
    settled = np.zeros((size, spec.n_words), dtype=np.uint64)
    circuits = _circ.CircuitArrays(n, g, len(gates), spec.settle_steps, _goals.input_tables(n),
                                   _goals.row_mask(n))
    _circ.evaluate(wide, circuits, np.ones(size, np.bool_), out, settled, np.zeros(size, np.int64),
                   np.zeros(size, np.uint64))
    return out & settled[:, None, :]


def check(genome, rep, inputs, expressions, labels) -> dict:
    """All three checks for one partition of a NAND circuit: sub-goal coverage, agreement, mutation effects.

    Parameters
    ----------
    genome : array_like of int
        The genome.
    rep : Representation
        One offering ``program`` and ``mutation_effects`` (NAND circuits).
    inputs : sequence of str
        The input names.
    expressions : str or sequence of str
        The goal, one expression per output.
    labels : array_like of int
        Module of each node of ``rep.to_graph(genome, inputs)``.

    Returns
    -------
    dict
        The keys of :func:`coverage`, ``task_labels`` (list, see
        :func:`task_labels`), ``nmi`` and ``ari`` of ``labels`` against them
        (:func:`agreement`), and ``mutation`` (:func:`mutation_effects`).

    References
    ----------
    Kashtan & Alon (2005), PNAS 102:13773; Parter, Kashtan & Alon (2008),
    PLoS Comput Biol 4:e1000206.

    Examples
    --------
    The circuit below computes ``(x ^ y) & z``: gates g0-g3 are the four-NAND
    XOR of x and y, g4 = NAND(g3, z) and g5 = NOT g4.

    >>> import numpy as np
    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> genome = np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8])  # XOR(x, y) in g0-g3, AND z in g4-g5
    >>> names = rep.to_graph(genome, ["x", "y", "z"])[1]
    >>> names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> labels = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1]  # {x, y, XOR gates}, {z, AND gates, output}
    >>> out = check(genome, rep, ["x", "y", "z"], "(x ^ y) & z", labels)
    >>> out["coverage"], out["task_labels"], round(out["ari"], 4), out["mutation"]["mutations"]
    (1.0, [0, 0, 2, 0, 0, 0, 0, 1, 1, 1], 0.8649, 54)
    """
    A, names = rep.to_graph(genome, inputs)
    program = rep.program(genome, inputs)
    goals = goal_subgoals(expressions, inputs)
    out = coverage(program, goals, labels)
    out["task_labels"] = task_labels(program, goals, list(inputs)).tolist()
    out.update(agreement(labels, out["task_labels"]))
    out["mutation"] = rep.mutation_effects(genome, names, labels)
    return out

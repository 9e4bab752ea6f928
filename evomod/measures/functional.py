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
    """The proper, non-trivial sub-expressions of ``expr``, one per truth table
    (a table and its complement count once; the outer one is kept): the
    top-level ones first, each group left to right."""
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
    """Sub-goals of a goal of one expression per output, each table once."""
    goals: list[SubGoal] = []
    for expr in [expressions] if isinstance(expressions, str) else expressions:
        goals += [g for g in subgoals(expr, inputs) if not any(np.array_equal(g.table, h.table) for h in goals)]
    return goals


def coverage(program, goals: list[SubGoal], labels=None) -> dict:
    """Which sub-goals some gate or neuron computes (up to complement), and in which module."""
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
    """The task's own partition of the program's nodes (see the module docstring):
    one label per input group, one for nodes combining groups, one for unused inputs."""
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
    retina, ``groups`` = the left and the right pixels."""
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
    """NMI and adjusted Rand index of two labelings of the same nodes."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(reference, labels)),
            "ari": float(adjusted_rand_score(reference, labels))}


def mutation_effects(genome, spec: _circ.CircuitSpec, names, labels) -> dict:
    """Mean fraction of rows changed at gates inside vs across the mutated gate's
    module, over every single-locus rewiring of every effective gate."""
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
    """All three checks for one partition of a genome's ``to_graph`` nodes
    (a representation offering ``program`` and ``mutation_effects``: NAND
    circuits); ``expressions`` is the goal, one expression per output."""
    A, names = rep.to_graph(genome, inputs)
    program = rep.program(genome, inputs)
    goals = goal_subgoals(expressions, inputs)
    out = coverage(program, goals, labels)
    out["task_labels"] = task_labels(program, goals, list(inputs)).tolist()
    out.update(agreement(labels, out["task_labels"]))
    out["mutation"] = rep.mutation_effects(genome, names, labels)
    return out

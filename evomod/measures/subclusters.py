"""Importance and coherence of a partition's sub-clusters (seed note 004), for circuits and networks.

A *sub-cluster* is the set of a module's nodes in one layer. Its measures
are compared with random node sets of the same size from the same layer,
and reported as a percentile; a partition's score is the mean percentile of
its testable sub-clusters (0.5 when they are no different from random sets).

Adapted to evolved circuits and threshold networks
---------------------------------------------------
* **Layer**: depth from the inputs, the longest path from an input (inputs
  0; a feedback cycle's gates share the depth of their strongly connected
  component, longest path over the condensation). For a layered network
  with connections between adjacent layers only this is the layer index.
* **Nodes measured**: gates and hidden or output neurons, not inputs and not
  the outputs themselves (the last ``n_outputs`` nodes of the program: a
  circuit's output copies, a network's output neurons): ablating an output
  is not a module's effect.
* **Testable**: a sub-cluster smaller than its layer's measured nodes (at
  least two different sets to compare); for coherence also at least two
  nodes. All same-size sets of the layer are used when there are at most
  ``n_random``, else ``n_random`` random ones.
* **Percentile** ``(#{random < x} + #{random = x} / 2) / #random``: ties
  count half, so a sub-cluster indistinguishable from its layer scores 0.5.
* **Whole modules** (``unit="module"``, not in the paper): evolved circuits
  have one to three gates per layer, so most sub-clusters are single gates
  or whole layers and the layer-matched comparison has little to rank. A
  module's measured nodes, all layers together, compared with same-size
  sets of all measured nodes, asks the question at the scale of a module.

Importance (the paper's lesion test). Ablate the set: cut every wire leaving
its nodes and feed the readers either a *constant*, each node's most common
value over the input rows (the paper set activations to zero; a boolean
node's most common value is the constant that destroys least by itself), or
the node values of another row, the set's joint values *shuffled* across
rows by one permutation (mean over ``n_shuffles`` permutations, the same for
every set compared). Importance is the performance drop: the fraction of
(row, output) pairs right before minus after, against the goal's table.

Coherence (how consistently the nodes relate to input and output features).
The paper used feature visualisation for inputs and per-class lesion damage
for outputs; with 2^N boolean input rows both have exact analogues:

* ``input``: node v's *dependence profile* ``d_v[j]``, the fraction of rows on
  which flipping input j flips v (Boolean influence);
* ``output``: node v's *output profile* ``o_v[k, c]``, the fraction of the rows
  whose target for output k is c on which do(v := not v) flips output k;

and the set's coherence is the mean pairwise cosine similarity of its nodes'
profiles (a node with an all-zero profile, a constant gate, has similarity
0 with every node).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from numba import njit

from evomod.representations.program import COPY, INPUT, SIGN, Program, evaluate_row

ABLATIONS = ("constant", "shuffle")
COHERENCE = ("input", "output")
UNITS = ("subcluster", "module")


@dataclass(frozen=True)
class SubCluster:
    module: int
    layer: int
    nodes: tuple  # node indices
    value: float  # drop in performance (importance) or coherence
    percentile: float  # NaN when not testable
    n_sets: int  # sets compared (including itself when all were enumerated)
    exact: bool  # every same-size set of the layer compared


@dataclass(frozen=True)
class Scores:
    """Sub-cluster scores of one partition."""

    measure: str  # "importance" or "coherence"
    kind: str  # ablation or coherence kind
    subclusters: list
    performance: float  # of the intact program (importance); NaN for coherence
    names: list = field(default_factory=list)
    unit: str = "subcluster"

    @property
    def tested(self) -> list:
        return [s for s in self.subclusters if math.isfinite(s.percentile)]

    @property
    def score(self) -> float:
        """Mean percentile of the testable sub-clusters; NaN when none is testable."""
        tested = self.tested
        return float(np.mean([s.percentile for s in tested])) if tested else math.nan

    def as_dict(self) -> dict:
        def num(x):
            return None if not math.isfinite(x) else round(float(x), 6)

        return {"measure": self.measure, "kind": self.kind, "unit": self.unit, "score": num(self.score),
                "tested": len(self.tested),
                "performance": num(self.performance),
                "subclusters": [{"module": s.module, "layer": s.layer, "nodes": [self.names[v] for v in s.nodes],
                                 "value": num(s.value), "percentile": num(s.percentile), "sets": s.n_sets,
                                 "exact": s.exact} for s in self.subclusters]}


# --- structure ----------------------------------------------------------------

def depths(program: Program) -> np.ndarray:
    """Depth of every node: its longest path from an input.

    Computed over the condensation (strongly connected components), so the
    gates of a feedback cycle share their component's depth; inputs (and
    any node no wire reaches) have depth 0.

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome.

    Returns
    -------
    numpy.ndarray
        int64 (n_nodes,).

    Examples
    --------
    The circuit computes ``(x ^ y) & z``: g0-g3 are the four-NAND XOR of x
    and y, g4 = NAND(g3, z), g5 = NOT g4:

    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> program = rep.program(np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8]), ["x", "y", "z"])
    >>> program.names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> depths(program).tolist()
    [0, 0, 0, 1, 2, 2, 3, 4, 5, 6]
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(program.n_nodes))
    g.add_edges_from(zip(*(a.tolist() for a in program.wires())))
    cond = nx.condensation(g)
    depth = {}
    for c in nx.topological_sort(cond):
        preds = list(cond.predecessors(c))
        depth[c] = 1 + max(depth[p] for p in preds) if preds else 0
    member = cond.graph["mapping"]
    return np.array([depth[member[v]] for v in range(program.n_nodes)], dtype=np.int64)


def measured(program: Program, n_outputs: int) -> np.ndarray:
    """bool (n,): the nodes sub-clusters are made of (gates and hidden neurons on a wire).

    Parameters
    ----------
    program : Program
    n_outputs : int
        The last ``n_outputs`` nodes (the outputs) are left out.
    """
    mask = (program.kind != INPUT) & (program.kind != COPY) & program.connected()
    mask[program.n_nodes - n_outputs:] = False
    return mask


def subclusters(program: Program, labels, n_outputs: int) -> list[tuple[int, int, tuple]]:
    """``(module, layer, nodes)`` of every non-empty sub-cluster, by module then layer.

    A sub-cluster is the part of a module in one layer (depth from the
    inputs): seed note 004's unit of importance and coherence.

    Parameters
    ----------
    program : Program
    labels : array_like of int (n,)
        A partition of the program's nodes into modules.
    n_outputs : int
    """
    labels = np.asarray(labels, dtype=np.int64)
    depth, mask = depths(program), measured(program, n_outputs)
    groups: dict[tuple, list] = {}
    for v in np.flatnonzero(mask):
        groups.setdefault((int(labels[v]), int(depth[v])), []).append(int(v))
    return [(m, d, tuple(nodes)) for (m, d), nodes in sorted(groups.items())]


def units(program: Program, labels, n_outputs: int, unit: str = "subcluster") -> list[tuple[int, int, tuple, list]]:
    """The node sets measured, ``(module, layer, nodes, pool)``, and the pool their comparison sets come from.

    ``unit="subcluster"``: each sub-cluster (a module's measured nodes in
    one layer, see :func:`depths`), compared with sets drawn from its own
    layer's measured nodes (seed note 004). ``unit="module"``: each
    module's measured nodes (layer -1), compared with sets drawn from every
    measured node. Measured nodes are gates and hidden neurons on a wire,
    not inputs and not the last ``n_outputs`` nodes.

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome.
    labels : array_like of int (n_nodes,)
        Module of each node.
    n_outputs : int
        How many of the last nodes are outputs.
    unit : {"subcluster", "module"}

    Returns
    -------
    list of tuple
        ``(module, layer, nodes, pool)``, by module then layer; ``nodes``
        a tuple and ``pool`` a list of node indices.

    Raises
    ------
    ValueError
        If ``unit`` is not one of ``UNITS``.

    Examples
    --------
    The circuit computes ``(x ^ y) & z``: g0-g3 are the four-NAND XOR of x
    and y, g4 = NAND(g3, z), g5 = NOT g4:

    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> program = rep.program(np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8]), ["x", "y", "z"])
    >>> program.names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']
    >>> labels = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1]
    >>> units(program, labels, 1)[:2]
    [(0, 1, (3,), [3]), (0, 2, (4, 5), [4, 5])]
    >>> units(program, labels, 1, unit="module")
    [(0, -1, (3, 4, 5, 6), [3, 4, 5, 6, 7, 8]), (1, -1, (7, 8), [3, 4, 5, 6, 7, 8])]
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r}: allowed {', '.join(UNITS)}")
    depth, mask = depths(program), measured(program, n_outputs)
    if unit == "subcluster":
        return [(m, d, nodes, [int(v) for v in np.flatnonzero(mask & (depth == d))])
                for m, d, nodes in subclusters(program, labels, n_outputs)]
    labels = np.asarray(labels, dtype=np.int64)
    pool = [int(v) for v in np.flatnonzero(mask)]
    return [(int(m), -1, tuple(v for v in pool if labels[v] == m), pool) for m in np.unique(labels[pool])]


def _comparison_sets(pool: list, size: int, n_random: int, rng) -> tuple[list, bool]:
    """Every ``size``-subset of ``pool`` when there are at most ``n_random``, else ``n_random`` random ones."""
    if math.comb(len(pool), size) <= n_random:
        return [tuple(c) for c in combinations(pool, size)], True
    return [tuple(sorted(rng.choice(pool, size, replace=False).tolist())) for _ in range(n_random)], False


def percentile(value: float, others) -> float:
    """Percentile of ``value`` among ``others``, ties counting half.

    ``(#{others < value} + #{others = value} / 2) / #others``, with
    equality within 1e-12; a value indistinguishable from all others scores
    0.5.

    Parameters
    ----------
    value : float
    others : array_like of float
        The values compared with (not empty).

    Returns
    -------
    float
        In [0, 1].

    References
    ----------
    Seed note 004: a sub-cluster's measure ranked among same-size random sets.

    Examples
    --------
    >>> percentile(2.0, [1, 2, 3, 4])   # (1 + 1/2) / 4
    0.375
    >>> percentile(5.0, [1, 2, 3, 4]), percentile(1.0, [1, 1])
    (1.0, 0.5)
    """
    others = np.asarray(others, dtype=np.float64)
    less = np.count_nonzero(others < value - 1e-12)
    equal = np.count_nonzero(np.abs(others - value) <= 1e-12)
    return float((less + 0.5 * equal) / others.size)


# --- kernels ----------------------------------------------------------------

@njit(cache=True)
def _performance(kind, column, src_start, src, weight, bias, order, steps, rows, masks, fill, perms, base,
                 targets, out):
    """``out[s]``: fraction of (row, output) pairs right with the nodes of ``masks[s]`` ablated.

    Their out-wires are cut; on row r the readers get ``fill[v]`` (perms
    empty) or, averaged over the permutations p, ``base[perms[p, r], v]``.
    """
    n = kind.shape[0]
    n_rows, n_out = targets.shape
    cut = np.zeros(src.shape[0], dtype=np.bool_)
    forced = np.zeros(n, dtype=np.int8)
    vals = np.empty(n, dtype=np.int8)
    scratch = np.empty(n, dtype=np.int8)
    reader_count = n_rows * n_out
    passes = max(1, perms.shape[0])
    for s in range(masks.shape[0]):
        for e in range(src.shape[0]):
            cut[e] = masks[s, src[e]]
        right = 0
        for p in range(passes):
            for r in range(n_rows):
                for v in range(n):
                    if masks[s, v]:
                        forced[v] = fill[v] if perms.shape[0] == 0 else base[perms[p, r], v]
                evaluate_row(kind, column, src_start, src, weight, bias, order, steps, rows[r], cut, forced, vals,
                             scratch)
                for k in range(n_out):
                    right += (vals[n - n_out + k] > 0) == targets[r, k]
        out[s] = right / (reader_count * passes)


@njit(cache=True)
def _output_profiles(kind, column, src_start, src, weight, bias, order, steps, rows, nodes, base, targets, out):
    """``out[i, k, c]``: fraction of rows with target c on output k where flipping node ``nodes[i]`` flips output k."""
    n = kind.shape[0]
    n_rows, n_out = targets.shape
    cut = np.zeros(src.shape[0], dtype=np.bool_)
    forced = np.zeros(n, dtype=np.int8)
    vals = np.empty(n, dtype=np.int8)
    scratch = np.empty(n, dtype=np.int8)
    counts = np.zeros((n_out, 2))
    for r in range(n_rows):
        for k in range(n_out):
            counts[k, 1 if targets[r, k] else 0] += 1
    for i in range(nodes.shape[0]):
        v = nodes[i]
        for e in range(src.shape[0]):
            cut[e] = src[e] == v
        for r in range(n_rows):
            b = base[r, v]
            forced[v] = -b if kind[v] == SIGN else 1 - b
            evaluate_row(kind, column, src_start, src, weight, bias, order, steps, rows[r], cut, forced, vals,
                         scratch)
            for k in range(n_out):
                o = n - n_out + k
                if (vals[o] > 0) != (base[r, o] > 0):
                    out[i, k, 1 if targets[r, k] else 0] += 1.0
        for k in range(n_out):
            for c in range(2):
                if counts[k, c] > 0:
                    out[i, k, c] /= counts[k, c]


# --- measures -----------------------------------------------------------------

def _targets(program: Program, targets) -> np.ndarray:
    t = np.asarray(targets, dtype=np.bool_)
    if t.ndim == 1:
        t = t[:, None]
    if t.shape[0] != program.n_rows:
        raise ValueError(f"targets: {t.shape[0]} rows, the program has {program.n_rows}")
    return np.ascontiguousarray(t)


def _most_common(base: np.ndarray) -> np.ndarray:
    """int8 (n,): each column's most common value (ties: the smallest)."""
    out = np.zeros(base.shape[1], dtype=np.int8)
    for v in range(base.shape[1]):
        values, counts = np.unique(base[:, v], return_counts=True)
        out[v] = values[int(np.argmax(counts))]
    return out


def ablated_performance(program: Program, targets, node_sets, ablation: str = "constant", n_shuffles: int = 8,
                        seed: int = 0) -> np.ndarray:
    """Performance with each set of nodes ablated (see the module docstring).

    Parameters
    ----------
    program : Program
    targets : array_like of bool (R,) or (R, K)
        The goal's value of each output on each input row.
    node_sets : list of sequences of int
        The sets to ablate, one at a time (an empty set: the intact program).
    ablation : {"constant", "shuffle"}
    n_shuffles : int
        Permutations averaged over by ``shuffle``; the same for every set.
    seed : int
        Seeds the permutations.

    Returns
    -------
    ndarray of float64 (len(node_sets),)
        Fraction of (row, output) pairs equal to the target.
    """
    if ablation not in ABLATIONS:
        raise ValueError(f"ablation {ablation!r}: allowed {', '.join(ABLATIONS)}")
    t = _targets(program, targets)
    base = program.values()
    masks = np.zeros((len(node_sets), program.n_nodes), dtype=np.bool_)
    for i, nodes in enumerate(node_sets):
        masks[i, list(nodes)] = True
    if ablation == "shuffle":
        rng = np.random.default_rng(seed)
        perms = np.stack([rng.permutation(program.n_rows) for _ in range(n_shuffles)]).astype(np.int64)
    else:
        perms = np.zeros((0, program.n_rows), dtype=np.int64)
    out = np.empty(len(node_sets))
    _performance(*program.arrays(), masks, _most_common(base), perms, base, t, out)
    return out


def importance(program: Program, labels, targets, ablation: str = "constant", n_random: int = 100,
               n_shuffles: int = 8, seed: int = 0, unit: str = "subcluster") -> Scores:
    """Importance of every sub-cluster of a partition: its ablation's performance drop, as a percentile.

    For each sub-cluster S (a module's measured nodes in one layer, see the
    module docstring) the drop ``perf(intact) - perf(S ablated)`` is ranked
    among the drops of the same-size sets of S's layer (all of them, or
    ``n_random`` random ones): ``percentile = (#less + #equal / 2) / #sets``.

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome.
    labels : array_like of int (n_nodes,)
        Module of each node.
    targets : array_like of bool (R,) or (R, K)
        The goal's table, one row per input row (``program.rows`` order).
    ablation : {"constant", "shuffle"}
        Each node fixed at its most common value, or the set's values
        permuted across rows (mean over ``n_shuffles`` permutations).
    n_random : int
        Largest number of comparison sets per sub-cluster.
    n_shuffles : int
    seed : int
        Seeds the sampled sets and the permutations.
    unit : {"subcluster", "module"}
        Sub-clusters against same-size sets of their layer (the paper), or
        whole modules against same-size sets of all measured nodes.

    Returns
    -------
    Scores
        ``subclusters`` (module, layer, nodes, drop, percentile, sets,
        exact), ``score`` (mean percentile of the testable ones; NaN if
        none), ``performance`` of the intact program.

    References
    ----------
    Seed note 004 ("Importance and coherence", section 3): lesion a
    sub-cluster, compare with random same-size sets of its layer.

    Examples
    --------
    G1 = (x ^ y) & (z ^ w) from two 4-gate XOR modules and an AND (see
    ``tests/test_subclusters.py``): fixing the XOR(x, y) module's second layer
    ``{g1, g2}`` at their common value 1 makes that XOR 0, and the output 0:
    the 4 rows where G1 is 1 go wrong, a drop of 4/16; the four sets taking
    one gate from each XOR cost 3/16, so the percentile is (4 + 2/2) / 6.

    >>> from evomod import config
    >>> from evomod.problems import goals
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=10"]))
    >>> gates = [(0, 1), (0, 4), (1, 4), (5, 6), (2, 3), (2, 8), (3, 8), (9, 10), (7, 11), (12, 12)]
    >>> genome = np.array([a for g in gates for a in g] + [13])
    >>> program = rep.program(genome, ["x", "y", "z", "w"])
    >>> labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    >>> target = goals.unpack(goals.parse("(x ^ y) & (z ^ w)", ["x", "y", "z", "w"]), 4)
    >>> found = importance(program, labels, target)
    >>> [(program.names[s.nodes[0]], s.layer, s.value, round(s.percentile, 4)) for s in found.subclusters
    ...  if s.module == 0]
    [('g0', 1, 0.125, 0.5), ('g1', 2, 0.25, 0.8333), ('g3', 3, 0.25, 0.5)]
    """
    t = _targets(program, targets)
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    plan = []  # (sub-cluster, its comparison sets, exact)
    for module, layer, nodes, pool in units(program, labels, t.shape[1], unit):
        if len(nodes) < len(pool):
            sets, exact = _comparison_sets(pool, len(nodes), n_random, rng)
        else:
            sets, exact = [], False
        plan.append((module, layer, nodes, sets, exact))
    every = [()] + [nodes for _, _, nodes, _, _ in plan] + [s for *_, sets, _ in plan for s in sets]
    perf = ablated_performance(program, t, every, ablation, n_shuffles, seed)
    intact, drops = perf[0], perf[0] - perf[1:]
    out, at = [], len(plan)
    for i, (module, layer, nodes, sets, exact) in enumerate(plan):
        others = drops[at: at + len(sets)]
        at += len(sets)
        pct = percentile(drops[i], others) if len(sets) >= 2 else math.nan
        out.append(SubCluster(module, layer, nodes, float(drops[i]), pct, len(sets), exact))
    return Scores("importance", ablation, out, float(intact), list(program.names), unit)


def input_profiles(program: Program) -> np.ndarray:
    """Dependence profile of every node: the fraction of rows where flipping input j flips node v.

    ``d[v, j] = #{r : value(v, r) != value(v, r ^ 2**(N - 1 - j))} / 2**N``,
    the Boolean influence of input j on node v. Needs ``program.rows`` to be
    every input row in truth-table order (input 0 most significant).

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome, over all 2^N rows.

    Returns
    -------
    numpy.ndarray
        float64 (n_nodes, N).

    Raises
    ------
    ValueError
        If the program does not hold every input row.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions* (2014), ch. 2: influence.

    Examples
    --------
    The circuit computes ``(x ^ y) & z``: g0-g3 are the four-NAND XOR of x
    and y, g4 = NAND(g3, z), g5 = NOT g4:

    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> program = rep.program(np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8]), ["x", "y", "z"])
    >>> program.names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']

    g0 = NAND(x, y) flips with x when y = 1 (half the rows); the XOR g3
    flips with x and with y on every row, never with z:

    >>> input_profiles(program)[[3, 6]].tolist()
    [[0.5, 0.5, 0.0], [1.0, 1.0, 0.0]]
    """
    n_inputs = program.rows.shape[1]
    if program.n_rows != 1 << n_inputs:
        raise ValueError("input profiles need every input row (a full truth table)")
    base = program.values()
    r = np.arange(program.n_rows)
    out = np.empty((program.n_nodes, n_inputs))
    for j in range(n_inputs):
        flipped = r ^ (1 << (n_inputs - 1 - j))
        out[:, j] = (base != base[flipped]).mean(axis=0)
    return out


def output_profiles(program: Program, targets, nodes) -> np.ndarray:
    """Output profile of each node: how often do(v := not v) flips each output, per target class.

    ``o[v, 2k + c]`` is the fraction of the rows whose target for output k
    is c on which forcing node v to its negation flips output k.

    Parameters
    ----------
    program : Program
        ``Representation.program`` of the genome.
    targets : array_like of bool (R,) or (R, K)
        The goal's table, one row per input row.
    nodes : array_like of int
        The nodes to profile.

    Returns
    -------
    numpy.ndarray
        float64 (len(nodes), 2K): columns (output 0, target 0), (output 0,
        target 1), (output 1, target 0), ...

    References
    ----------
    Seed note 004: per-class lesion damage as the output feature of a node.

    Examples
    --------
    The circuit computes ``(x ^ y) & z``: g0-g3 are the four-NAND XOR of x
    and y, g4 = NAND(g3, z), g5 = NOT g4:

    >>> from evomod.representations.nand.kernels import CircuitSpec
    >>> from evomod.representations.nand.representation import NandCircuits
    >>> rep = NandCircuits(CircuitSpec(3, 6, 1, feedforward=True))
    >>> program = rep.program(np.array([0, 1, 0, 3, 1, 3, 4, 5, 6, 2, 7, 7, 8]), ["x", "y", "z"])
    >>> program.names
    ['x', 'y', 'z', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'out0']

    The output is 1 on 2 rows (x != y, z = 1) and 0 on 6. Flipping g4 flips
    the output on every row; flipping the XOR g3 flips it where z = 1: both
    rows of class 1, and 2 of the 6 rows of class 0:

    >>> from evomod.problems import goals
    >>> target = goals.unpack(goals.parse("(x ^ y) & z", ["x", "y", "z"]), 3)
    >>> output_profiles(program, target, [6, 7]).round(4).tolist()
    [[0.3333, 1.0], [1.0, 1.0]]
    """
    t = _targets(program, targets)
    nodes = np.asarray(nodes, dtype=np.int64)
    out = np.zeros((nodes.size, t.shape[1], 2))
    _output_profiles(*program.arrays(), nodes, program.values(), t, out)
    return out.reshape(nodes.size, -1)


def mean_cosine(profiles: np.ndarray) -> float:
    """Mean pairwise cosine similarity of the rows (a zero row: similarity 0); NaN for fewer than 2 rows.

        mean over i < j of  p_i · p_j / (|p_i| |p_j|)

    Parameters
    ----------
    profiles : ndarray (m, d)

    Examples
    --------
    >>> mean_cosine(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))     # (1 + 0 + 0) / 3
    0.3333333333333333
    """
    if profiles.shape[0] < 2:
        return math.nan
    norm = np.linalg.norm(profiles, axis=1)
    unit = np.divide(profiles, norm[:, None], out=np.zeros_like(profiles, dtype=np.float64),
                     where=norm[:, None] > 0)
    sim = unit @ unit.T
    iu = np.triu_indices(profiles.shape[0], 1)
    return float(sim[iu].mean())


def coherence(program: Program, labels, targets, kind: str = "input", n_random: int = 100, seed: int = 0,
              unit: str = "subcluster") -> Scores:
    """Coherence of every sub-cluster of a partition, as a percentile among same-size sets of its layer.

    A set's coherence is the mean pairwise cosine similarity of its nodes'
    profiles: the *input* dependence profiles (Boolean influence of each
    input on the node) or the *output* profiles (how often flipping the node
    flips each output, per target class); see the module docstring.

    Parameters
    ----------
    program : Program
    labels : array_like of int (n_nodes,)
    targets : array_like of bool (R,) or (R, K)
        The goal's table (its number of outputs says which nodes are outputs).
    kind : {"input", "output"}
    n_random : int
        Largest number of comparison sets per sub-cluster.
    seed : int
    unit : {"subcluster", "module"}
        As for :func:`importance`.

    Returns
    -------
    Scores
        Per sub-cluster its coherence and percentile (NaN for single nodes
        and whole layers), and the mean percentile ``score``.

    References
    ----------
    Seed note 004: coherence, how consistently a cluster's neurons associate
    with input and output features; R. O'Donnell, *Analysis of Boolean
    Functions* (2014), ch. 2: influence of a variable.

    Examples
    --------
    In the modular G1 circuit (see :func:`importance`), each XOR module's
    gates depend on its own two inputs only, so the second-layer set
    ``{g1, g2}`` has input coherence 1, and the four mixed pairs 0:

    >>> from evomod import config
    >>> from evomod.problems import goals
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=10"]))
    >>> gates = [(0, 1), (0, 4), (1, 4), (5, 6), (2, 3), (2, 8), (3, 8), (9, 10), (7, 11), (12, 12)]
    >>> program = rep.program(np.array([a for g in gates for a in g] + [13]), ["x", "y", "z", "w"])
    >>> labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    >>> target = goals.unpack(goals.parse("(x ^ y) & (z ^ w)", ["x", "y", "z", "w"]), 4)
    >>> found = coherence(program, labels, target)
    >>> [(round(s.value, 6), round(s.percentile, 4), s.n_sets) for s in found.subclusters if len(s.nodes) > 1]
    [(1.0, 0.8333, 6), (1.0, 0.8333, 6)]
    """
    if kind not in COHERENCE:
        raise ValueError(f"coherence kind {kind!r}: allowed {', '.join(COHERENCE)}")
    t = _targets(program, targets)
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    nodes_measured = np.flatnonzero(measured(program, t.shape[1]))
    if kind == "input":
        profile = input_profiles(program)
    else:
        profile = np.zeros((program.n_nodes, 2 * t.shape[1]))
        if nodes_measured.size:
            profile[nodes_measured] = output_profiles(program, t, nodes_measured)
    out = []
    for module, layer, nodes, pool in units(program, labels, t.shape[1], unit):
        value = mean_cosine(profile[list(nodes)])
        if len(nodes) >= 2 and len(nodes) < len(pool):
            sets, exact = _comparison_sets(pool, len(nodes), n_random, rng)
            pct = percentile(value, [mean_cosine(profile[list(s)]) for s in sets])
        else:
            sets, exact, pct = [], False, math.nan
        out.append(SubCluster(module, layer, nodes, value, pct, len(sets), exact))
    return Scores("coherence", kind, out, math.nan, list(program.names), unit)


def goal_targets(data: dict) -> np.ndarray:
    """The truth table of the goal a saved genome was scored on.

    The file's ``[task]`` builds the goal by name (:func:`evomod.problems.tasks.build`);
    files without a task, or whose task lacks the goal, fall back to parsing
    the goal's ``expressions`` over the inputs.

    Parameters
    ----------
    data : dict
        ``read_genome``'s dict: ``inputs``, ``goal`` (``name``,
        ``expressions``) and optionally ``task``.

    Returns
    -------
    numpy.ndarray
        bool (2^N, K): one row per input row, one column per output.

    Raises
    ------
    ConfigError
        If the file names no goal to score against, or its expressions do
        not parse.

    Examples
    --------
    >>> goal_targets({"inputs": ["x", "y"], "goal": {"expressions": ["x & y", "x ^ y"]}}).astype(int).tolist()
    [[0, 0], [0, 1], [0, 1], [1, 0]]
    """
    from evomod.problems import goals, tasks
    from evomod.registry import ConfigError

    inputs, goal = list(data["inputs"]), data.get("goal", {})
    table = None
    if data.get("task") is not None and goal.get("name"):
        table = tasks.build(data["task"]).goals.get(goal["name"])
    if table is None:
        if not goal.get("expressions"):
            raise ConfigError("the genome file names no goal to score against (no task goal, no expressions)",
                              "goal")
        try:
            table = np.stack([goals.parse(e, inputs) for e in goal["expressions"]])
        except goals.GoalError as exc:
            raise ConfigError(f"goal: {exc}", "goal") from None
    return np.stack([goals.unpack(t, len(inputs)) for t in table], axis=1)

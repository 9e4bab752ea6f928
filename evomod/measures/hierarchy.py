"""Hierarchy and problem decomposition of a network (Mengistu et al. 2016).

* **Hierarchy** H is the global reaching centrality (GRC) of Mones, Vicsek &
  Vicsek (2012) on the pruned network with every connection reversed
  (output -> inputs) and unweighted, over the nodes on at least one
  connection. The local reaching centrality of node i is the fraction of
  the other nodes it reaches, ``LRC(i) = reach(i) / (N - 1)``, and

      GRC = sum_i (max_j LRC(j) - LRC(i)) / (N - 1),

  0 for a graph where every node reaches as many nodes as the best one
  (a cycle), 1 for a star whose centre reaches every other node. This is
  how Mengistu et al.'s published source computes it; direction matters: an
  8-4-2-1 tree gives 0.898 reversed and 0.056 as wired.
* **Sub-problems solved**: a sub-function (e.g. one AND of AND-XOR-AND) is
  solved when one non-input node's values split the input rows cleanly by
  the sub-function's truth value (every row where it is true on one side of
  a threshold, every row where it is false on the other), or, failing that,
  when the weighted sum of two nodes of the same layer that feed one common
  node does (the authors' source checks single neurons, then such pairs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["global_reaching_centrality", "node_layers", "separates", "subproblems_solved"]


def global_reaching_centrality(A, reverse: bool = True) -> float:
    """Global reaching centrality of a directed graph, unweighted.

    Parameters
    ----------
    A : array_like (n, n)
        ``A[i, j] != 0`` for a connection i -> j (weights are ignored).
    reverse : bool
        Reverse every connection first (Mengistu et al. 2016: a node's reach
        is what it reads from, so the output reaches the whole network).

    Returns
    -------
    float
        GRC over the nodes on at least one connection; NaN with fewer than 2
        such nodes.

    References
    ----------
    E. Mones, L. Vicsek and T. Vicsek, "Hierarchy measure for complex
    networks", PLoS ONE 7, e33799 (2012); H. Mengistu, J. Huizinga,
    J.-B. Mouret and J. Clune, "The evolutionary origins of hierarchy", PLoS
    Comput. Biol. 12, e1004829 (2016).

    Examples
    --------
    A star 0 -> 1, 0 -> 2 read backwards: each leaf reaches the centre, the
    centre nothing; LRC = (1/2, 1/2, 0) for nodes (1, 2, 0) and
    GRC = (0 + 0 + 1/2) / 2:

    >>> A = np.zeros((3, 3)); A[0, 1] = A[0, 2] = 1
    >>> global_reaching_centrality(A)
    0.25
    >>> global_reaching_centrality(A, reverse=False)   # as wired: the centre reaches both leaves
    1.0
    """
    import networkx as nx

    A = np.asarray(A)
    src, dst = np.nonzero(A)
    if reverse:
        src, dst = dst, src
    graph = nx.DiGraph()
    graph.add_edges_from(zip(src.tolist(), dst.tolist()))
    if graph.number_of_nodes() < 2:
        return float("nan")
    return float(nx.global_reaching_centrality(graph, weight=None, normalized=True))


def separates(values, truth) -> bool:
    """Whether one threshold splits ``values`` by ``truth``.

    True when every value where ``truth`` holds is above every value where
    it does not (``min(on) > max(off)``), or below (``max(on) < min(off)``).
    A constant ``truth`` (all true or all false) is never separated.

    Parameters
    ----------
    values : array_like of float (R,)
        A node's value (or a weighted sum of two nodes) on each input row.
    truth : array_like of bool (R,)
        A sub-function's truth value on each row.

    Returns
    -------
    bool

    References
    ----------
    Mengistu, Huizinga, Mouret & Clune (2016), PLoS Comput Biol
    12:e1004829: a sub-problem is solved by a neuron that separates it.

    Examples
    --------
    >>> separates([-1, 1, 1, -1], [False, True, True, False]), separates([0, 1, 1, 0], [True, True, False, False])
    (True, False)
    >>> separates([3, 1, 2], [False, True, True])   # below a threshold also counts
    True
    >>> separates([0, 1], [True, True])
    False
    """
    values, truth = np.asarray(values), np.asarray(truth, dtype=bool)
    if truth.all() or not truth.any():
        return False
    on, off = values[truth], values[~truth]
    return bool(on.min() > off.max() or on.max() < off.min())


def node_layers(rep, genome) -> np.ndarray | None:
    """The layer of each node of a layered network's pruned graph; None without layers.

    The nodes are those of ``rep.to_graph`` and ``rep.program`` (inputs,
    kept hidden nodes, outputs, in order); layer 0 holds the inputs.

    Parameters
    ----------
    rep : Representation
        A layered network (its ``spec`` has ``layer_start``); any other
        representation gives None.
    genome : array_like of int
        The network's genome.

    Returns
    -------
    numpy.ndarray or None
        int64 (kept nodes,): each kept node's layer index.

    Examples
    --------
    A 2-2-1 network wired in0 -> h0, in1 -> h0, h0 -> out (the second
    hidden node has no path to the output and is pruned):

    >>> from evomod.representations.layered.representation import LayeredParams, layered
    >>> rep = layered(LayeredParams(layers=[2, 2, 1], weights=[-1, 1], biases=[0], activation="step",
    ...                             input_values=[0, 1]), 2)
    >>> genome = np.array([1, 0, 1, 0, 1, 0, 0, 0, 0])  # slots in0->h0, in0->h1, in1->h0, in1->h1, h0->o, h1->o
    >>> rep.to_graph(genome)[1], node_layers(rep, genome).tolist()
    (['in0', 'in1', 'h1.0', 'out0'], [0, 0, 1, 2])
    """
    spec = getattr(rep, "spec", None)
    if spec is None or not hasattr(spec, "layer_start"):
        return None
    from evomod.representations.layered import wiring

    nodes = np.flatnonzero(wiring.prune(np.asarray(genome), spec))
    return np.searchsorted(np.asarray(spec.layer_start), nodes, side="right") - 1


def subproblems_solved(program, layer_of, subfunctions) -> list[bool]:
    """For each sub-function, whether a node (or a pair of nodes) of the network solves it.

    Parameters
    ----------
    program : evomod.representations.program.Program
        The pruned network (``rep.program(genome)``).
    layer_of : array_like of int or None
        The layer of each program node (:func:`node_layers`); None: no
        layers, single nodes only.
    subfunctions : sequence of array_like of bool
        Each sub-function's truth value on every input row (the program's row order).

    Returns
    -------
    list of bool
        One per sub-function: a single non-input node separates it (see
        :func:`separates`), or two nodes of one layer both wired to a common
        node do, by their weighted sum into that node.
    """
    values = program.values().astype(np.int64)
    src, reader = program.wires()
    weight = program.weight
    computed = [v for v in range(program.n_nodes) if program.kind[v] != 0]
    pairs = []  # (a, b, weight a -> c, weight b -> c) for a, b of one layer feeding c
    for c in range(program.n_nodes if layer_of is not None else 0):
        feeding = [(int(src[e]), int(weight[e])) for e in np.flatnonzero(reader == c) if program.kind[src[e]] != 0]
        for i, (a, wa) in enumerate(feeding):
            for b, wb in feeding[i + 1:]:
                if layer_of[a] == layer_of[b]:
                    pairs.append((a, b, wa, wb))
    out = []
    for truth in subfunctions:
        truth = np.asarray(truth, dtype=bool)
        ok = any(separates(values[:, v], truth) for v in computed)
        ok = ok or any(separates(wa * values[:, a] + wb * values[:, b], truth) for a, b, wa, wb in pairs)
        out.append(ok)
    return out

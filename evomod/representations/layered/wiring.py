"""Wiring of layered networks: pruning, optimal node placement, connection
costs and the pruned network as a graph (Clune, Mouret & Lipson 2013).

A hidden node with no path to an output is pruned; inputs and outputs are
always kept. The wiring cost is the sum of squared connection lengths over
the pruned network, with hidden nodes at their fixed coordinates or at
their optimal positions (each at the mean of its neighbours: one small SPD
linear system per axis, solved by Cholesky in the kernel).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from evomod.representations.layered.kernels import GENOME_DTYPE, LayeredSpec, _genome


@njit(cache=True, inline="always")
def _kept(genome, layer_start, slot_start, slot_src, slot_dst, kept):
    """Mark in ``kept`` the inputs, the outputs and the hidden nodes with a path
    to an output (one backward sweep over the layer pairs)."""
    n_layers = layer_start.shape[0] - 1
    n_nodes = layer_start[n_layers]
    kept[:] = False
    for v in range(layer_start[1]):
        kept[v] = True
    for v in range(layer_start[n_layers - 1], n_nodes):
        kept[v] = True
    for t in range(n_layers - 3, -1, -1):  # pairs whose source layer t+1 is hidden
        for s in range(slot_start[t + 1], slot_start[t + 2]):
            if genome[s] != 0 and kept[slot_dst[s]]:
                kept[slot_src[s]] = True


@njit(cache=True)
def kept_nodes(genome, layer_start, slot_start, slot_src, slot_dst):
    """bool (n_nodes,): the nodes the pruned network keeps (see :func:`prune`)."""
    kept = np.zeros(layer_start[layer_start.shape[0] - 1], dtype=np.bool_)
    _kept(genome, layer_start, slot_start, slot_src, slot_dst, kept)
    return kept


@njit(cache=True, inline="always")
def _cholesky_solve(M, m, bx, by):
    """Solve ``M p = b`` for both right-hand sides in place (M: SPD, m x m used).
    Returns False if M is not numerically positive definite."""
    for j in range(m):
        d = M[j, j]
        for k in range(j):
            d -= M[j, k] * M[j, k]
        if d <= 1e-9:
            return False
        d = np.sqrt(d)
        M[j, j] = d
        for r in range(j + 1, m):
            v = M[r, j]
            for k in range(j):
                v -= M[r, k] * M[j, k]
            M[r, j] = v / d
    for b in (bx, by):
        for r in range(m):  # L z = b
            v = b[r]
            for k in range(r):
                v -= M[r, k] * b[k]
            b[r] = v / M[r, r]
        for r in range(m - 1, -1, -1):  # L^T p = z
            v = b[r]
            for k in range(r + 1, m):
                v -= M[k, r] * b[k]
            b[r] = v / M[r, r]
    return True


@njit(cache=True, inline="always")
def _place(genome, kept, layer_start, slot_src, slot_dst, node_x, node_y, n_slots,
           px, py, free, anchored, index, M, bx, by):
    """Optimal positions of the kept hidden nodes into ``px, py`` (n_nodes,).

    Minimising the sum of squared edge lengths with inputs and outputs fixed
    puts each free node at the mean of its neighbours: ``L_ff p_f = A_fx p_x``
    per axis (``L_ff`` the free block of the graph Laplacian). That block is
    positive definite iff every connected component of free nodes has an edge
    to a fixed node. After pruning this always holds (a kept hidden node's path
    to an output runs through kept hidden nodes and ends on the fixed output),
    but as a guard the kernel first floods from the fixed nodes along kept
    edges, and a free node the flood does not reach keeps its fixed
    coordinates (is treated as fixed). Pruned and non-anchored nodes keep
    ``node_x, node_y``; if Cholesky still failed, every node would.
    """
    n_layers = layer_start.shape[0] - 1
    n_nodes = layer_start[n_layers]
    first_hidden = layer_start[1]
    first_out = layer_start[n_layers - 1]
    for v in range(n_nodes):
        px[v] = node_x[v]
        py[v] = node_y[v]
        free[v] = kept[v] and first_hidden <= v < first_out
        anchored[v] = kept[v] and not free[v]
    changed = True
    while changed:
        changed = False
        for s in range(n_slots):
            if genome[s] != 0:
                a = slot_src[s]
                b = slot_dst[s]
                if kept[a] and kept[b] and anchored[a] != anchored[b]:
                    anchored[a] = True
                    anchored[b] = True
                    changed = True
    m = 0
    for v in range(n_nodes):
        if free[v] and not anchored[v]:
            free[v] = False
        if free[v]:
            index[v] = m
            m += 1
        else:
            index[v] = -1
    if m == 0:
        return
    for r in range(m):
        bx[r] = 0.0
        by[r] = 0.0
        for c in range(m):
            M[r, c] = 0.0
    for s in range(n_slots):
        if genome[s] == 0:
            continue
        a = slot_src[s]
        b = slot_dst[s]
        if not (kept[a] and kept[b]):
            continue
        ia = index[a]
        ib = index[b]
        if ia >= 0:
            M[ia, ia] += 1.0
            if ib >= 0:
                M[ia, ib] -= 1.0
            else:
                bx[ia] += px[b]
                by[ia] += py[b]
        if ib >= 0:
            M[ib, ib] += 1.0
            if ia >= 0:
                M[ib, ia] -= 1.0
            else:
                bx[ib] += px[a]
                by[ib] += py[a]
    if _cholesky_solve(M, m, bx, by):
        for v in range(n_nodes):
            if index[v] >= 0:
                px[v] = bx[index[v]]
                py[v] = by[index[v]]


@njit(cache=True)
def connection_costs(genomes, todo, optimal, net, n_connections, wiring, n_kept):
    """Connection count, wiring cost and pruned size of the rows flagged in
    ``todo`` (cleared once done).

    ``n_connections[i]`` (int64) = non-zero slots of genome ``i`` (pruned or
    not). ``n_kept[i]`` (int64) = nodes of the pruned network. ``wiring[i]`` (float64) = sum over the
    connections of the *pruned*
    network (both ends kept) of the squared Euclidean length, with the spec's
    coordinates, or (``optimal``) with every kept hidden node at its optimal
    position (:func:`_place`; Clune et al.). ``net`` holds the spec's arrays
    (:meth:`LayeredSpec.arrays`).
    """
    layer_start, slot_start, slot_src, slot_dst = net.layer_start, net.slot_start, net.slot_src, net.slot_dst
    node_x, node_y = net.node_x, net.node_y
    n_nodes = node_x.shape[0]
    n_slots = slot_src.shape[0]
    kept = np.zeros(n_nodes, dtype=np.bool_)
    free = np.zeros(n_nodes, dtype=np.bool_)
    anchored = np.zeros(n_nodes, dtype=np.bool_)
    index = np.zeros(n_nodes, dtype=np.int64)
    px = np.empty(n_nodes)
    py = np.empty(n_nodes)
    M = np.empty((n_nodes, n_nodes))
    bx = np.empty(n_nodes)
    by = np.empty(n_nodes)
    for i in range(genomes.shape[0]):
        if not todo[i]:
            continue
        todo[i] = False
        g = genomes[i]
        count = 0
        for s in range(n_slots):
            if g[s] != 0:
                count += 1
        n_connections[i] = count
        _kept(g, layer_start, slot_start, slot_src, slot_dst, kept)
        n_kept[i] = kept.sum()
        if optimal:
            _place(g, kept, layer_start, slot_src, slot_dst, node_x, node_y, n_slots,
                   px, py, free, anchored, index, M, bx, by)
        else:
            for v in range(n_nodes):
                px[v] = node_x[v]
                py[v] = node_y[v]
        total = 0.0
        for s in range(n_slots):
            if g[s] != 0 and kept[slot_dst[s]]:  # a kept target keeps its source
                dx = px[slot_src[s]] - px[slot_dst[s]]
                dy = py[slot_src[s]] - py[slot_dst[s]]
                total += dx * dx + dy * dy
        wiring[i] = total


@njit(cache=True)
def _node_positions(genome, optimal, layer_start, slot_start, slot_src, slot_dst, node_x, node_y):
    n_nodes = node_x.shape[0]
    kept = np.zeros(n_nodes, dtype=np.bool_)
    _kept(genome, layer_start, slot_start, slot_src, slot_dst, kept)
    px = node_x.copy()
    py = node_y.copy()
    if optimal:
        _place(genome, kept, layer_start, slot_src, slot_dst, node_x, node_y, slot_src.shape[0],
               px, py, np.zeros(n_nodes, dtype=np.bool_), np.zeros(n_nodes, dtype=np.bool_),
               np.zeros(n_nodes, dtype=np.int64), np.empty((n_nodes, n_nodes)), np.empty(n_nodes),
               np.empty(n_nodes))
    out = np.empty((n_nodes, 2))
    out[:, 0] = px
    out[:, 1] = py
    return out


def costs(genomes: np.ndarray, spec: LayeredSpec, optimal: bool = True):
    """``(n_connections int64 (S,), wiring float64 (S,))`` of every row."""
    genomes = np.ascontiguousarray(genomes, dtype=GENOME_DTYPE)
    if genomes.ndim == 1:
        genomes = genomes[None, :]
    size = genomes.shape[0]
    n_conn = np.zeros(size, dtype=np.int64)
    wiring = np.zeros(size, dtype=np.float64)
    connection_costs(genomes, np.ones(size, dtype=np.bool_), bool(optimal), spec.arrays(), n_conn, wiring,
                     np.zeros(size, dtype=np.int64))
    return n_conn, wiring


def prune(genome: np.ndarray, spec: LayeredSpec) -> np.ndarray:
    """bool ``(n_nodes,)``: nodes kept after pruning. Inputs and outputs are
    always kept; a hidden node is kept iff it has a path to an output (a
    hidden node with no incoming connection still outputs its bias's value,
    so it is kept when it feeds an output)."""
    return kept_nodes(_genome(genome, spec), spec.layer_start, spec.slot_start, spec.slot_src,
                      spec.slot_dst)


def _pruned_nodes(genome, spec):
    return np.flatnonzero(prune(genome, spec))


def to_graph(genome: np.ndarray, spec: LayeredSpec, directed: bool = True):
    """The pruned network as ``(A float64 (n, n), names list[str])``.

    Nodes: all inputs, the kept hidden nodes (layer order), all outputs, so
    ``n = n_inputs + kept hidden + n_outputs``. ``A[i, j] = 1`` for a
    connection i -> j (unweighted; symmetrised when not ``directed``).
    """
    g = _genome(genome, spec)
    nodes = _pruned_nodes(g, spec)
    where = -np.ones(spec.n_nodes, dtype=np.int64)
    where[nodes] = np.arange(nodes.size)
    A = np.zeros((nodes.size, nodes.size))
    for s in np.flatnonzero(g[: spec.n_slots]):
        a, b = where[spec.slot_src[s]], where[spec.slot_dst[s]]
        if a >= 0 and b >= 0:
            A[a, b] = 1.0
    if not directed:
        A = np.maximum(A, A.T)
    names = spec.node_names()
    return A, [names[v] for v in nodes]


def node_positions(genome: np.ndarray, spec: LayeredSpec, optimal: bool = True) -> np.ndarray:
    """float64 ``(n_nodes, 2)`` positions of *all* nodes (pruned ones at their
    fixed coordinates); ``optimal`` places the kept hidden nodes optimally."""
    g = _genome(genome, spec)
    return _node_positions(g, bool(optimal), spec.layer_start, spec.slot_start, spec.slot_src,
                           spec.slot_dst, spec.node_x, spec.node_y)


def positions(genome: np.ndarray, spec: LayeredSpec, optimal: bool = True) -> np.ndarray:
    """float64 ``(n, 2)`` positions of the nodes of :func:`to_graph`, same order."""
    g = _genome(genome, spec)
    return node_positions(g, spec, optimal)[_pruned_nodes(g, spec)]

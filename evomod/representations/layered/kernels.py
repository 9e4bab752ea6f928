"""Layered feed-forward networks (Kashtan & Alon 2005 retina; Clune, Mouret &
Lipson 2013) as a population of integer arrays.

Genome layout
-------------
A population is one ``int8`` matrix ``(S, n_slots + n_biased)``:

* columns ``0 .. n_slots-1`` are *slots*, one per possible connection between
  adjacent layers, layer by layer and source-major (for layers ``l -> l+1``:
  source 0 to every target, then source 1, ...); a slot holds the weight of its
  connection, 0 meaning "no connection";
* the last ``n_biased`` columns hold the bias of every non-input node, in node
  order.

Nodes are numbered layer by layer (inputs ``0..N-1`` first, outputs last).

Evaluation rule
---------------
Each non-input node computes ``pre = sum(w * x_src) + b`` and

* ``"tanh20"`` (Clune): ``tanh(20 * pre)``; with integer inputs, weights and
  biases every ``pre`` is an integer, and in float64 ``tanh(20 k)`` is exactly
  ``1.0`` for ``k >= 1`` (``tanh(20) = 1 - 8.5e-18`` rounds to 1), exactly 0
  for ``k = 0`` and ``-1.0`` for ``k <= -1``; so the node's value is
  ``sign(pre)`` and the kernel runs in integers, exactly;
* ``"step"`` (threshold neuron): 1 if ``pre > 0`` else 0.

An output is *true* on a row iff its value is ``> 0``, i.e. iff ``pre > 0``
under either activation. Inputs take ``input_values = (off, on)``: Clune
``(-1, 1)``, Kashtan & Alon ``(0, 1)``.

Flags written by the variation kernels
--------------------------------------
``stale[i]``: genome ``i`` changed, its output tables must be recomputed.
``rewired[i]``: a connection was added or removed (the graph changed), so its
connection count, wiring cost and modularity must be recomputed; a weight or
bias change sets ``stale`` only. Kernels only ever *set* flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from evomod import rng as _rng

GENOME_DTYPE = np.int8
ACTIVATIONS = ("tanh20", "step")
ACT_TANH20 = 0
ACT_STEP = 1


def _per_node(coords, layers) -> tuple[tuple[float, ...], ...]:
    """One float per node, layer by layer; a layer given as one number puts all its nodes there."""
    return tuple(tuple(float(v) for v in ((row,) * n if isinstance(row, (int, float, np.number)) else row))
                 for row, n in zip(coords, layers))


def centred_coordinates(layers) -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]:
    """Default layout: layer ``l`` at ``y = l``, its nodes 1 apart, centred on ``x = 0``."""
    x = tuple(tuple(float(j - (n - 1) / 2) for j in range(n)) for n in layers)
    y = tuple(tuple(float(layer) for _ in range(n)) for layer, n in enumerate(layers))
    return x, y


class NetworkArrays(NamedTuple):
    """A layered spec as one kernel argument: its derived arrays and scalars
    (see :class:`LayeredSpec`; built by :meth:`LayeredSpec.arrays`)."""

    layer_start: np.ndarray
    slot_start: np.ndarray
    slot_src: np.ndarray
    slot_dst: np.ndarray
    node_cap: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    weight_values: np.ndarray
    bias_values: np.ndarray
    input_levels: np.ndarray
    act: int
    n_slots: int
    n_biased: int


@dataclass(frozen=True)
class LayeredSpec:
    """Shape, parameter sets and geometry of a layered-network population.

    Built from a validated ``[representation]`` table (``LayeredParams``,
    which checks every value); the paper setups are the presets.

    Parameters
    ----------
    layers : tuple of int
        Nodes per layer, inputs first, outputs last (at least 2 layers).
    weights : tuple of int
        Allowed non-zero weights (int8 range, no 0); stored sorted.
    biases : tuple of int
        Allowed biases of non-input nodes (int8 range); stored sorted.
    activation : str
        ``"tanh20"`` or ``"step"`` (see the module docstring).
    input_values : (int, int)
        Input value for a pixel off and on.
    fan_in : tuple of int
        Maximum number of incoming connections of a node, per non-input layer;
        0 = no cap. Default: no cap anywhere.
    x, y : tuple of tuples of float, optional
        Node coordinates, one tuple per layer with one value per node. Leaving
        both out gives :func:`centred_coordinates`.

    Derived (not compared, not hashed; int64 unless stated), all usable by the
    kernels (:meth:`kernel_args`): ``layer_start (L+1,)`` first node of each
    layer; ``slot_start (L,)`` first slot of each layer pair ``l -> l+1``
    (last entry = ``n_slots``); ``slot_src, slot_dst (n_slots,)`` node
    indices; ``node_layer (n_nodes,)``; ``node_cap (n_nodes,)`` effective
    fan-in cap (``layers[l-1]`` where uncapped, 0 for inputs);
    ``node_x, node_y`` float64 ``(n_nodes,)``; ``weight_values``,
    ``bias_values``; ``input_levels (2,)``; ``act`` (int code).
    """

    layers: tuple
    weights: tuple
    biases: tuple
    activation: str
    input_values: tuple
    fan_in: tuple = ()
    x: tuple | None = None
    y: tuple | None = None

    n_inputs: int = field(init=False, compare=False)
    n_outputs: int = field(init=False, compare=False)
    n_nodes: int = field(init=False, compare=False)
    n_slots: int = field(init=False, compare=False)
    n_biased: int = field(init=False, compare=False)
    max_connections: int = field(init=False, compare=False)
    act: int = field(init=False, compare=False)
    layer_start: np.ndarray = field(init=False, compare=False, repr=False)
    slot_start: np.ndarray = field(init=False, compare=False, repr=False)
    slot_src: np.ndarray = field(init=False, compare=False, repr=False)
    slot_dst: np.ndarray = field(init=False, compare=False, repr=False)
    node_layer: np.ndarray = field(init=False, compare=False, repr=False)
    node_cap: np.ndarray = field(init=False, compare=False, repr=False)
    node_x: np.ndarray = field(init=False, compare=False, repr=False)
    node_y: np.ndarray = field(init=False, compare=False, repr=False)
    weight_values: np.ndarray = field(init=False, compare=False, repr=False)
    bias_values: np.ndarray = field(init=False, compare=False, repr=False)
    input_levels: np.ndarray = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        # The values are checked once, by the params model
        # (evomod.representations.layered.representation.LayeredParams);
        # here they are only put in canonical form.
        put = object.__setattr__
        layers = tuple(int(n) for n in self.layers)
        put(self, "layers", layers)
        put(self, "weights", tuple(sorted(int(w) for w in self.weights)))
        put(self, "biases", tuple(sorted(int(b) for b in self.biases)))
        levels = tuple(int(v) for v in self.input_values)
        put(self, "input_values", levels)
        fan_in = tuple(int(c) for c in self.fan_in) if self.fan_in != () else (0,) * (len(layers) - 1)
        put(self, "fan_in", fan_in)
        if self.x is None and self.y is None:
            x, y = centred_coordinates(layers)
        else:
            x, y = _per_node(self.x, layers), _per_node(self.y, layers)
        put(self, "x", x)
        put(self, "y", y)

        # -- derived arrays
        n_layers = len(layers)
        layer_start = np.zeros(n_layers + 1, dtype=np.int64)
        layer_start[1:] = np.cumsum(layers)
        n_nodes = int(layer_start[-1])
        pair_sizes = [layers[layer] * layers[layer + 1] for layer in range(n_layers - 1)]
        slot_start = np.zeros(n_layers, dtype=np.int64)
        slot_start[1:] = np.cumsum(pair_sizes)
        src, dst = [], []
        for layer in range(n_layers - 1):
            for a in range(layers[layer]):
                for b in range(layers[layer + 1]):
                    src.append(layer_start[layer] + a)
                    dst.append(layer_start[layer + 1] + b)
        node_layer = np.repeat(np.arange(n_layers, dtype=np.int64), layers)
        node_cap = np.zeros(n_nodes, dtype=np.int64)
        for layer in range(1, n_layers):
            cap = fan_in[layer - 1]
            below = layers[layer - 1]
            node_cap[layer_start[layer]:layer_start[layer + 1]] = below if cap == 0 else min(cap, below)

        put(self, "n_inputs", layers[0])
        put(self, "n_outputs", layers[-1])
        put(self, "n_nodes", n_nodes)
        put(self, "n_slots", int(slot_start[-1]))
        put(self, "n_biased", n_nodes - layers[0])
        put(self, "max_connections", int(node_cap.sum()))
        put(self, "act", ACTIVATIONS.index(self.activation))
        put(self, "layer_start", layer_start)
        put(self, "slot_start", slot_start)
        put(self, "slot_src", np.array(src, dtype=np.int64))
        put(self, "slot_dst", np.array(dst, dtype=np.int64))
        put(self, "node_layer", node_layer)
        put(self, "node_cap", node_cap)
        put(self, "node_x", np.array([v for row in x for v in row], dtype=np.float64))
        put(self, "node_y", np.array([v for row in y for v in row], dtype=np.float64))
        put(self, "weight_values", np.array(self.weights, dtype=np.int64))
        put(self, "bias_values", np.array(self.biases, dtype=np.int64))
        put(self, "input_levels", np.array(levels, dtype=np.int64))

    # -- conveniences
    @property
    def n_loci(self) -> int:
        """Genome columns: ``n_slots + n_biased``."""
        return self.n_slots + self.n_biased

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def node_names(self) -> list[str]:
        """``in0..``, ``h{layer}.{j}`` for hidden nodes, ``out0..``."""
        names = []
        last = len(self.layers) - 1
        for layer, n in enumerate(self.layers):
            for j in range(n):
                names.append(f"in{j}" if layer == 0 else f"out{j}" if layer == last else f"h{layer}.{j}")
        return names

    def arrays(self) -> NetworkArrays:
        """The spec's arrays and scalars as the kernels take them (:class:`NetworkArrays`)."""
        return NetworkArrays(self.layer_start, self.slot_start, self.slot_src, self.slot_dst, self.node_cap,
                             self.node_x, self.node_y, self.weight_values, self.bias_values, self.input_levels,
                             self.act, self.n_slots, self.n_biased)

    def kernel_args(self) -> dict:
        """The kernels' spec parameter by name (``net``), and each of its fields."""
        net = self.arrays()
        return {"net": net, **net._asdict()}


# --- population kernels -----------------------------------------------------

@njit(cache=True, inline="always")
def _fan_in_counts(genome, slot_dst, n_slots, counts):
    counts[:] = 0
    for s in range(n_slots):
        if genome[s] != 0:
            counts[slot_dst[s]] += 1


@njit(cache=True)
def random_networks(size, net, min_connections, max_connections, state):
    """``size`` random genomes, ``int8 (size, n_slots + n_biased)`` (Clune's initialisation).

    Each network draws a connection count ``c`` uniform in
    ``[min_connections, max_connections)`` and then adds ``c`` connections one
    at a time, each in a slot drawn uniformly among the empty slots whose
    target is below its fan-in cap, stopping early when none is left; so ``c``
    is capped at the network's most connections (``spec.max_connections``:
    106 for Clune's 8-8-4-2-1, whose [0, 120) then gives 106 connections
    with probability 14/120 and ~58.7 on average). This is what the
    original's repeated "add a connection, no duplicates" does. Weights are
    uniform over ``weight_values``, every bias uniform over ``bias_values``.
    """
    if min_connections < 0 or max_connections <= min_connections:
        raise ValueError("need 0 <= min_connections < max_connections")
    n_slots, n_biased, slot_dst, node_cap = net.n_slots, net.n_biased, net.slot_dst, net.node_cap
    weight_values, bias_values = net.weight_values, net.bias_values
    n_nodes = node_cap.shape[0]
    out = np.zeros((size, n_slots + n_biased), dtype=np.int8)
    order = np.arange(n_slots)
    counts = np.zeros(n_nodes, dtype=np.int64)
    n_w = weight_values.shape[0]
    n_b = bias_values.shape[0]
    for i in range(size):
        c = min_connections + _rng.below(state, max_connections - min_connections)
        _rng.shuffle(state, order)
        counts[:] = 0
        added = 0
        # The first slot of a uniform permutation that is still allowed is uniform
        # among the allowed ones: the same law as drawing among them one by one.
        for k in range(n_slots):
            if added >= c:
                break
            s = order[k]
            d = slot_dst[s]
            if counts[d] < node_cap[d]:
                out[i, s] = weight_values[_rng.below(state, n_w)]
                counts[d] += 1
                added += 1
        for j in range(n_biased):
            out[i, n_slots + j] = bias_values[_rng.below(state, n_b)]
    return out


@njit(cache=True)
def _evaluate_rows(genomes, net, inputs, n_rows, todo, out_tables, lo, hi):
    """:func:`evaluate` on rows ``lo..hi-1`` with a value buffer of its own."""
    layer_start, slot_start, slot_src, slot_dst = net.layer_start, net.slot_start, net.slot_src, net.slot_dst
    act, input_levels = net.act, net.input_levels
    n_layers = layer_start.shape[0] - 1
    n_nodes = layer_start[n_layers]
    n_inputs = layer_start[1]
    n_slots = slot_src.shape[0]
    first_out = layer_start[n_layers - 1]
    n_outputs = n_nodes - first_out
    n_words = out_tables.shape[2]
    vals = np.zeros((n_nodes, n_rows), dtype=np.int32)
    off = np.int32(input_levels[0])
    on = np.int32(input_levels[1])
    for k in range(n_inputs):
        for r in range(n_rows):
            bit = (inputs[k, r >> 6] >> np.uint64(r & 63)) & np.uint64(1)
            vals[k, r] = on if bit else off
    one = np.uint64(1)
    for i in range(lo, hi):
        if not todo[i]:
            continue
        todo[i] = False
        g = genomes[i]
        for t in range(n_layers - 1):
            for node in range(layer_start[t + 1], layer_start[t + 2]):
                b = np.int32(g[n_slots + node - n_inputs])
                row = vals[node]
                for r in range(n_rows):
                    row[r] = b
            for s in range(slot_start[t], slot_start[t + 1]):
                w = np.int32(g[s])
                if w != 0:
                    src = vals[slot_src[s]]
                    dst = vals[slot_dst[s]]
                    for r in range(n_rows):
                        dst[r] += w * src[r]
            if t < n_layers - 2:  # hidden layer: activation (outputs only need pre > 0)
                for node in range(layer_start[t + 1], layer_start[t + 2]):
                    row = vals[node]
                    if act == ACT_TANH20:
                        for r in range(n_rows):
                            v = row[r]
                            row[r] = np.int32(v > 0) - np.int32(v < 0)
                    else:
                        for r in range(n_rows):
                            row[r] = np.int32(row[r] > 0)
        for k in range(n_outputs):
            row = vals[first_out + k]
            for w in range(n_words):
                word = np.uint64(0)
                top = min(64, n_rows - 64 * w)
                for b in range(top):
                    if row[64 * w + b] > 0:
                        word |= one << np.uint64(b)
                out_tables[i, k, w] = word


@njit(cache=True)
def evaluate(genomes, net, inputs, n_rows, todo, out_tables):
    """Output truth tables of the rows of ``genomes`` flagged in ``todo``.

    Parameters
    ----------
    genomes : int8 (S, n_slots + n_biased)
    net : NetworkArrays
        The spec's arrays (:meth:`LayeredSpec.arrays`).
    inputs : uint64 (N, W)
        Packed input columns (``goals.input_tables(N)``); unpacked once into
        ``input_levels`` values.
    n_rows : int
        Rows to evaluate (``2**N``).
    todo : bool (S,), updated
        Rows to evaluate; cleared once done. Other rows are left as they are.
    out_tables : uint64 (S, K, W), written
        Bit ``r`` of output ``k`` set iff output ``k`` is ``> 0`` on row ``r``.

    Every network is evaluated on all rows at once in int32 arrays, one layer
    pair at a time, skipping absent connections; values are exact (see the
    module docstring).
    """
    _evaluate_rows(genomes, net, inputs, n_rows, todo, out_tables, 0, genomes.shape[0])


@njit(cache=True, parallel=True)
def evaluate_parallel(genomes, net, inputs, n_rows, todo, out_tables, n_chunks):
    """:func:`evaluate` on all cores (``prange`` over ``n_chunks`` chunks of
    rows); the same tables, as every row is evaluated alone."""
    size = genomes.shape[0]
    n_chunks = max(1, min(size, n_chunks))
    for c in prange(n_chunks):
        _evaluate_rows(genomes, net, inputs, n_rows, todo, out_tables, c * size // n_chunks, (c + 1) * size // n_chunks)


@njit(cache=True, inline="always")
def _weight_step(w, weight_values, state):
    """``w`` moved one step along ``weight_values``, up or down at random; at an
    end of the list the only possible way (so ±1 flips sign in {-1, 1}). A
    value not in the list (only in hand-made genomes) is redrawn uniformly."""
    n_w = weight_values.shape[0]
    j = 0
    while j < n_w and weight_values[j] != w:
        j += 1
    if j == n_w:  # not an allowed weight (a hand-made genome): redraw it
        return weight_values[_rng.below(state, n_w)]
    if j == 0:
        j = 1
    elif j == n_w - 1:
        j = n_w - 2
    elif _rng.below(state, 2) == 0:
        j -= 1
    else:
        j += 1
    return weight_values[j]


@njit(cache=True)
def mutate_clune(genomes, keep, state, stale, rewired, net, p_add, p_remove, bias_rate):
    """Clune et al.'s mutation, in place, of every row not in ``keep``.

    In the original's order: (1) each connection, with probability
    ``2 / (number of connections)`` (so all of them when there are 1 or 2),
    has its weight moved one step along ``weight_values`` (:func:`_weight_step`;
    nothing when the list has one value); (2) each bias is redrawn uniformly
    from ``bias_values`` with probability ``bias_rate`` (possibly the same
    value); (3) with probability ``p_add`` a connection is added in a slot
    drawn uniformly among the empty ones whose target is below its fan-in cap
    (none if there is none), weight uniform; (4) with probability
    ``p_remove`` a uniformly drawn connection (possibly the one just added)
    is removed. Sets ``stale[i]`` exactly when the genome changed and
    ``rewired[i]`` exactly when its set of connections changed (removing the
    connection just added undoes the addition and sets neither by itself).

    Parameters: ``genomes`` int8 (S, n_loci); ``keep``, ``stale``, ``rewired``
    bool (S,); the spec's arrays; rates as floats (Clune: 0.2, 0.2, 1/24).
    """
    slot_dst, node_cap, weight_values, bias_values, n_slots = (net.slot_dst, net.node_cap, net.weight_values,
                                                              net.bias_values, net.n_slots)
    size, n_loci = genomes.shape
    n_biased = n_loci - n_slots
    n_w = weight_values.shape[0]
    n_b = bias_values.shape[0]
    counts = np.zeros(node_cap.shape[0], dtype=np.int64)
    for i in range(size):
        if keep[i]:
            continue
        g = genomes[i]
        changed = False
        changed_before_add = False
        graph = False
        added = -1
        n_conn = 0
        for s in range(n_slots):
            if g[s] != 0:
                n_conn += 1
        if n_conn > 0 and n_w > 1:
            p = 2.0 / n_conn
            for s in range(n_slots):
                if g[s] != 0 and _rng.uniform(state) < p:
                    g[s] = _weight_step(g[s], weight_values, state)
                    changed = True
        for j in range(n_biased):
            if _rng.uniform(state) < bias_rate:
                b = bias_values[_rng.below(state, n_b)]
                if g[n_slots + j] != b:
                    g[n_slots + j] = b
                    changed = True
        if _rng.uniform(state) < p_add:
            _fan_in_counts(g, slot_dst, n_slots, counts)
            free = 0
            for s in range(n_slots):
                if g[s] == 0 and counts[slot_dst[s]] < node_cap[slot_dst[s]]:
                    free += 1
            if free > 0:
                k = _rng.below(state, free)
                for s in range(n_slots):
                    if g[s] == 0 and counts[slot_dst[s]] < node_cap[slot_dst[s]]:
                        if k == 0:
                            g[s] = weight_values[_rng.below(state, n_w)]
                            n_conn += 1
                            added = s
                            changed_before_add = changed
                            changed = True
                            graph = True
                            break
                        k -= 1
        if _rng.uniform(state) < p_remove and n_conn > 0:
            k = _rng.below(state, n_conn)
            for s in range(n_slots):
                if g[s] != 0:
                    if k == 0:
                        g[s] = 0
                        if s == added:  # removed what was just added: back as before
                            changed = changed_before_add
                            graph = False
                        else:
                            changed = True
                            graph = True
                        break
                    k -= 1
        if changed:
            stale[i] = True
        if graph:
            rewired[i] = True


@njit(cache=True)
def mutate_point(genomes, keep, pm, state, stale, rewired, net):
    """Kashtan–Alon point mutation, in place: each row not in ``keep``, with
    probability ``pm``, gets one uniformly chosen locus (slot or bias) redrawn.

    * an empty slot gets a weight uniform from ``weight_values`` if its target
      is below its fan-in cap; if the target is full, nothing happens;
    * an occupied slot is redrawn uniformly from ``weight_values`` ∪ {absent}
      (possibly its current value, as in the circuits' redraw);
    * a bias is redrawn uniformly from ``bias_values`` (possibly the same).

    Flags ``stale`` on a change, ``rewired`` when a connection appears or goes.
    """
    slot_dst, node_cap, weight_values, bias_values, n_slots = (net.slot_dst, net.node_cap, net.weight_values,
                                                              net.bias_values, net.n_slots)
    size, n_loci = genomes.shape
    n_w = weight_values.shape[0]
    n_b = bias_values.shape[0]
    for i in range(size):
        if keep[i]:
            continue
        if _rng.uniform(state) >= pm:
            continue
        g = genomes[i]
        j = _rng.below(state, n_loci)
        if j < n_slots:
            old = g[j]
            if old == 0:
                d = slot_dst[j]
                fan = 0
                for s in range(n_slots):
                    if g[s] != 0 and slot_dst[s] == d:
                        fan += 1
                if fan < node_cap[d]:
                    g[j] = weight_values[_rng.below(state, n_w)]
                    stale[i] = True
                    rewired[i] = True
            else:
                k = _rng.below(state, n_w + 1)
                new = 0 if k == n_w else weight_values[k]
                if new != old:
                    g[j] = new
                    stale[i] = True
                    if new == 0:
                        rewired[i] = True
        else:
            b = bias_values[_rng.below(state, n_b)]
            if g[j] != b:
                g[j] = b
                stale[i] = True


@njit(cache=True)
def crossover(genomes, keep, pc, state, stale, rewired, net):
    """One-point crossover, in place: each row not in ``keep``, with probability
    ``pc``, takes the loci after a random cut (1..n_loci-1) from a random
    partner row, read from a snapshot taken before any row changes. A child
    that would break a fan-in cap is discarded (the row stays as it was).
    Flags ``stale`` if the child differs, ``rewired`` if its connections do."""
    slot_dst, node_cap, n_slots = net.slot_dst, net.node_cap, net.n_slots
    size, n_loci = genomes.shape
    if pc <= 0.0 or n_loci < 2:
        return
    parents = genomes.copy()
    counts = np.zeros(node_cap.shape[0], dtype=np.int64)
    for i in range(size):
        if keep[i]:
            continue
        if _rng.uniform(state) >= pc:
            continue
        partner = _rng.below(state, size)
        cut = 1 + _rng.below(state, n_loci - 1)
        g = genomes[i]
        counts[:] = 0
        for s in range(n_slots):
            w = g[s] if s < cut else parents[partner, s]
            if w != 0:
                counts[slot_dst[s]] += 1
        ok = True
        for d in range(node_cap.shape[0]):
            if counts[d] > node_cap[d]:
                ok = False
                break
        if not ok:
            continue
        for j in range(cut, n_loci):
            new = parents[partner, j]
            if g[j] != new:
                if j < n_slots and (g[j] == 0) != (new == 0):
                    rewired[i] = True
                g[j] = new
                stale[i] = True


# --- one genome / whole population, for people --------------------------------

def _genome(genome, spec: LayeredSpec) -> np.ndarray:
    g = np.ascontiguousarray(genome, dtype=GENOME_DTYPE)
    if g.shape != (spec.n_loci,):
        raise ValueError(f"genome must have shape ({spec.n_loci},), got {g.shape}")
    return g


def random_population(spec: LayeredSpec, size: int, state: np.ndarray, min_connections: int,
                      max_connections: int) -> np.ndarray:
    """:func:`random_networks` for ``spec``: int8 ``(size, spec.n_loci)``."""
    return random_networks(size, spec.arrays(), min_connections, max_connections, state)


def evaluate_population(genomes: np.ndarray, spec: LayeredSpec, inputs=None) -> np.ndarray:
    """Output tables ``uint64 (S, K, W)`` of every row of ``genomes``."""
    from evomod.problems.goals import input_tables

    if inputs is None:
        inputs = input_tables(spec.n_inputs)
    genomes = np.ascontiguousarray(genomes, dtype=GENOME_DTYPE)
    if genomes.ndim == 1:
        genomes = genomes[None, :]
    size = genomes.shape[0]
    n_rows = 1 << spec.n_inputs
    out = np.zeros((size, spec.n_outputs, inputs.shape[1]), dtype=np.uint64)
    evaluate(genomes, spec.arrays(), inputs, n_rows, np.ones(size, dtype=np.bool_), out)
    return out

"""Layered networks (Kashtan & Alon 2005 retina, Clune et al. 2013) behind
the engine's interface; registers ``representation.name = "layered"``.

The kernels live in ``evomod.representations.layered.kernels``. The defaults are Clune et al.'s
8-8-4-2-1 networks; ``evomod/presets/ka2005-retina-*.toml`` spell out
Kashtan & Alon's 8-4-2-1 threshold networks.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import get_num_threads, njit
from pydantic import Field, ValidationInfo, field_validator, model_validator

from evomod import rng as _rng
from evomod.modularity.search import best_bisection
from evomod.problems import goals as _goals
from evomod.registry import ConfigError, ParamError, Section
from evomod.representations.base import REPRESENTATIONS, Population, Representation
from evomod.representations.layered import kernels as _lay
from evomod.representations.layered import wiring as _wir


class LayeredParams(Section):
    """``[representation]`` of layered networks, and every check of its values.

    The defaults are Clune, Mouret & Lipson (2013)'s networks, written here
    only: the ``clune2013-*`` presets rely on them and give only the authors'
    node coordinates; the ``ka2005-retina-*`` presets give every key.
    """

    name: str = Field("layered", description="genome type: nand (2-input NAND circuits) | layered (neural networks)")
    layers: list[int] = Field([8, 8, 4, 2, 1], description=(
        "nodes per layer, inputs first; connections only between adjacent layers "
        "(Clune 2013: 8-8-4-2-1; Kashtan & Alon 2005: 8-4-2-1)"))
    weights: list[int] = Field([-2, -1, 1, 2], min_length=1, description=(
        "allowed connection weights, no 0 (Clune {-2,-1,1,2}, a mutation steps along the list; "
        "Kashtan & Alon {-1,1})"))
    biases: list[int] = Field([-2, -1, 0, 1, 2], min_length=1, description=(
        "allowed biases (= minus the threshold) of non-input nodes (Clune {-2..2}; "
        "Kashtan & Alon's threshold range is not known)"))
    activation: Literal["tanh20", "step"] = Field("tanh20", description=(
        "tanh20: tanh(20(sum w x + b)), output true if > 0 (Clune); step: 1 if sum w x + b > 0 "
        "(Kashtan & Alon's threshold neurons)"))
    input_values: list[int] = Field([-1, 1], min_length=2, max_length=2, description=(
        "value of an input pixel off and on (Clune [-1, 1]; Kashtan & Alon [0, 1])"))
    fan_in: list[int] = Field([], description=(
        "most incoming connections per node, one per non-input layer, 0 = no cap; empty: no caps "
        "(Kashtan & Alon [3, 3, 2]; reported second-hand)"))
    x: list[list[float]] | None = Field(None, description=(
        "node x coordinates, one list per layer (with y; leave both out for layers 1 apart, "
        "nodes 1 apart, centred)"))
    y: list[float] | None = Field(None, description="y coordinate of each layer")
    positions: Literal["optimal", "fixed"] = Field("optimal", description=(
        "wiring cost with hidden nodes at their optimal positions (each at the mean of its "
        "neighbours; Clune et al.'s source) or at their fixed coordinates"))
    layout: Literal["given", "shuffled", "random"] = Field("given", description=(
        "where nodes sit for the wiring and locality costs: given (x and y, or the centred grid); "
        "shuffled (the same, with the input layer's first and second halves interleaved in space, so "
        "that left and right pixels alternate); random (every input and hidden node at a uniform "
        "random point of the given layout's bounding box, drawn once from layout_seed)"))
    layout_seed: int = Field(0, ge=0, description="seed of the random layout (layout = random)")
    mutation: Literal["clune", "point"] = Field("clune", description=(
        "clune: every connection's weight steps with prob. 2/connections, add and remove a "
        "connection with p_add / p_remove, each bias redrawn with bias_rate (selection.pm: "
        "probability an offspring is mutated at all; Clune 1); point: with prob. selection.pm one "
        "random slot or bias redrawn (Kashtan & Alon)"))
    p_add: float = Field(0.2, ge=0.0, le=1.0, description="Clune: probability of adding a connection")
    p_remove: float = Field(0.2, ge=0.0, le=1.0, description="Clune: probability of removing a connection")
    bias_rate: float = Field(1 / 24, ge=0.0, le=1.0, description="Clune: probability that each bias is redrawn")
    initial_connections: list[int] = Field([0, 120], min_length=2, max_length=2, description=(
        "initial networks get a uniform number of connections in [low, high), capped by the "
        "slots and fan-in caps (Clune [0, 120))"))

    # Every check of a layered network's values lives here; a failure names its key.

    @field_validator("layers")
    @classmethod
    def _layers(cls, layers):
        if len(layers) < 2:
            raise ValueError(f"layers needs at least an input and an output layer, got {layers}")
        if any(n < 1 for n in layers):
            raise ValueError(f"layers must all have at least one node, got {layers}")
        return layers

    @field_validator("weights", "biases", "input_values")
    @classmethod
    def _int8_values(cls, values, info: ValidationInfo):
        name = info.field_name
        if name == "weights" and 0 in values:
            raise ValueError("weights must not contain 0 (0 means 'no connection')")
        if any(not _INT8[0] <= v <= _INT8[1] for v in values):
            raise ValueError(f"{name} must lie in the int8 range [-128, 127]")
        if len(set(values)) != len(values):
            raise ValueError(f"{name} must be distinct" if name != "input_values" else
                             "input_values must be two distinct integers (off, on)")
        return values

    @field_validator("fan_in")
    @classmethod
    def _fan_in(cls, fan_in, info: ValidationInfo):
        layers = info.data.get("layers")
        if fan_in and layers is not None and len(fan_in) != len(layers) - 1:
            raise ValueError(f"fan_in needs one cap per non-input layer ({len(layers) - 1}), or none")
        if any(c < 0 for c in fan_in):
            raise ValueError("fan_in caps must be >= 0 (0 = no cap)")
        return fan_in

    @field_validator("x")
    @classmethod
    def _x(cls, x, info: ValidationInfo):
        layers = info.data.get("layers")
        if x is None or layers is None:
            return x
        if len(x) != len(layers):
            raise ValueError(f"x has coordinates for {len(x)} layers, the network has {len(layers)}")
        for layer, (row, n) in enumerate(zip(x, layers)):
            if len(row) != n:
                raise ValueError(f"x: layer {layer} has {n} nodes but {len(row)} coordinates")
        if not all(math.isfinite(v) for row in x for v in row):
            raise ValueError("x: coordinates must be finite")
        return x

    @field_validator("y")
    @classmethod
    def _y(cls, y, info: ValidationInfo):
        layers = info.data.get("layers")
        if y is None or layers is None:
            return y
        if len(y) != len(layers):
            raise ValueError(f"y has {len(y)} values for {len(layers)} layers")
        if not all(math.isfinite(v) for v in y):
            raise ValueError("y: coordinates must be finite")
        return y

    @field_validator("initial_connections")
    @classmethod
    def _initial(cls, counts):
        if not 0 <= counts[0] < counts[1]:
            raise ValueError("need 0 <= low < high")
        return counts

    @model_validator(mode="after")
    def _together(self):
        if self.x is not None and self.y is None:
            raise ParamError("y", "missing while x is given: give both x and y coordinates, or neither")
        if self.y is not None and self.x is None:
            raise ParamError("x", "missing while y is given: give both x and y coordinates, or neither")
        # pre-activations must fit the kernels' int32 buffers
        bound = max(map(abs, self.biases)) + max(self.layers) * max(map(abs, self.weights)) * \
            max(map(abs, self.input_values))
        if bound >= 2**31:
            raise ParamError("layers", "too many nodes in a layer for int32 pre-activations")
        return self


_INT8 = (-128, 127)


@njit(cache=True)
def locality(genomes, layer_start, slot_start, slot_src, slot_dst, node_x, node_y, exponent, out):
    """Sum over the pruned network's connections of Euclidean length ** exponent
    (fixed coordinates)."""
    kept = np.zeros(node_x.shape[0], dtype=np.bool_)
    for i in range(genomes.shape[0]):
        g = genomes[i]
        _wir._kept(g, layer_start, slot_start, slot_src, slot_dst, kept)
        total = 0.0
        for s in range(slot_src.shape[0]):
            if g[s] != 0 and kept[slot_dst[s]]:
                dx = node_x[slot_src[s]] - node_x[slot_dst[s]]
                dy = node_y[slot_src[s]] - node_y[slot_dst[s]]
                total += np.sqrt(dx * dx + dy * dy) ** exponent
        out[i] = total


@njit(cache=True)
def unmutated(keep, pm, state):
    """``keep`` plus the rows that, with probability 1 - pm, are not mutated."""
    out = keep.copy()
    for i in range(keep.shape[0]):
        if not out[i] and _rng.uniform(state) >= pm:
            out[i] = True
    return out


class LayeredNetworks(Representation):
    """Populations of ``LayeredSpec`` networks, one int8 genome row each."""

    genome_dtype = _lay.GENOME_DTYPE
    costs = ("connections", "wiring", "locality")
    capabilities = frozenset({"program", "drawing", "left_right_split"})

    def __init__(self, spec: _lay.LayeredSpec, params: LayeredParams):
        self.spec, self.params = spec, params
        self.n_inputs, self.n_outputs = spec.n_inputs, spec.n_outputs
        self.inputs = _goals.input_tables(spec.n_inputs)
        self.arrays = spec.arrays()
        self.optimal = params.positions == "optimal"

    def population(self, genomes):
        genomes = np.array(genomes, dtype=_lay.GENOME_DTYPE, ndmin=2)
        size = genomes.shape[0]
        pop = Population.allocate(genomes, self.n_outputs, self.n_words, rewired=np.ones(size, np.bool_),
                                  connections=np.zeros(size, np.int64), wiring=np.zeros(size))
        pop.valid[:] = _goals.row_mask(self.n_inputs)  # every row counts; copied along with the rows
        return pop

    def random_population(self, size, state):
        low, high = self.params.initial_connections
        return self.population(_lay.random_population(self.spec, size, state, low, high))

    def evaluate(self, pop):
        net, x = self.arrays, pop.extra
        # size, connection count and wiring change only when connections do
        _wir.connection_costs(pop.genomes, x["rewired"], self.optimal, net, x["connections"], x["wiring"], pop.size)
        args = (pop.genomes, net, self.inputs, self.n_rows, pop.stale, pop.tables)
        if self.parallel:
            _lay.evaluate_parallel(*args, 4 * get_num_threads())
        else:
            _lay.evaluate(*args)

    def vary(self, pop, keep, selection, state):
        net, p, rewired = self.arrays, self.params, pop.extra["rewired"]
        if p.mutation == "clune":
            skip = keep if selection.pm >= 1.0 else unmutated(keep, selection.pm, state)
            _lay.mutate_clune(pop.genomes, skip, state, pop.stale, rewired, net, p.p_add, p.p_remove, p.bias_rate)
        else:
            _lay.mutate_point(pop.genomes, keep, selection.pm, state, pop.stale, rewired, net)
        _lay.crossover(pop.genomes, keep, selection.pc, state, pop.stale, rewired, net)

    def cost(self, name, pop, params):
        if name == "locality":
            s, out = self.spec, np.empty(pop.genomes.shape[0])
            locality(pop.genomes, s.layer_start, s.slot_start, s.slot_src, s.slot_dst, s.node_x, s.node_y,
                     float(params.locality_exponent), out)
            return out
        return pop.extra[name].astype(np.float64)

    def row_costs(self, pop, i, params):
        return {"connections": float(pop.extra["connections"][i]), "wiring": float(pop.extra["wiring"][i])}

    def to_graph(self, genome, inputs=None, directed=True):
        A, names = _wir.to_graph(genome, self.spec, directed)
        if inputs is not None:  # name the input nodes after the task's inputs
            names = [inputs[int(n[2:])] if n.startswith("in") else n for n in names]
        return A, names

    def program(self, genome, inputs=None):
        """The ``to_graph`` nodes as a ``Program`` (``evomod.representations.program``): every node's value,
        and interventions on its wires."""
        from evomod.representations.program import from_network

        return from_network(genome, self.spec, self.to_graph(genome, inputs)[1])

    def headline(self, genome, size):
        s = self.spec
        n_conn = int(np.count_nonzero(genome[: s.n_slots]))
        return (f"{'-'.join(map(str, s.layers))} {s.activation} network, {n_conn} connections, "
                f"{size} nodes after pruning")

    def describe(self, genome, inputs):
        s = self.spec
        names = s.node_names()
        names[: s.n_inputs] = list(inputs)
        kept = _wir.prune(genome, s)
        lines = []
        for v in range(s.n_inputs, s.n_nodes):
            if not kept[v]:
                continue
            terms = [f"{int(genome[k]):+d}*{names[s.slot_src[k]]}"
                     for k in np.flatnonzero(genome[: s.n_slots]) if s.slot_dst[k] == v]
            bias = int(genome[s.n_slots + v - s.n_inputs])
            lines.append(f"{names[v]} = {s.activation}({' '.join(terms) or '0'} {bias:+d})")
        return lines

    def check_genome(self, values):
        s = self.spec
        ok = isinstance(values, list) and len(values) == s.n_loci and all(
            isinstance(v, int) and not isinstance(v, bool) for v in values)
        if ok:
            w, b = set(values[: s.n_slots]) - {0}, set(values[s.n_slots:])
            ok = w <= set(s.weights) and b <= set(s.biases)
            counts = np.bincount(s.slot_dst[np.flatnonzero(values[: s.n_slots])], minlength=s.n_nodes)
            ok = ok and bool((counts <= s.node_cap).all())
        if ok:
            return ""
        return (f"must be {s.n_slots} connection weights (0 = none, else one of {list(s.weights)}, "
                f"fan-in caps {list(s.fan_in)}) then {s.n_biased} biases from {list(s.biases)}")

    # --- drawing and the left/right test -----------------------------------------------

    def drawing(self, genome, inputs=None):
        """Nodes of ``to_graph`` at their coordinates, and the weighted
        connections between them (``inputs`` unused: nodes have fixed names)."""
        s = self.spec
        kept = np.flatnonzero(_wir.prune(genome, s))
        where = {int(v): k for k, v in enumerate(kept)}
        pos = _wir.node_positions(genome, s, optimal=False)[kept]  # readable: optimal spots can coincide
        edges = [(where[int(s.slot_src[k])], where[int(s.slot_dst[k])], int(genome[k]))
                 for k in np.flatnonzero(genome[: s.n_slots])
                 if int(s.slot_src[k]) in where and int(s.slot_dst[k]) in where]
        names = [s.node_names()[v] for v in kept]
        return {"positions": pos, "edges": edges, "names": names}

    def left_right_split(self, genome, directed=True) -> dict:
        """Does the best 2-way partition put the left inputs (first half) in
        one module and the right inputs in the other? The split is Newman's
        leading-eigenvector bisection with vertex-moving refinement, the
        first step of the recursive bisection Clune et al. used."""
        A, names = self.to_graph(genome, None, directed)
        labels, q = best_bisection(A, directed)
        half = self.n_inputs // 2
        left, right = set(labels[:half].tolist()), set(labels[half:self.n_inputs].tolist())
        separates = len(left) == 1 and len(right) == 1 and left != right
        detail = f"left inputs in modules {sorted(left)}, right inputs in {sorted(right)}"
        return {"separates": separates, "q": q, "labels": labels, "detail": detail}


def check(params: LayeredParams, context) -> None:
    """The network against the task: one input node per task input."""
    n_inputs = len(context.task.inputs)
    if params.layers[0] != n_inputs:
        raise ConfigError(f"representation.layers = {params.layers}: layers[0] = {params.layers[0]} but the task "
                          f"has {n_inputs} inputs", "representation.layers")


def layout_coordinates(params: LayeredParams) -> tuple[list[list[float]], list[list[float]]]:
    """Node coordinates ``(x, y)``, one list per layer, of ``params.layout``.

    ``given``: ``x`` and ``y`` (the centred grid when left out). ``shuffled``:
    the same, but the input layer's first half and second half alternate in
    space (inputs 0, 4, 1, 5, 2, 6, 3, 7 from left to right for 8 inputs), so
    the left and right retinas are interleaved. ``random``: every input and
    hidden node at a uniform point of the given layout's bounding box
    (``numpy.random.default_rng(layout_seed)``); outputs stay.

    Examples
    --------
    >>> x, y = layout_coordinates(LayeredParams(layers=[4, 2, 1], layout="shuffled"))
    >>> x[0], y[0]
    ([-1.5, 0.5, -0.5, 1.5], [0.0, 0.0, 0.0, 0.0])
    """
    layers = params.layers
    if params.x is None:
        cx, cy = _lay.centred_coordinates(layers)
        x, y = [list(r) for r in cx], [list(r) for r in cy]
    else:
        x = [list(map(float, r)) for r in params.x]
        y = [[float(v)] * n for v, n in zip(params.y, layers)]
    if params.layout == "shuffled":
        n, half = layers[0], (layers[0] + 1) // 2
        slots = sorted(x[0])
        order = [i for pair in zip(range(half), range(half, n)) for i in pair] + ([half - 1] if n % 2 else [])
        new = [0.0] * n
        for slot, node in enumerate(order):
            new[node] = slots[slot]
        x[0] = new
    elif params.layout == "random":
        rng = np.random.default_rng(params.layout_seed)
        flat_x, flat_y = [v for r in x for v in r], [v for r in y for v in r]
        box = (min(flat_x), max(flat_x), min(flat_y), max(flat_y))
        for layer in range(len(layers) - 1):
            x[layer] = [float(v) for v in rng.uniform(box[0], box[1], layers[layer])]
            y[layer] = [float(v) for v in rng.uniform(box[2], box[3], layers[layer])]
    return x, y


@REPRESENTATIONS.register("layered", LayeredParams, check=check)
def layered(params: LayeredParams, n_inputs: int) -> LayeredNetworks:
    x, y = layout_coordinates(params)
    spec = _lay.LayeredSpec(tuple(params.layers), tuple(params.weights), tuple(params.biases), params.activation,
                            tuple(params.input_values), tuple(params.fan_in), tuple(map(tuple, x)),
                            tuple(map(tuple, y)))
    return LayeredNetworks(spec, params)

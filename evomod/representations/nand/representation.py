"""The NAND-circuit representation (Kashtan & Alon 2005) behind the engine's interface.

The kernels live in ``evomod.representations.nand.kernels``; this module binds them to a
``CircuitSpec`` and registers ``representation.name = "nand"``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import get_num_threads, njit
from pydantic import Field, model_validator

from evomod.problems import goals as _goals
from evomod.registry import ConfigError, ParamError, Section
from evomod.representations.base import REPRESENTATIONS, Population, Representation
from evomod.representations.nand import kernels as _circ


class NandParams(Section):
    name: str = Field("nand", description="genome type: nand (2-input NAND circuits) | layered (neural networks)")
    gates: int = Field(12, ge=1, le=200, description=(
        "G: gates in the genome (Kashtan & Alon 2005: up to 12 per the 2008 paper)"))
    outputs: int = Field(1, ge=1, le=16, description="K: outputs; each goal gives one expression per output")
    feedforward: bool = Field(False, description=(
        "forbid cycles (gate g reads only inputs and gates < g); the original allowed feedback"))
    settle_steps: int | None = Field(None, ge=2, le=10_000, description=(
        "synchronous update steps T for cyclic circuits (>= gates + 1; default gates + 1, the fewest "
        "that let every acyclic circuit settle); a row not settled after T steps counts as wrong; at most "
        "10,000, since a row that cycles costs T steps at every evaluation"))
    unsettled: Literal["wrong", "read"] = Field("wrong", description=(
        "a row of a cyclic circuit not settled after T steps: wrong (counts as wrong for every output) | "
        "read (its outputs are read at step T, settled or not); a reading the landscape study tests"))
    mutation: Literal["one-locus", "per-locus"] = Field("one-locus", description=(
        "one-locus: with probability selection.pm one random locus is redrawn (Kashtan & Alon) | "
        "per-locus: each locus redrawn with probability pm / loci (the same mean, possibly several)"))

    @model_validator(mode="after")
    def _settle_steps(self):
        if self.settle_steps is None:  # the derived default
            object.__setattr__(self, "settle_steps", self.gates + 1)
        elif self.settle_steps < self.gates + 1:
            raise ParamError("settle_steps", f"must be >= gates + 1 = {self.gates + 1}")
        return self


@njit(cache=True)
def locality(genomes, n_inputs, n_gates, n_outputs, px, py, exponent, out):
    """Σ distance(source, reader)**exponent over the wires of the effective
    circuit; address a (input a, gate a - N, then the outputs) sits at
    ``(px[a], py[a])``."""
    scratch = np.empty(n_gates, dtype=np.int8)
    stack = np.empty(n_gates, dtype=np.int64)
    order = np.empty(n_gates, dtype=np.int64)
    for i in range(genomes.shape[0]):
        genome = genomes[i]
        count, _ = _circ._effective_order(genome, n_inputs, n_gates, n_outputs, scratch, stack, order)
        total = 0.0
        for idx in range(count):
            g = order[idx]
            for side in range(2):
                a, b = genome[2 * g + side], n_inputs + g
                total += np.hypot(px[a] - px[b], py[a] - py[b]) ** exponent
        for k in range(n_outputs):
            a, b = genome[2 * n_gates + k], n_inputs + n_gates + k
            total += np.hypot(px[a] - px[b], py[a] - py[b]) ** exponent
        out[i] = total


def address_positions(n_addresses: int, layout: str, n_inputs: int = 0,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Where each address sits for the locality cost.

    ``line``: address a at (a, 0). ``grid``: row by row on a square grid of
    side ceil(sqrt(n)). ``shuffled``: the line, with the first ``n_inputs``
    addresses' two halves interleaved (inputs 0, 2, 1, 3 from left to right
    for 4 inputs: x, z, y, w for inputs x, y, z, w). ``random``: each address
    on its own cell of the grid, a permutation drawn from
    ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> px, py = address_positions(6, "shuffled", n_inputs=4)
    >>> px.tolist(), py.tolist()
    ([0.0, 2.0, 1.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    >>> [v.tolist() for v in address_positions(5, "grid")]
    [[0.0, 1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0, 1.0]]
    """
    index = np.arange(n_addresses, dtype=np.float64)
    if layout in ("line", "shuffled"):
        if layout == "shuffled":
            half = (n_inputs + 1) // 2
            order = [i for pair in zip(range(half), range(half, n_inputs)) for i in pair]
            order += [half - 1] if n_inputs % 2 else []
            index[order] = np.arange(n_inputs, dtype=np.float64)
        return index, np.zeros(n_addresses)
    side = int(np.ceil(np.sqrt(n_addresses)))
    if layout == "random":
        index = np.random.default_rng(seed).permutation(side * side)[:n_addresses].astype(np.float64)
    return index % side, index // side


class NandCircuits(Representation):
    """Populations of ``CircuitSpec`` circuits; ``spec`` holds the shape."""

    costs = ("connections", "locality")
    capabilities = frozenset({"program", "drawing", "mutation_effects"})

    def __init__(self, spec: _circ.CircuitSpec, unsettled: str = "wrong", mutation: str = "one-locus"):
        self.spec = spec
        self.read_unsettled = unsettled == "read"
        self._mutate = _circ.mutate_per_locus if mutation == "per-locus" else _circ.mutate
        self.n_inputs, self.n_outputs = spec.n_inputs, spec.n_outputs
        self.high = spec.locus_high()
        self.inputs, self.mask = _goals.input_tables(spec.n_inputs), _goals.row_mask(spec.n_inputs)
        self.arrays = _circ.CircuitArrays(spec.n_inputs, spec.n_gates, spec.n_outputs, spec.settle_steps,
                                          self.inputs, self.mask)

    def population(self, genomes):
        genomes = np.array(genomes, dtype=_circ.GENOME_DTYPE, ndmin=2)
        return Population.allocate(genomes, self.n_outputs, self.n_words,
                                   effective=np.zeros(genomes.shape[0], np.uint64))

    def random_population(self, size, state):
        return self.population(_circ.random_genomes(size, self.high, state))

    def evaluate(self, pop):
        arrays = self.arrays
        if arrays.inputs is not self.inputs:  # noisy scoring swaps in flipped input columns for a call
            arrays = arrays._replace(inputs=self.inputs)
        args = (pop.genomes, arrays, pop.stale, pop.tables, pop.valid, pop.size, pop.extra["effective"])
        if self.parallel:
            _circ.evaluate_parallel(*args, 4 * get_num_threads())
        else:
            _circ.evaluate(*args)
        if self.read_unsettled:  # every row counts, read at step T
            pop.valid[:] = self.mask

    def vary(self, pop, keep, selection, state):
        self._mutate(pop.genomes, keep, selection.pm, self.high, state, pop.stale, pop.extra["effective"],
                     self.spec.n_gates)
        _circ.crossover(pop.genomes, keep, selection.pc, state, pop.stale)

    def cost(self, name, pop, params):
        if name == "connections":  # two wires per effective gate, one per output
            return (2 * pop.size + self.n_outputs).astype(np.float64)
        if name == "locality":
            out = np.empty(pop.genomes.shape[0])
            s = self.spec
            px, py = address_positions(s.n_inputs + s.n_gates + s.n_outputs, params.gate_layout, s.n_inputs,
                                       params.layout_seed)
            locality(pop.genomes, s.n_inputs, s.n_gates, s.n_outputs, px, py, float(params.locality_exponent),
                     out)
            return out
        raise KeyError(name)

    def row_costs(self, pop, i, params):
        return {"connections": 2 * pop.size[i] + self.n_outputs}

    def to_graph(self, genome, inputs=None, directed=False):
        return _circ.to_graph(genome, self.spec, inputs, directed)

    def adjacency(self, genome, directed=False):
        s = self.spec
        return _circ.graph_matrix(genome, s.n_inputs, s.n_gates, s.n_outputs, bool(directed))[0]

    def headline(self, genome, size):
        s = self.spec
        return f"{s.n_gates}-gate NAND circuit, {size} effective gates" + (", feed-forward" if s.feedforward else "")

    def describe(self, genome, inputs):
        return _circ.describe(genome, self.spec, inputs)

    def program(self, genome, inputs=None):
        """The ``to_graph`` nodes as a ``Program`` (``evomod.representations.program``): every node's value,
        and interventions on its wires."""
        from evomod.representations.program import from_circuit

        return from_circuit(genome, self.spec, self.to_graph(genome, inputs)[1])

    def drawing(self, genome, inputs=None):
        """Nodes of ``to_graph`` placed in rows by their longest distance from
        the inputs (cycles of feedback circuits broken by shortest distance),
        and the wires between them (weight 1)."""
        import networkx as nx

        A, names = self.to_graph(genome, inputs, directed=True)
        g = nx.from_numpy_array(A, create_using=nx.DiGraph)
        n = self.n_inputs
        if nx.is_directed_acyclic_graph(g):  # a generation is the longest path from the inputs
            depth = {v: k for k, gen in enumerate(nx.topological_generations(g)) for v in gen}
        else:
            depth = nx.multi_source_dijkstra_path_length(g, set(range(n)))
        top = max(depth.values(), default=0) + 1
        row = np.array([depth.get(v, top) for v in range(len(names))], dtype=float)
        row[len(names) - self.n_outputs:] = row[:len(names) - self.n_outputs].max() + 1  # a row of their own
        pos = np.zeros((len(names), 2))
        for r in np.unique(row):
            members = np.flatnonzero(row == r)
            pos[members, 0] = np.arange(len(members)) - (len(members) - 1) / 2
            pos[members, 1] = r
        edges = [(int(i), int(j), 1) for i, j in zip(*np.nonzero(A))]
        return {"positions": pos, "edges": edges, "names": names}

    def mutation_effects(self, genome, names, labels):
        """Every single-locus rewiring of an effective gate, by module (``evomod.measures.functional``)."""
        from evomod.measures.functional import mutation_effects

        return mutation_effects(genome, self.spec, names, labels)

    def check_genome(self, values):
        high = self.spec.locus_high()
        if isinstance(values, list) and len(values) == self.spec.n_loci and all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < h for v, h in zip(values, high)):
            return ""
        return f"must be {self.spec.n_loci} integer addresses, locus j in [0, {int(high.max())})"


def check(params: NandParams, context) -> None:
    """Addresses (inputs, then gates) must fit the int16 genome."""
    if 2 * params.gates + len(context.task.inputs) > 32000:
        raise ConfigError("representation.gates: too many gates", "representation.gates")


@REPRESENTATIONS.register("nand", NandParams, check=check)
def nand(params: NandParams, n_inputs: int) -> NandCircuits:
    return NandCircuits(_circ.CircuitSpec(n_inputs, params.gates, params.outputs, params.feedforward,
                                          params.settle_steps or params.gates + 1),
                        params.unsettled, params.mutation)

"""A circuit or network as a program of nodes, evaluated one input row at a
time with optional interventions on its wires.

The graph-level measures of ``evomod.measures.infoflow`` and ``evomod.measures.functional``
need every node's value, not just the outputs' truth tables, and they need
to cut chosen wires and feed them chosen values (the do-operator). A
``Program`` lists the nodes of the representation's ``to_graph`` in the same
order (inputs, kept gates or neurons, outputs) with their sources; one numba
kernel evaluates it for both genome types.

Node kinds: an input reads its column of the row; ``NAND`` reads two
sources; ``COPY`` (a circuit's output) repeats its source; ``SIGN`` and
``STEP`` are a layered network's neurons, ``sign`` or ``> 0`` of
``bias + sum(weight * source)``. A cyclic circuit is updated synchronously
from all-zero gates for ``steps`` steps, the rule of ``evomod.representations.nand.kernels``;
its outputs copy the gates' state after the last step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

INPUT, NAND, COPY, SIGN, STEP = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Program:
    """Nodes with their sources (CSR: node ``v`` reads ``src[src_start[v]:src_start[v+1]]``).

    ``column[v]`` is the input column an input node reads; ``order`` lists
    the non-input nodes in evaluation order (sources first when acyclic);
    ``steps`` is 0 for a single pass, else the synchronous update steps;
    ``rows`` int8 (R, N) holds every input row's input values.
    """

    kind: np.ndarray
    column: np.ndarray
    src_start: np.ndarray
    src: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    order: np.ndarray
    steps: int
    rows: np.ndarray
    names: list

    @property
    def n_nodes(self) -> int:
        return self.kind.shape[0]

    @property
    def n_rows(self) -> int:
        return self.rows.shape[0]

    def wires(self) -> tuple[np.ndarray, np.ndarray]:
        """``(source, reader)`` node of every wire, int64 (E,) each."""
        reader = np.repeat(np.arange(self.n_nodes), np.diff(self.src_start))
        return self.src, reader

    def connected(self) -> np.ndarray:
        """bool (n,): nodes on at least one wire."""
        src, reader = self.wires()
        out = np.zeros(self.n_nodes, dtype=np.bool_)
        out[src] = True
        out[reader] = True
        return out

    def arrays(self) -> tuple:
        """The kernels' leading arguments."""
        return (self.kind, self.column, self.src_start, self.src, self.weight, self.bias, self.order,
                self.steps, self.rows)

    def values(self) -> np.ndarray:
        """int8 (R, n): every node's value on every input row."""
        out = np.empty((self.n_rows, self.n_nodes), dtype=np.int8)
        evaluate_rows(*self.arrays(), out)
        return out


def _csr(sources: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    start = np.zeros(len(sources) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(s) for s in sources])
    flat = np.array([a for s in sources for a in s], dtype=np.int64)
    return start, flat


def input_rows(n_inputs: int, levels=(0, 1)) -> np.ndarray:
    """int8 (2**N, N): row ``r`` holds input k's value, input 0 most significant
    (the truth-table row order of ``evomod.problems.goals``).

    Parameters
    ----------
    n_inputs : int
    levels : (int, int)
        The values of a 0 bit and a 1 bit (the retina's networks may use -1, 1).

    Examples
    --------
    >>> input_rows(2).tolist(), input_rows(1, levels=(-1, 1)).tolist()
    ([[0, 0], [0, 1], [1, 0], [1, 1]], [[-1], [1]])
    """
    from evomod.problems.goals import input_tables, unpack

    bits = np.stack([unpack(column, n_inputs) for column in input_tables(n_inputs)], axis=1)
    return np.where(bits, levels[1], levels[0]).astype(np.int8)


def from_circuit(genome, spec, names) -> Program:
    """The NAND circuit's ``to_graph`` nodes: inputs, effective gates, outputs.

    Parameters
    ----------
    genome : array_like of int
    spec : CircuitSpec
    names : list of str
        Node names, as ``to_graph`` gives them.

    Returns
    -------
    Program
    """
    from evomod.representations.nand import kernels as _circ

    genome = np.asarray(genome, dtype=np.int64)
    n, k = spec.n_inputs, spec.n_outputs
    gates = _circ.effective_gates(genome, spec)
    node_of = {a: a for a in range(n)}
    node_of.update({n + g: n + pos for pos, g in enumerate(gates)})
    sources = [[] for _ in range(n)]
    sources += [[node_of[int(genome[2 * g])], node_of[int(genome[2 * g + 1])]] for g in gates]
    sources += [[node_of[int(genome[2 * spec.n_gates + o])]] for o in range(k)]
    kind = np.array([INPUT] * n + [NAND] * len(gates) + [COPY] * k, dtype=np.int8)
    # a gate reading itself or a later gate of the order closes a cycle
    cyclic = any(s >= n + pos for pos, g in enumerate(gates) for s in sources[n + pos])
    start, src = _csr(sources)
    return Program(kind, np.concatenate([np.arange(n), -np.ones(len(gates) + k, np.int64)]), start, src,
                   np.ones(src.size, np.int64), np.zeros(kind.size, np.int64),
                   np.arange(n, kind.size, dtype=np.int64), spec.settle_steps if cyclic else 0,
                   input_rows(n), list(names))


def from_network(genome, spec, names) -> Program:
    """The layered network's ``to_graph`` nodes: inputs, kept hidden nodes, outputs.

    Parameters
    ----------
    genome : array_like of int
    spec : LayeredSpec
    names : list of str
        Node names, as ``to_graph`` gives them.

    Returns
    -------
    Program
    """
    from evomod.representations.layered import kernels as _lay
    from evomod.representations.layered import wiring as _wir

    genome = np.asarray(genome)
    nodes = np.flatnonzero(_wir.prune(genome, spec))
    where = -np.ones(spec.n_nodes, dtype=np.int64)
    where[nodes] = np.arange(nodes.size)
    sources, weights = [[] for _ in nodes], [[] for _ in nodes]
    for s in np.flatnonzero(genome[: spec.n_slots]):
        a, b = where[spec.slot_src[s]], where[spec.slot_dst[s]]
        if a >= 0 and b >= 0:
            sources[b].append(int(a))
            weights[b].append(int(genome[s]))
    start, src = _csr(sources)
    n = spec.n_inputs
    bias = np.array([0 if v < n else int(genome[spec.n_slots + v - n]) for v in nodes], dtype=np.int64)
    neuron = SIGN if spec.act == _lay.ACT_TANH20 else STEP
    kind = np.array([INPUT if v < n else neuron for v in nodes], dtype=np.int8)
    return Program(kind, np.where(nodes < n, nodes, -1).astype(np.int64), start, src,
                   np.array([w for ws in weights for w in ws], dtype=np.int64), bias,
                   np.arange(n, nodes.size, dtype=np.int64), 0, input_rows(n, spec.input_levels),
                   list(names))


# --- kernels ----------------------------------------------------------------

@njit(cache=True, inline="always")
def _node(v, kind, src_start, src, weight, bias, state, cut, forced):
    """Value of non-input node ``v`` from ``state``; a cut wire reads ``forced`` instead."""
    k = kind[v]
    if k == NAND or k == COPY:
        a = np.int64(1)
        for e in range(src_start[v], src_start[v + 1]):
            a &= forced[src[e]] if cut[e] else state[src[e]]
        return 1 - a if k == NAND else a
    total = bias[v]
    for e in range(src_start[v], src_start[v + 1]):
        total += weight[e] * (forced[src[e]] if cut[e] else state[src[e]])
    if k == SIGN:
        return (total > 0) - (total < 0)
    return np.int64(total > 0)


@njit(cache=True, inline="always")
def _step(kind, src_start, src, weight, bias, order, cut, forced, vals, scratch):
    """One synchronous update of every non-COPY node of ``vals``."""
    scratch[:] = vals
    for v in order:
        if kind[v] != COPY:
            vals[v] = _node(v, kind, src_start, src, weight, bias, scratch, cut, forced)


@njit(cache=True)
def evaluate_row(kind, column, src_start, src, weight, bias, order, steps, row, cut, forced, vals, scratch):
    """Every node's value on one input row into ``vals`` (int8 (n,))."""
    for v in range(kind.shape[0]):
        vals[v] = row[column[v]] if kind[v] == INPUT else 0
    if steps == 0:
        for v in order:
            vals[v] = _node(v, kind, src_start, src, weight, bias, vals, cut, forced)
        return
    # Synchronous steps: every gate reads the previous step's state. The state
    # sequence is deterministic, so once a state recurs (Brent's cycle
    # detection: compare with a saved state, re-saved at powers of two) the
    # state after ``steps`` is the one (steps - t) mod period steps on: a huge
    # ``steps`` costs no more than the transient and one period.
    saved = vals.copy()
    power, lam, t = 1, 0, 0
    while t < steps:
        _step(kind, src_start, src, weight, bias, order, cut, forced, vals, scratch)
        t += 1
        lam += 1
        same = True
        for v in range(vals.shape[0]):
            if vals[v] != saved[v]:
                same = False
                break
        if same:  # period lam (1: a fixed point)
            for _ in range((steps - t) % lam):
                _step(kind, src_start, src, weight, bias, order, cut, forced, vals, scratch)
            break
        if lam == power:
            saved[:] = vals
            power *= 2
            lam = 0
    for v in order:
        if kind[v] == COPY:
            vals[v] = _node(v, kind, src_start, src, weight, bias, vals, cut, forced)


@njit(cache=True)
def evaluate_rows(kind, column, src_start, src, weight, bias, order, steps, rows, out):
    """Every node's value on every input row, no interventions: ``out`` int8 (R, n)."""
    n = kind.shape[0]
    cut = np.zeros(src.shape[0], dtype=np.bool_)
    forced = np.zeros(n, dtype=np.int8)
    scratch = np.empty(n, dtype=np.int8)
    for r in range(rows.shape[0]):
        evaluate_row(kind, column, src_start, src, weight, bias, order, steps, rows[r], cut, forced, out[r],
                     scratch)

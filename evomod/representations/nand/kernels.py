"""NAND logic circuits (Kashtan & Alon 2005) as a population of integer arrays.

Genome layout
-------------
One row per individual, ``2*G + K`` loci (``int16``): gate ``g`` reads the
addresses in loci ``2g`` and ``2g+1``; output ``k`` reads the address in locus
``2G + k``. Address ``a < N`` is input ``a``; address ``a >= N`` is gate
``a - N``. Gates may read any gate (feedback, as in the original) unless
``feedforward``, where gate ``g`` may read only addresses ``< N + g``.

Evaluation rule
---------------
All ``2**N`` input rows are evaluated at once, one bit per row in ``uint64``
words. *Effective* gates are those with a path to an output. In every row all
gates start at 0 and are updated synchronously ``settle_steps`` times
(``T >= G + 1``); a row has *settled* if the effective gates' state after step
T equals their state after step T-1, and a row that has not settled counts as
wrong for every output. When the effective gates form no cycle, the result of
that rule is the ordinary topological evaluation (they settle after at most G
steps), so the kernel evaluates acyclic circuits in one pass and iterates only
cyclic ones, stopping early once every row is at a fixed point or in a
2-cycle (the state at step T is then known). ``evomod.testing.reference`` implements the rule literally; tests check
the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from evomod import rng as _rng
from evomod.problems.goals import MAX_INPUTS, input_tables, row_mask

GENOME_DTYPE = np.int16


class CircuitArrays(NamedTuple):
    """A circuit spec as one kernel argument: N, G, K, T and the packed input
    columns and valid-row mask (``goals.input_tables(N)``, ``goals.row_mask(N)``)."""

    n_inputs: int
    n_gates: int
    n_outputs: int
    settle_steps: int
    inputs: np.ndarray
    mask: np.ndarray


@dataclass(frozen=True)
class CircuitSpec:
    """Shape of a NAND circuit population.

    Parameters
    ----------
    n_inputs, n_gates, n_outputs : int
        N (1..goals.MAX_INPUTS = 11), G and K.
    feedforward : bool
        Forbid cycles by letting gate g read only inputs and gates < g.
    settle_steps : int
        Synchronous update steps T for cyclic circuits; at least G + 1.
    """

    n_inputs: int
    n_gates: int
    n_outputs: int = 1
    feedforward: bool = False
    settle_steps: int = 0

    def __post_init__(self):
        if self.settle_steps == 0:
            object.__setattr__(self, "settle_steps", self.n_gates + 1)
        if not 1 <= self.n_inputs <= MAX_INPUTS:
            raise ValueError(f"n_inputs must be in 1..{MAX_INPUTS}, got {self.n_inputs}")
        if self.n_inputs + self.n_gates > np.iinfo(GENOME_DTYPE).max:
            raise ValueError("too many gates for an int16 genome")
        if self.settle_steps < self.n_gates + 1:
            raise ValueError(f"settle_steps must be >= gates + 1 = {self.n_gates + 1}")

    @property
    def n_loci(self) -> int:
        return 2 * self.n_gates + self.n_outputs

    @property
    def n_rows(self) -> int:
        return 1 << self.n_inputs

    @property
    def n_words(self) -> int:
        return (self.n_rows + 63) // 64

    def locus_high(self) -> np.ndarray:
        """Exclusive upper bound of each locus's addresses, ``int64 (n_loci,)``."""
        n, g = self.n_inputs, self.n_gates
        high = np.full(self.n_loci, n + g, dtype=np.int64)
        if self.feedforward:
            gate_of_locus = np.arange(2 * g) // 2
            high[: 2 * g] = n + gate_of_locus
        return high

    def arrays(self) -> CircuitArrays:
        """This spec as the kernels take it (:class:`CircuitArrays`)."""
        return CircuitArrays(self.n_inputs, self.n_gates, self.n_outputs, self.settle_steps,
                             input_tables(self.n_inputs), row_mask(self.n_inputs))

    def address_name(self, a: int, inputs=None) -> str:
        if a < self.n_inputs:
            return inputs[a] if inputs is not None else f"in{a}"
        return f"g{a - self.n_inputs}"


# --- population kernels -----------------------------------------------------

@njit(cache=True)
def random_genomes(size, high, state):
    """``size`` genomes with every locus uniform in ``[0, high[locus])``."""
    out = np.empty((size, high.shape[0]), dtype=np.int16)
    for i in range(size):
        for j in range(high.shape[0]):
            out[i, j] = _rng.below(state, high[j])
    return out


@njit(cache=True)
def mutate(genomes, keep, pm, high, state, stale, effective, n_gates):
    """Kashtan–Alon point mutation, in place.

    Each row not in ``keep``, with probability ``pm``, gets one uniformly
    chosen locus redrawn uniformly from its allowed addresses (possibly the
    same one). Rows whose tables may have changed are flagged in ``stale``:
    a redrawn input of a non-effective gate (bit clear in ``effective``)
    changes neither the outputs nor which gates are effective, so such a
    neutral mutation leaves the row's evaluation valid, as does a redraw that
    picks the address the locus already held (1 in N + G).
    """
    n_loci = genomes.shape[1]
    for i in range(genomes.shape[0]):
        if keep[i]:
            continue
        if _rng.uniform(state) < pm:
            _redraw(genomes, i, _rng.below(state, n_loci), high, state, stale, effective, n_gates)


@njit(cache=True, inline="always")
def _redraw(genomes, i, j, high, state, stale, effective, n_gates):
    """Locus ``j`` of row ``i`` redrawn uniformly; ``stale[i]`` set unless nothing that counts changed (the
    same address again, or an input of a gate that is not effective)."""
    new = _rng.below(state, high[j])
    if new == genomes[i, j]:
        return
    genomes[i, j] = new
    gate = j // 2
    neutral = gate < n_gates and gate < 64 and not ((effective[i] >> np.uint64(gate)) & np.uint64(1))
    if not neutral:
        stale[i] = True


@njit(cache=True)
def mutate_per_locus(genomes, keep, pm, high, state, stale, effective, n_gates):
    """Per-locus point mutation, in place: each locus of each row not in
    ``keep`` is redrawn with probability ``pm / n_loci`` (the same expected
    number of redraws per genome as :func:`mutate`, but possibly several).
    ``stale`` as in :func:`mutate`: a change to an input of a non-effective
    gate, judged on the row's gates before this call, is neutral."""
    n_loci = genomes.shape[1]
    rate = pm / n_loci
    for i in range(genomes.shape[0]):
        if keep[i]:
            continue
        for j in range(n_loci):
            if _rng.uniform(state) < rate:
                _redraw(genomes, i, j, high, state, stale, effective, n_gates)


@njit(cache=True)
def crossover(genomes, keep, pc, state, stale):
    """One-point crossover, in place: each row not in ``keep``, with
    probability ``pc``, takes the loci after a random cut from a random
    partner row (read from a snapshot, so partners are unvaried parents)."""
    size, n_loci = genomes.shape
    if pc <= 0.0 or n_loci < 2:
        return
    parents = genomes.copy()
    for i in range(size):
        if keep[i]:
            continue
        if _rng.uniform(state) < pc:
            partner = _rng.below(state, size)
            cut = 1 + _rng.below(state, n_loci - 1)
            for j in range(cut, n_loci):
                genomes[i, j] = parents[partner, j]
            stale[i] = True


@njit(cache=True)
def input_buffer(n_inputs, n_gates, inputs):
    """Value buffer with rows 0..N-1 holding the input columns, gate rows 0."""
    buf = np.zeros((n_inputs + n_gates, inputs.shape[1]), dtype=np.uint64)
    for a in range(n_inputs):  # loops: a slice assignment costs seconds of compile time
        for w in range(inputs.shape[1]):
            buf[a, w] = inputs[a, w]
    return buf


@njit(cache=True, inline="always")
def _index_ordered_bits(genome, n_inputs, n_gates, n_outputs):
    """Fast path (G <= 64) for circuits whose effective gates read only
    earlier gates (always so when feed-forward): one backward sweep marks
    them in a bit set. Returns ``(bits, count)``, count -1 as soon as an
    effective gate reads itself or a later gate."""
    one = np.uint64(1)
    bits = np.uint64(0)
    for k in range(n_outputs):
        a = genome[2 * n_gates + k] - n_inputs
        if a >= 0:
            bits |= one << np.uint64(a)
    count = 0
    for g in range(n_gates - 1, -1, -1):
        if (bits >> np.uint64(g)) & one:
            count += 1
            sa = genome[2 * g] - n_inputs
            sb = genome[2 * g + 1] - n_inputs
            if sa >= g or sb >= g:
                return bits, -1
            if sa >= 0:
                bits |= one << np.uint64(sa)
            if sb >= 0:
                bits |= one << np.uint64(sb)
    return bits, count


@njit(cache=True, inline="always")
def _effective_order(genome, n_inputs, n_gates, n_outputs, state, stack, order):
    """Depth-first search from the outputs over the read edges.

    Fills ``order`` with the effective gates in post-order (sources first)
    and returns ``(count, cyclic)``. ``state`` and ``stack`` are scratch
    (state 0 new, 1 on the current path, 2 done); a read of a gate on the
    current path closes a cycle.
    """
    state[:] = 0
    count = 0
    cyclic = False
    for k in range(n_outputs):
        a = genome[2 * n_gates + k]
        if a < n_inputs or state[a - n_inputs] == 2:
            continue
        stack[0] = a - n_inputs
        state[a - n_inputs] = 1
        sp = 1
        while sp > 0:
            g = stack[sp - 1]
            pushed = False
            for side in range(2):
                src = genome[2 * g + side]
                if src >= n_inputs:
                    h = src - n_inputs
                    if state[h] == 0:
                        state[h] = 1
                        stack[sp] = h
                        sp += 1
                        pushed = True
                        break
                    if state[h] == 1:
                        cyclic = True
            if not pushed:
                sp -= 1
                state[g] = 2
                order[count] = g
                count += 1
    return count, cyclic


@njit(cache=True, inline="always")
def _iterate_cyclic(genome, n_inputs, count, order, settle_steps, mask, ring, wires, settled):
    """Synchronous update of the effective gates from all-zero, T steps.

    ``ring`` (3, W, N+G) holds the states of steps s-1, s and s+1 in
    rotation, word-major so that one word of one state is a contiguous row.
    Once every row is at a fixed point or in a 2-cycle, later states only
    alternate, so the loop stops and picks step T's state by parity: the
    result is the T-step rule exactly (evolved cyclic circuits get there by
    step 6 to 9). ``wires`` (3, G) is scratch for the gates' source and
    destination addresses. Writes the settled rows into ``settled`` (W,) and
    returns the index in ``ring`` of step T's state.
    """
    n_words = mask.shape[0]
    for idx in range(count):
        g = order[idx]
        wires[0, idx] = genome[2 * g]
        wires[1, idx] = genome[2 * g + 1]
        wires[2, idx] = n_inputs + g
        for w in range(n_words):
            ring[0, w, n_inputs + g] = 0
    cur, prev, nxt = 0, 1, 2  # ring[prev] is not a state until step 2
    final, before = 0, 1
    for step in range(1, settle_steps + 1):
        # compute step ``step`` into ring[nxt], comparing it with the two before
        done = True
        for w in range(n_words):
            src = ring[cur, w]
            old = ring[prev, w]
            dst = ring[nxt, w]
            m = mask[w]
            fixed = m
            period2 = m if step >= 2 else np.uint64(0)
            for idx in range(count):
                g = wires[2, idx]
                v = ~(src[wires[0, idx]] & src[wires[1, idx]]) & m
                fixed &= ~(v ^ src[g])
                period2 &= ~(v ^ old[g])
                dst[g] = v
            if (fixed | period2) != m:
                done = False
        nxt, prev, cur = prev, cur, nxt
        final, before = cur, prev
        if done and step < settle_steps:
            if (settle_steps - step) % 2 == 1:
                final, before = prev, cur
            break
    for w in range(n_words):
        diff = np.uint64(0)
        for idx in range(count):
            g = wires[2, idx]
            diff |= ring[final, w, g] ^ ring[before, w, g]
        settled[w] = mask[w] & ~diff
    return final


@njit(cache=True)
def _evaluate_rows(genomes, circuits, todo, out_tables, settled, n_effective, effective, lo, hi):
    """:func:`evaluate` on rows ``lo..hi-1`` with scratch buffers of its own."""
    n_inputs, n_gates, n_outputs, settle_steps, inputs, mask = circuits
    n_words = inputs.shape[1]
    buf = input_buffer(n_inputs, n_gates, inputs)
    ring = np.empty((3, n_words, n_inputs + n_gates), dtype=np.uint64)
    for j in range(3):
        for a in range(n_inputs + n_gates):
            for w in range(n_words):
                ring[j, w, a] = buf[a, w]
    wires = np.empty((3, n_gates), dtype=np.int64)
    scratch = np.empty(n_gates, dtype=np.int8)
    stack = np.empty(n_gates, dtype=np.int64)
    order = np.empty(n_gates, dtype=np.int64)
    base = 2 * n_gates
    for i in range(lo, hi):
        if not todo[i]:
            continue
        todo[i] = False
        genome = genomes[i]
        count, cyclic = -1, False
        if n_gates <= 64:
            bits, count = _index_ordered_bits(genome, n_inputs, n_gates, n_outputs)
            if count >= 0:  # index order is a topological order: list it
                pos = 0
                for g in range(n_gates):
                    if (bits >> np.uint64(g)) & np.uint64(1):
                        order[pos] = g
                        pos += 1
        if count < 0:
            # some effective gate reads a later one: search the order (and cycles)
            count, cyclic = _effective_order(genome, n_inputs, n_gates, n_outputs, scratch, stack, order)
            bits = ~np.uint64(0) if n_gates > 64 else np.uint64(0)
            if n_gates <= 64:
                for idx in range(count):
                    bits |= np.uint64(1) << np.uint64(order[idx])
        n_effective[i] = count
        effective[i] = bits
        if not cyclic:
            for idx in range(count):
                g = order[idx]
                a = genome[2 * g]
                b = genome[2 * g + 1]
                for w in range(n_words):
                    buf[n_inputs + g, w] = ~(buf[a, w] & buf[b, w]) & mask[w]
            for w in range(n_words):
                settled[i, w] = mask[w]
        else:
            last = _iterate_cyclic(genome, n_inputs, count, order, settle_steps, mask, ring, wires,
                                   settled[i])
            for k in range(n_outputs):
                a = genome[base + k]
                for w in range(n_words):
                    out_tables[i, k, w] = ring[last, w, a]
            continue
        for k in range(n_outputs):
            a = genome[base + k]
            for w in range(n_words):
                out_tables[i, k, w] = buf[a, w]


@njit(cache=True)
def evaluate(genomes, circuits, todo, out_tables, settled, n_effective, effective):
    """Evaluate the rows of ``genomes`` flagged in ``todo`` on all input rows.

    Parameters
    ----------
    genomes : int16 (S, 2G+K)
    circuits : CircuitArrays
        N, G, K, T, the packed input columns ``uint64 (N, W)`` and the
        valid-row bits ``uint64 (W,)`` (:meth:`CircuitSpec.arrays`).
    todo : bool (S,), updated
        Rows to evaluate (cleared once done); other rows are left as they are.
    out_tables : uint64 (S, K, W), written
        Output truth tables.
    settled : uint64 (S, W), written
        Rows (bits) that settled.
    n_effective : int64 (S,), written
        Number of effective gates.
    effective : uint64 (S,), written
        Bit g set if gate g is effective (all bits set when G > 64).
    """
    _evaluate_rows(genomes, circuits, todo, out_tables, settled, n_effective, effective, 0, genomes.shape[0])


@njit(cache=True, parallel=True)
def evaluate_parallel(genomes, circuits, todo, out_tables, settled, n_effective, effective, n_chunks):
    """:func:`evaluate` on all cores: ``prange`` over ``n_chunks`` chunks of
    rows (a few per thread), each with its own scratch buffers. Every row's
    result is what :func:`evaluate` writes (a row is evaluated alone), so the
    two are interchangeable."""
    size = genomes.shape[0]
    n_chunks = max(1, min(size, n_chunks))
    for c in prange(n_chunks):
        _evaluate_rows(genomes, circuits, todo, out_tables, settled, n_effective, effective,
                       c * size // n_chunks, (c + 1) * size // n_chunks)


# --- one genome, for people -------------------------------------------------

def effective_gates(genome: np.ndarray, spec: CircuitSpec) -> list[int]:
    """Indices of the effective gates of one genome, sources first."""
    scratch = np.empty(spec.n_gates, dtype=np.int8)
    stack = np.empty(spec.n_gates, dtype=np.int64)
    order = np.empty(spec.n_gates, dtype=np.int64)
    count, _ = _effective_order(np.asarray(genome, dtype=GENOME_DTYPE), spec.n_inputs,
                                spec.n_gates, spec.n_outputs, scratch, stack, order)
    return [int(g) for g in order[:count]]


@njit(cache=True)
def graph_matrix(genome, n_inputs, n_gates, n_outputs, directed):
    """``(A, order, count)``: the adjacency matrix of :func:`to_graph` and the
    effective gates in its node order (``order[:count]``), in one kernel call
    (the modularity tracker builds one per new best genome)."""
    scratch = np.empty(n_gates, dtype=np.int8)
    stack = np.empty(n_gates, dtype=np.int64)
    order = np.empty(n_gates, dtype=np.int64)
    count, _ = _effective_order(genome, n_inputs, n_gates, n_outputs, scratch, stack, order)
    node_of = np.empty(n_inputs + n_gates, dtype=np.int64)
    for a in range(n_inputs):
        node_of[a] = a
    for pos in range(count):
        node_of[n_inputs + order[pos]] = n_inputs + pos
    size = n_inputs + count + n_outputs
    A = np.zeros((size, size))
    for pos in range(count):
        dst = n_inputs + pos
        for side in range(2):
            src = node_of[genome[2 * order[pos] + side]]
            if src != dst:
                A[src, dst] = 1.0
                if not directed:
                    A[dst, src] = 1.0
    for k in range(n_outputs):
        src = node_of[genome[2 * n_gates + k]]
        A[src, n_inputs + count + k] = 1.0
        if not directed:
            A[n_inputs + count + k, src] = 1.0
    return A, order, count


def adjacency(genome: np.ndarray, spec: CircuitSpec, directed: bool = False) -> np.ndarray:
    """The adjacency matrix of :func:`to_graph` alone (no node names)."""
    return graph_matrix(np.asarray(genome, dtype=GENOME_DTYPE), spec.n_inputs, spec.n_gates, spec.n_outputs,
                        bool(directed))[0]


def to_graph(genome: np.ndarray, spec: CircuitSpec, inputs=None, directed: bool = False):
    """The circuit as a network for modularity: ``(A, names)``.

    Nodes are the N inputs, the effective gates (sources first) and the K
    outputs; each wire is an edge from the address read to the reader,
    ``A[i, j] = 1`` for i -> j (symmetrised when not ``directed``). A gate
    reading the same source twice gives one edge, and a gate reading itself
    gives none: Q is defined on simple graphs here, as the degree-preserving
    null model (no self-loops, no multi-edges) requires.
    """
    A, order, count = graph_matrix(np.asarray(genome, dtype=GENOME_DTYPE), spec.n_inputs, spec.n_gates,
                                   spec.n_outputs, bool(directed))
    names = [spec.address_name(a, inputs) for a in range(spec.n_inputs)] + \
            [f"g{g}" for g in order[:count].tolist()] + [f"out{o}" for o in range(spec.n_outputs)]
    return A, names


def describe(genome: np.ndarray, spec: CircuitSpec, inputs) -> list[str]:
    """One line per effective gate and output, e.g. ``g3 = NAND(x, g1)``."""
    lines = []
    for g in effective_gates(genome, spec):
        a, b = int(genome[2 * g]), int(genome[2 * g + 1])
        lines.append(f"g{g} = NAND({spec.address_name(a, inputs)}, {spec.address_name(b, inputs)})")
    for k in range(spec.n_outputs):
        a = int(genome[2 * spec.n_gates + k])
        lines.append(f"out{k} = {spec.address_name(a, inputs)}")
    return lines

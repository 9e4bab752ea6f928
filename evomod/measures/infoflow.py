"""Information-flow modularity: how many bits the modules of a partition
exchange, measured by intervention (the counterfactual mutual information of
Bushnaq & al., "What Is The True Name of Modularity?", seed note 000).

Exchange from module A to module B
----------------------------------
The *sent signal* S is the joint value of the nodes of A that have a wire
into B. Cut those wires and feed them a value s drawn from S's own
distribution over the input rows, independently of the row (do(S = s)); the
*received signal* C is the joint state of all nodes of B. The exchange is

    I(S : C) = sum_s P(s) sum_c P(c | do(s)) log2 P(c | do(s)) / P(c),

P(c) = sum_s P(s) P(c | do(s)), with rows uniform. It is the mutual
information of (S, C) when S is decorrelated from the input: 0 when no wire
goes from A to B, and at most H(S). Wires inside a module and between other
pairs of modules are left alone. *Exact* uses every input row and every
value of S. S takes at most as many values as there are rows, so when
rows**2 would exceed ``max_evaluations`` (more than 256 rows by default), a
fixed random subset of sqrt(max_evaluations) rows stands for all of them
(``exact`` false).

Score of a partition
--------------------
X = total exchange over ordered pairs of modules. The baseline is the mean
X of random partitions with the same module sizes (labels shuffled among the
nodes on a wire; all of them when there are at most ``n_random``). The score
``1 - X / baseline`` is 1 when modules exchange nothing, 0 when they exchange
as much as random modules of their sizes. It is the seed's ratio of average
to minimum exchange, bounded, and compared size for size so that tiny
modules, which send little by being tiny, are not favoured. ``search``
finds the partition with the highest score: every bipartition when there
are few, else steepest single-node moves from the given start and random
starts.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from evomod.representations.program import Program, evaluate_row

_CHUNK_SECONDS = 0.25  # kernel time between two chances to see Ctrl-C
_PROGRESS_AFTER = 3.0  # seconds of projected work that earn a progress bar


class PartitionError(ValueError):
    """A partition that does not fit the graph."""


@dataclass(frozen=True)
class InfoFlow:
    """Exchange between the modules of one partition and its score."""

    labels: np.ndarray  # int64 (n,), module of each node, modules 0..k-1
    exchange: np.ndarray  # float64 (k, k): bits from module a (row) to module b (column)
    baseline: float  # mean total exchange of random partitions of the same sizes
    score: float  # 1 - total / baseline; NaN when nothing flows at all
    exact: bool  # every input row used (else a fixed random subset)
    names: list = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(self.exchange.sum())

    def as_dict(self) -> dict:
        modules = [[n for n, lab in zip(self.names, self.labels) if lab == k] for k in range(len(self.exchange))]
        return {"labels": [int(v) for v in self.labels], "names": list(self.names), "modules": modules,
                "exchange": [[round(float(v), 6) for v in row] for row in self.exchange],
                "total": round(self.total, 6), "baseline": round(float(self.baseline), 6),
                "score": None if math.isnan(self.score) else round(float(self.score), 6),
                "exact": self.exact}


def check_labels(labels, n_nodes: int, names=None) -> np.ndarray:
    """Labels as int64 modules 0..k-1, every module used; else ``PartitionError``.

    Parameters
    ----------
    labels : array_like of int (n_nodes,)
    n_nodes : int
    names : list of str, optional
        Node names, for the message.

    Examples
    --------
    >>> check_labels([0, 1, 1, 0], 4).tolist()
    [0, 1, 1, 0]
    >>> check_labels([0, 2, 2, 0], 4)
    Traceback (most recent call last):
    ...
    evomod.measures.infoflow.PartitionError: ...
    """
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.size != n_nodes:
        where = f" ({', '.join(names)})" if names is not None else ""
        raise PartitionError(f"labels: got {arr.size} labels, the graph has {n_nodes} nodes{where}")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0):
        raise PartitionError("labels: must be module numbers 0, 1, 2, ...")
    arr = arr.astype(np.int64)
    k = int(arr.max()) + 1 if arr.size else 0
    empty = sorted(set(range(k)) - set(arr.tolist()))
    if empty:
        raise PartitionError(f"labels: module {empty[0]} is empty; modules must be numbered 0..k-1 "
                             f"with a node in each (used: {sorted(set(arr.tolist()))})")
    return arr


# --- kernels ----------------------------------------------------------------

@njit(cache=True)
def _code(vals, members):
    """One int64 per joint value of ``members``: exact base 3 up to 40 nodes, else a 64-bit hash."""
    h = np.uint64(0)
    if members.shape[0] <= 40:
        for v in members:
            h = h * np.uint64(3) + np.uint64(vals[v] + 1)
    else:
        for v in members:
            h = (h ^ np.uint64(vals[v] + 2)) * np.uint64(1099511628211)
    return h


@njit(cache=True)
def _entropy_sorted(codes, weights):
    """Entropy (bits) of the distribution putting ``weights[i]`` on ``codes[i]``."""
    order = np.argsort(codes)
    h = 0.0
    i = 0
    while i < order.shape[0]:
        p = 0.0
        j = i
        while j < order.shape[0] and codes[order[j]] == codes[order[i]]:
            p += weights[order[j]]
            j += 1
        if p > 0.0:
            h -= p * np.log2(p)
        i = j
    return h


@njit(cache=True)
def _pair_exchange(kind, column, src_start, src, weight, bias, order, steps, rows, base, labels, a, b,
                   use, reader, cut, forced, vals, scratch):
    """Bits module ``a`` sends module ``b`` (see the module docstring) on the rows ``use``."""
    n = kind.shape[0]
    any_cut = False
    sent_mask = np.zeros(n, dtype=np.bool_)
    for e in range(src.shape[0]):
        cut[e] = labels[src[e]] == a and labels[reader[e]] == b
        if cut[e]:
            any_cut = True
            sent_mask[src[e]] = True
    if not any_cut:
        return 0.0
    sent = np.flatnonzero(sent_mask)
    received = np.flatnonzero(labels == b)
    nr = use.shape[0]
    sent_codes = np.empty(nr, dtype=np.uint64)
    for i in range(nr):
        sent_codes[i] = _code(base[use[i]], sent)
    order_s = np.argsort(sent_codes)
    # distinct sent values, each with a row that shows it and its probability
    reps = np.empty(nr, dtype=np.int64)
    probs = np.empty(nr)
    m = 0
    i = 0
    while i < nr:
        j = i
        while j < nr and sent_codes[order_s[j]] == sent_codes[order_s[i]]:
            j += 1
        reps[m] = use[order_s[i]]
        probs[m] = (j - i) / nr
        m += 1
        i = j
    codes = np.empty(m * nr, dtype=np.uint64)
    weights = np.empty(m * nr)
    conditional = 0.0
    for s in range(m):
        for v in sent:
            forced[v] = base[reps[s], v]
        for i in range(nr):
            evaluate_row(kind, column, src_start, src, weight, bias, order, steps, rows[use[i]], cut, forced,
                         vals, scratch)
            codes[s * nr + i] = _code(vals, received)
            weights[s * nr + i] = probs[s] / nr
        conditional += probs[s] * _entropy_sorted(codes[s * nr:(s + 1) * nr], np.full(nr, 1.0 / nr))
    return max(0.0, _entropy_sorted(codes, weights) - conditional)


@njit(cache=True)
def exchange_matrices(kind, column, src_start, src, weight, bias, order, steps, rows, labelings, k, use, out):
    """``out[p, a, b]``: bits module a sends module b under labeling ``labelings[p]``."""
    n = kind.shape[0]
    base = np.empty((rows.shape[0], n), dtype=np.int8)
    cut = np.zeros(src.shape[0], dtype=np.bool_)
    forced = np.zeros(n, dtype=np.int8)
    vals = np.empty(n, dtype=np.int8)
    scratch = np.empty(n, dtype=np.int8)
    for r in range(rows.shape[0]):
        evaluate_row(kind, column, src_start, src, weight, bias, order, steps, rows[r], cut, forced, base[r],
                     scratch)
    reader = np.empty(src.shape[0], dtype=np.int64)
    for v in range(n):
        for e in range(src_start[v], src_start[v + 1]):
            reader[e] = v
    for p in range(labelings.shape[0]):
        for a in range(k):
            for b in range(k):
                out[p, a, b] = 0.0 if a == b else _pair_exchange(
                    kind, column, src_start, src, weight, bias, order, steps, rows, base, labelings[p], a, b,
                    use, reader, cut, forced, vals, scratch)


# --- Python API ---------------------------------------------------------------

class _Measure:
    """Exchange matrices of one program, with the rows used and a cache of baselines by module sizes."""

    def __init__(self, program: Program, n_random: int, seed: int, max_evaluations: int):
        self.program, self.n_random, self.seed = program, n_random, seed
        self.movable = np.flatnonzero(program.connected())
        n_rows = program.n_rows
        # S takes at most n_rows values: all rows when n_rows**2 evaluations fit
        if n_rows * n_rows <= max_evaluations:
            self.use, self.exact = np.arange(n_rows, dtype=np.int64), True
        else:
            keep = max(1, int(math.isqrt(max_evaluations)))
            self.use = np.sort(np.random.default_rng(seed).choice(n_rows, keep, replace=False)).astype(np.int64)
            self.exact = False
        self.baselines: dict[tuple, float] = {}

    def matrices(self, labelings: np.ndarray, k: int) -> np.ndarray:
        """Exchange matrices of every labeling, a few labelings per kernel call:
        Ctrl-C (which Python handles between calls) then stops a long
        measurement within about a second, and a measurement projected to
        take more than ``_PROGRESS_AFTER`` seconds shows a progress bar
        (on a terminal). The values do not depend on the chunking."""
        labelings = np.ascontiguousarray(labelings, dtype=np.int64)
        total = labelings.shape[0]
        out = np.zeros((total, k, k))
        arrays = self.program.arrays()
        done, chunk, bar = 0, 1, None
        try:
            while done < total:
                stop = min(total, done + chunk)
                t0 = time.perf_counter()
                exchange_matrices(*arrays, labelings[done:stop], k, self.use, out[done:stop])
                per = (time.perf_counter() - t0) / (stop - done)
                done = stop
                chunk = max(1, min(total - done, int(_CHUNK_SECONDS / max(per, 1e-9))))
                if bar is None and per * (total - done) > _PROGRESS_AFTER and sys.stderr.isatty():
                    from tqdm.auto import tqdm

                    bar = tqdm(total=total, initial=done, unit="partition", leave=False,
                               desc="information flow")
                if bar is not None:
                    bar.update(done - bar.n)
        finally:
            if bar is not None:
                bar.close()
        return out

    def baseline(self, labels: np.ndarray, k: int) -> float:
        sizes = (k, tuple(sorted(np.bincount(labels[self.movable], minlength=k).tolist())))
        if sizes not in self.baselines:  # seeded by the sizes: the same sample whoever asks first
            rng = np.random.default_rng([self.seed, k, *sizes[1]])
            shuffled = _relabelings(labels, self.movable, np.repeat(np.arange(k), sizes[1]), self.n_random, rng)
            self.baselines[sizes] = float(self.matrices(shuffled, k).sum(axis=(1, 2)).mean())
        return self.baselines[sizes]

    def result(self, labels: np.ndarray, matrix: np.ndarray, k: int) -> InfoFlow:
        base = self.baseline(labels, k)
        score = 1.0 - matrix.sum() / base if base > 1e-12 else math.nan
        return InfoFlow(labels, matrix, base, score, self.exact, list(self.program.names))


def _relabelings(labels, movable, values, n_random, rng) -> np.ndarray:
    """``labels`` with the ``movable`` nodes given the module numbers ``values``
    (sorted) in every distinct order if there are at most ``n_random``, else in
    ``n_random`` random orders. Module numbering does not change the total
    exchange, so ``values`` only needs the right module sizes."""
    counts = np.bincount(values)
    distinct = math.factorial(values.size)
    for c in counts:
        distinct //= math.factorial(int(c))
    if distinct <= n_random:
        perms = list(_multiset_permutations(values.tolist()))
    else:
        perms = [rng.permutation(values) for _ in range(n_random)]
    out = np.tile(labels, (len(perms), 1))
    out[:, movable] = np.array(perms, dtype=np.int64)
    return out


def _multiset_permutations(items: list):
    if not items:
        yield []
        return
    for i, first in enumerate(items):
        if i and items[i - 1] == first:
            continue
        for rest in _multiset_permutations(items[:i] + items[i + 1:]):
            yield [first] + rest


def exchange(program: Program, labels) -> np.ndarray:
    """Bits each module sends each other module, by intervention, on every input row.

    For modules a != b, with S the joint value of a's nodes that have a wire
    into b and C the joint state of b's nodes,

        E[a, b] = I(S : C) = sum_s P(s) sum_c P(c | do(s)) log2 P(c | do(s)) / P(c)

    where the wires from a into b are cut and fed s drawn from S's own
    distribution over the rows, independently of the row (see the module
    docstring). 0 when no wire goes from a to b; at most H(S).

    Parameters
    ----------
    program : Program
        The genome's nodes (``Representation.program``).
    labels : array_like of int (n_nodes,)
        Module of each node, modules numbered 0..k-1, each non-empty.

    Returns
    -------
    ndarray of float64 (k, k)
        ``E[a, b]``, bits from module a (row) to module b (column); the
        diagonal is 0.

    Raises
    ------
    PartitionError
        If ``labels`` has the wrong length, negative or non-integer values,
        or an empty module.

    References
    ----------
    L. Bushnaq et al., "What Is The True Name of Modularity?" (seed note 000):
    counterfactual mutual information between modules. J. Pearl, *Causality*
    (2009): the do-operator.

    Examples
    --------
    >>> from evomod import config
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=2"]))
    >>> program = rep.program(np.array([0, 1, 0, 4, 5]), ["x", "y", "z", "w"])  # g0 = NAND(x, y), g1 = NAND(x, g0)
    >>> program.names
    ['x', 'y', 'z', 'w', 'g0', 'g1', 'out0']
    >>> E = exchange(program, [0, 0, 0, 0, 1, 2, 2])  # inputs | g0 | g1 and the output
    >>> np.round(E, 4)
    array([[0.    , 0.8113, 0.5488],
           [0.    , 0.    , 0.2044],
           [0.    , 0.    , 0.    ]])

    The inputs send g0 its whole entropy, H(1/4, 3/4) = 0.8113 bits. g0
    sends g1 = NAND(x, do(g0 = s)) the hand value H(3/8, 5/8) - 3/4:

    >>> from math import log2
    >>> h = lambda *p: -sum(q * log2(q) for q in p)
    >>> bool(abs(E[0, 1] - h(1 / 4, 3 / 4)) < 1e-12 and abs(E[1, 2] - (h(3 / 8, 5 / 8) - 3 / 4)) < 1e-12)
    True
    """
    labels = check_labels(labels, program.n_nodes, program.names)
    k = int(labels.max()) + 1
    out = np.zeros((1, k, k))
    exchange_matrices(*program.arrays(), labels[None, :], k, np.arange(program.n_rows, dtype=np.int64), out)
    return out[0]


def information_flow(program: Program, labels, n_random: int = 100, seed: int = 0,
                     max_evaluations: int = 1 << 16) -> InfoFlow:
    """Exchange matrix and information-flow score of one partition.

    With X the total exchange between modules (``exchange(...).sum()``) and
    X_rand its mean over random partitions with the same module sizes (the
    labels shuffled among the nodes on a wire; all of them when there are at
    most ``n_random``),

        score = 1 - X / X_rand

    is 1 when the modules exchange nothing and 0 when they exchange as much
    as random modules of their sizes.

    Parameters
    ----------
    program : Program
        The genome's nodes (``Representation.program``).
    labels : array_like of int (n_nodes,)
        Module of each node, modules numbered 0..k-1, each non-empty.
    n_random : int
        Random same-size partitions in the baseline.
    seed : int
        Seeds the baseline's partitions (and the rows, when sampled): the
        result depends only on it and the module sizes.
    max_evaluations : int
        Above ``rows**2`` evaluations, a fixed random subset of
        ``sqrt(max_evaluations)`` rows stands for all of them (``exact``
        False in the result).

    Returns
    -------
    InfoFlow
        ``labels``, ``exchange`` (k, k), ``baseline`` (X_rand), ``score``
        (NaN when nothing flows in any partition), ``exact``, ``names``.

    Raises
    ------
    PartitionError
        If ``labels`` does not fit the program (see ``check_labels``).

    References
    ----------
    L. Bushnaq et al., "What Is The True Name of Modularity?" (seed note 000):
    counterfactual mutual information between modules. J. Pearl, *Causality*
    (2009): the do-operator.

    Examples
    --------
    >>> from evomod import config
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=2"]))
    >>> program = rep.program(np.array([0, 1, 0, 4, 5]), ["x", "y", "z", "w"])  # g0 = NAND(x, y), g1 = NAND(x, g0)
    >>> program.names
    ['x', 'y', 'z', 'w', 'g0', 'g1', 'out0']
    >>> flow = information_flow(program, [0, 0, 0, 0, 1, 2, 2])
    >>> round(flow.total, 4), round(flow.baseline, 4), round(float(flow.score), 4), flow.exact
    (1.5645, 1.9816, 0.2105, True)
    """
    labels = check_labels(labels, program.n_nodes, program.names)
    k = int(labels.max()) + 1
    measure = _Measure(program, n_random, seed, max_evaluations)
    return measure.result(labels, measure.matrices(labels[None, :], k)[0], k)


def search(program: Program, modules: int = 2, start=None, restarts: int = 4, n_random: int = 100,
           seed: int = 0, max_evaluations: int = 1 << 16, exhaustive_limit: int = 1 << 12) -> InfoFlow:
    """The partition into ``modules`` modules with the highest information-flow score.

    Nodes on no wire (an unused input) exchange nothing wherever they are;
    they stay in module 0. With two modules and at most ``exhaustive_limit``
    bipartitions of the other nodes, all are scored; otherwise steepest
    single-node moves run from ``start`` (labels with ``modules`` modules,
    e.g. the best-Q partition) and ``restarts`` random partitions.

    Parameters
    ----------
    program : Program
        The genome's nodes (``Representation.program``).
    modules : int
        Number of modules, >= 2.
    start : array_like of int (n_nodes,), optional
        A partition to climb from (ignored unless it has ``modules`` modules
        among the nodes on wires).
    restarts : int
        Random starting partitions of the climb.
    n_random, seed, max_evaluations
        As for :func:`information_flow`; ``seed`` also seeds the random starts.
    exhaustive_limit : int
        Score every bipartition when there are at most this many.

    Returns
    -------
    InfoFlow
        The best partition found, with its exchange matrix and score (ties
        go to the partition met first).

    Raises
    ------
    PartitionError
        If ``modules < 2``, fewer nodes than ``modules`` are on wires, or
        ``start`` does not fit the program.

    References
    ----------
    L. Bushnaq et al., "What Is The True Name of Modularity?" (seed note 000):
    counterfactual mutual information between modules. J. Pearl, *Causality*
    (2009): the do-operator.

    Examples
    --------
    >>> from evomod import config
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=2"]))
    >>> program = rep.program(np.array([0, 1, 0, 4, 5]), ["x", "y", "z", "w"])  # g0 = NAND(x, y), g1 = NAND(x, g0)
    >>> program.names
    ['x', 'y', 'z', 'w', 'g0', 'g1', 'out0']
    >>> best = search(program, modules=2)           # all 15 bipartitions of the 5 wired nodes
    >>> [n for n, m in zip(best.names, best.labels) if m == 1], round(float(best.score), 4)
    (['y'], 0.5146)
    >>> bool(best.score >= information_flow(program, [0, 0, 0, 0, 1, 1, 1]).score)
    True
    """
    if modules < 2:
        raise PartitionError(f"modules: must be at least 2, got {modules}")
    measure = _Measure(program, n_random, seed, max_evaluations)
    movable, n = measure.movable, program.n_nodes
    if movable.size < modules:
        raise PartitionError(f"modules: {modules} modules need {modules} nodes on wires, the graph has "
                             f"{movable.size}")
    rng = np.random.default_rng(seed + 1)
    if modules == 2 and (1 << (movable.size - 1)) - 1 <= exhaustive_limit:
        return _best(measure, _all_bipartitions(n, movable), 2)
    starts = []
    if start is not None:
        start = check_labels(start, n, program.names)
        if start.max() + 1 == modules and len(set(start[movable].tolist())) == modules:
            starts.append(np.where(program.connected(), start, 0))
    for _ in range(restarts):
        labels = np.zeros(n, dtype=np.int64)
        labels[movable] = rng.permutation(np.arange(movable.size) % modules)
        starts.append(labels)
    best = None
    for labels in starts:
        found = _climb(measure, labels, modules)
        if best is None or _better(found, best):
            best = found
    return best


def _better(a: InfoFlow, b: InfoFlow) -> bool:
    sa = -math.inf if math.isnan(a.score) else a.score
    sb = -math.inf if math.isnan(b.score) else b.score
    return sa > sb + 1e-12


def _all_bipartitions(n: int, movable: np.ndarray) -> np.ndarray:
    """Every split of ``movable`` into two non-empty modules, the first movable node in module 0."""
    m = movable.size
    codes = np.arange(1, 1 << (m - 1), dtype=np.int64)
    bits = (codes[:, None] >> np.arange(m - 1)[None, :]) & 1
    out = np.zeros((codes.size, n), dtype=np.int64)
    out[:, movable[1:]] = bits
    return out


def _best(measure: _Measure, labelings: np.ndarray, k: int) -> InfoFlow:
    mats = measure.matrices(labelings, k)
    best = None
    for labels, mat in zip(labelings, mats):
        found = measure.result(labels, mat, k)
        if best is None or _better(found, best):
            best = found
    return best


def _climb(measure: _Measure, labels: np.ndarray, k: int) -> InfoFlow:
    """Steepest ascent over single-node moves that keep every module non-empty."""
    current = measure.result(labels, measure.matrices(labels[None, :], k)[0], k)
    while True:
        sizes = np.bincount(current.labels[measure.movable], minlength=k)
        moves = [(v, c) for v in measure.movable for c in range(k)
                 if c != current.labels[v] and sizes[current.labels[v]] > 1]
        if not moves:
            return current
        labelings = np.tile(current.labels, (len(moves), 1))
        for row, (v, c) in enumerate(moves):
            labelings[row, v] = c
        found = _best(measure, labelings, k)
        if not _better(found, current):
            return current
        current = found

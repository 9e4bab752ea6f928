"""Normalised modularity Q_m and its two null-model terms, Q_rand and Q_max."""

from __future__ import annotations

import dataclasses
import hashlib
import math

import numpy as np

from evomod import rng as _rng
from evomod.modularity.nullmodel import (
    ANNEAL_RUNS,
    ANNEAL_STEPS_PER_ITEM,
    ANNEAL_T_END,
    ANNEAL_T_START,
    _q_max_kernel,
    _q_rand_kernel,
    canonical_realisation,
    degree_key,
)
from evomod.modularity.score import check_adjacency
from evomod.modularity.search import DEFAULT_RESTARTS, bisection_kernel, quick_max_q_kernel
from evomod.modularity.swaps import SWAPS_PER_EDGE, _has_alternative

# Restarts of quick_max_q_kernel for every maximal Q of Q_m (real, random, max).
# On the null model of 14-16 node circuits its mean shortfall against 100
# restarts of max_q_kernel is ~0.002 with 0 restarts and ~0.0008 with 3, for
# ~11 us and ~30 us per graph (1,000 random graphs need one each).
QM_RESTARTS = 3
_TIE = 1e-9  # Q_max - Q_rand below this is "no room": Q_m undefined


# --- public API --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class QmResult:
    """Normalised modularity of one network.

    ``q``: maximal Q of the (binarised) network; ``labels``: its partition;
    ``q_rand``, ``q_max``: the null model's values (NaN when not computed);
    ``qm``: ``(q - q_rand) / (q_max - q_rand)`` or NaN; ``reason``: why
    ``qm`` is NaN ("" otherwise); ``cached``: Q_rand and Q_max came from the
    cache.
    """

    q: float
    q_rand: float
    q_max: float
    qm: float
    labels: np.ndarray
    n_random: int
    cached: bool
    reason: str = ""

    def __eq__(self, other):
        if not isinstance(other, QmResult):
            return NotImplemented
        same = lambda x, y: x == y or (math.isnan(x) and math.isnan(y))  # noqa: E731
        return (same(self.q, other.q) and same(self.q_rand, other.q_rand)
                and same(self.q_max, other.q_max) and same(self.qm, other.qm)
                and np.array_equal(self.labels, other.labels) and self.n_random == other.n_random
                and self.cached == other.cached and self.reason == other.reason)


def _state(seed, stream):
    """Independent streams of one seed: 0 Q_real, 1 Q_rand, 2 Q_max."""
    return _rng.seeded_state(seed, (stream,))


def null_seed(key) -> int:
    """Seed of Q_rand and Q_max for a degree key: a hash of the degree
    sequence (``n_random`` left out), so the null model's estimates depend on
    the sequence and nothing else."""
    directed, _n_random, version, degrees = key
    digest = hashlib.blake2b(repr((directed, version, degrees)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _binary(A, directed):
    arr = check_adjacency(A, directed)
    return (arr > 0).astype(np.float64)


def q_rand(A, directed=False, n_random=1000, seed=None, *, n_restarts=QM_RESTARTS) -> float:
    """Q_rand: mean maximal Q of random graphs with the degrees of ``A``.

    ``Q_rand = (1/N) sum_k max_P Q(G_k, P)``, ``G_k`` sampled uniformly
    from the simple graphs with the degree sequence of ``A > 0`` by one swap
    chain (:func:`randomise`) started at :func:`canonical_realisation`,
    ``10 m`` proposals before each sample. ``max_P Q`` is
    ``modularity.search.quick_max_q_kernel`` with ``n_restarts``. Kashtan & Alon used
    N = 1,000.

    Parameters
    ----------
    A : array_like (n, n)
        Adjacency matrix (binarised with ``A > 0``).
    directed : bool
    n_random : int
        N, >= 1.
    seed : int, optional
        Default: :func:`null_seed` of the degree sequence, as :func:`qm` uses.

    Returns
    -------
    float
        0.0 for a graph with no edges.
    """
    if int(n_random) < 1:
        raise ValueError(f"n_random must be >= 1, got {n_random}")
    W = _binary(A, directed)
    if not W.any():
        return 0.0
    G = canonical_realisation(W, directed)
    m = int(np.count_nonzero(G) - np.count_nonzero(np.diagonal(G)))
    m = m if directed else m // 2
    if seed is None:
        seed = null_seed(degree_key(W, directed, n_random))
    return float(_q_rand_kernel(G, bool(directed), int(n_random), SWAPS_PER_EDGE * m,
                                int(n_restarts), _state(seed, 1)))


def q_max(A, directed=False, seed=None, *, n_steps=None, n_runs=ANNEAL_RUNS,
          t_start=ANNEAL_T_START, t_end=ANNEAL_T_END, n_restarts=QM_RESTARTS) -> float:
    """Q_max: the largest maximal Q of a graph with the degrees of ``A``.

    ``Q_max = max_G max_P Q(G, P)`` over simple graphs G with the degree
    sequence of ``A > 0``, estimated by simulated annealing (Kirkpatrick et
    al. 1983) on pairs (G, P) with swap moves on G and node moves on P, from
    :func:`canonical_realisation`; each run's best graph is re-searched with
    ``modularity.search.quick_max_q_kernel``. As ``A`` itself is a realisation, the result
    is at least Q_real as :func:`qm` estimates it: an annealing that finds less returns
    that (a lower bound, like every estimate of a maximum).

    Parameters
    ----------
    A : array_like (n, n)
        Adjacency matrix (binarised with ``A > 0``).
    directed : bool
    seed : int, optional
        Default: :func:`null_seed` of the degree sequence, as :func:`qm` uses.
    n_steps : int, optional
        Steps per annealing run; default ``ANNEAL_STEPS_PER_ITEM * (n + m)``
        (nodes and edges without isolated nodes).
    n_runs : int
        Independent annealing runs (the best counts).
    t_start, t_end : float
        Geometric temperature schedule in units of the Q one edge is worth
        (1/m).
    n_restarts : int
        Restarts of ``quick_max_q_kernel``.

    Returns
    -------
    float
        0.0 for a graph with no edges.

    Notes
    -----
    Finding Q_max is a hard global optimisation and the result is a lower
    bound. With the defaults, on random graphs of 12-24 nodes and 20-45
    edges it came within 0.02 on average (worst 0.06) of the best Q found by
    ~50x longer searches; on random graphs of 7 nodes (undirected) or 5
    nodes (directed) it matched the exact value (every realisation searched
    exhaustively) in all 50 cases tried.
    """
    W = _binary(A, directed)
    if not W.any():
        return 0.0
    if not (t_start > 0 and t_end > 0):
        raise ValueError("temperatures must be positive")
    if seed is None:
        seed = null_seed(degree_key(W, directed, 0))
    q_real, _lab = quick_max_q_kernel(W, bool(directed), DEFAULT_RESTARTS, _state(seed, 0))
    return max(float(q_real), _q_max_of(W, directed, seed, n_steps, n_runs, t_start, t_end,
                                          n_restarts))


def _q_max_of(W, directed, seed, n_steps=None, n_runs=ANNEAL_RUNS, t_start=ANNEAL_T_START,
              t_end=ANNEAL_T_END, n_restarts=QM_RESTARTS):
    """Annealed Q_max of the degree sequence of ``W`` alone (no input witness)."""
    G = canonical_realisation(W, directed)
    if n_steps is None:
        n_arcs = int(np.count_nonzero(G) - np.count_nonzero(np.diagonal(G)))
        n_edges = n_arcs if directed else n_arcs // 2
        n_steps = ANNEAL_STEPS_PER_ITEM * (G.shape[0] + n_edges)
    return float(_q_max_kernel(G, bool(directed), int(n_runs), int(n_steps), float(t_start),
                               float(t_end), int(n_restarts), _state(seed, 2)))


def _q_real(W, directed, seed, method):
    if method == "bisection":
        return bisection_kernel(W, directed)
    if method != "search":
        raise ValueError(f"unknown method {method!r}; known: search, bisection")
    return quick_max_q_kernel(W, directed, DEFAULT_RESTARTS, _state(seed, 0))


def q_only(A, directed=False, n_random=1000, seed=0, method="search") -> QmResult:
    """Q_real and its partition exactly as :func:`qm` finds them, without the
    null model: Q_rand, Q_max and Q_m are NaN (Clune et al. did not normalise)."""
    directed = bool(directed)
    W = _binary(A, directed)
    nan = float("nan")
    if not W.any():
        return QmResult(0.0, nan, nan, nan, np.zeros(W.shape[0], dtype=np.int64), int(n_random), False,
                        "no edges")
    q_real, labels = _q_real(W, directed, seed, method)
    return QmResult(float(q_real), nan, nan, nan, labels, int(n_random), False,
                    "not computed: modularity.qm = false")


def qm(A, directed=False, n_random=1000, seed=0, cache=None, method="search") -> QmResult:
    """Normalised modularity ``Q_m = (Q_real - Q_rand) / (Q_max - Q_rand)``.

    Q_m is 0 for a network as modular as a random one with its degrees and 1
    for the most modular one (Kashtan & Alon 2005, who used N = 1,000).

    Parameters
    ----------
    A : array_like (n, n)
        Adjacency matrix, validated by ``modularity.check_adjacency``
        (ValueError) and binarised with ``A > 0``: Q_real, Q_rand and Q_max
        are all unweighted.
    directed : bool
        Leicht–Newman Q; the null model keeps in- and out-degrees.
    n_random : int
        Random graphs for Q_rand.
    seed : int
        Seeds the search for Q_real. Q_rand and Q_max are seeded by the
        degree sequence itself (:func:`null_seed`) and computed from
        :func:`canonical_realisation`: they are a function of the sequence,
        so a cache hit returns exactly what a miss computes, and runs
        sharing a cache file get the same values in any order.
    cache : DegreeCache, optional
        Q_rand and Q_max are looked up by degree sequence and stored on a miss.
    method : {"search", "bisection"}
        How Q_real is found: the default search, or recursive spectral
        bisection alone (Clune et al.). Q_rand and Q_max always use the search.

    Returns
    -------
    QmResult
        ``q_max`` is raised to ``q`` if the network beats the annealing (it is
        itself a realisation; the cache entry stays as computed). ``qm`` is NaN
        with ``reason`` "no edges", "degree sequence has one realisation"
        (``q_rand`` and ``q_max`` NaN too: there is no null spread), or
        "every realisation is equally modular (Q_max == Q_rand)".

    Raises
    ------
    ValueError
        If ``A`` is not a valid adjacency matrix (``check_adjacency``),
        ``n_random < 1`` or ``method`` is unknown.

    See Also
    --------
    max_q : Q_real alone, weighted.
    DegreeCache : Q_rand and Q_max per degree sequence, in memory or a JSON file.

    References
    ----------
    N. Kashtan and U. Alon, "Spontaneous evolution of modularity and network
    motifs", PNAS 102, 13773 (2005), supplementary material: Q_m and its
    null model. R. Guimerà, M. Sales-Pardo and L. A. N. Amaral, "Modularity
    from fluctuations in random graphs and complex networks", PRE 70, 025101
    (2004): random graphs have high maximal Q.

    Examples
    --------
    Two disjoint 4-cliques: the most modular network with these degrees.

    >>> two_k4 = np.kron(np.eye(2), np.ones((4, 4)) - np.eye(4))
    >>> res = qm(two_k4, n_random=20)
    >>> res.qm, round(res.q, 6), res.labels
    (1.0, 0.5, array([0, 0, 0, 0, 1, 1, 1, 1]))
    >>> bool(res.q_rand < res.q_max)
    True

    A network without edges has no Q_m:

    >>> qm(np.zeros((3, 3))).reason
    'no edges'
    """
    if int(n_random) < 1:
        raise ValueError(f"n_random must be >= 1, got {n_random}")
    directed = bool(directed)
    n_random = int(n_random)
    W = _binary(A, directed)
    n = W.shape[0]
    nan = float("nan")
    if not W.any():
        return QmResult(0.0, nan, nan, nan, np.zeros(n, dtype=np.int64), n_random, False,
                        "no edges")
    # the one real network gets the full restart budget: its partition is the
    # one users look at (Q_real ~0.0006 closer to the optimum than a Q_rand
    # sample on average, which moves Q_m by ~0.003)
    q_real, labels = _q_real(W, directed, seed, method)
    q_real = float(q_real)
    key = degree_key(W, directed, n_random)
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        qr, qx = hit
    elif _has_alternative(W, directed):
        G = canonical_realisation(W, directed)
        m = int(np.count_nonzero(G) - np.count_nonzero(np.diagonal(G)))
        m = m if directed else m // 2
        qr = float(_q_rand_kernel(G, directed, n_random, SWAPS_PER_EDGE * m, QM_RESTARTS,
                                  _state(null_seed(key), 1)))
        qx = _q_max_of(W, directed, null_seed(key))
    else:
        # The null model is this one graph: no spread to normalise by. NaN
        # marks it in the cache, as Q estimates of relabelled copies of the
        # graph could differ in the last digits and fake a tiny spread.
        qr = qx = nan
    if hit is None and cache is not None:
        cache.put(key, qr, qx)
    cached = hit is not None
    if math.isnan(qx):
        return QmResult(q_real, nan, nan, nan, labels, n_random, cached,
                        "degree sequence has one realisation")
    qx = max(qx, q_real)
    if qx - qr <= _TIE:
        return QmResult(q_real, qr, qx, nan, labels, n_random, cached,
                        "every realisation is equally modular (Q_max == Q_rand)")
    return QmResult(q_real, qr, qx, (q_real - qr) / (qx - qr), labels, n_random, cached, "")

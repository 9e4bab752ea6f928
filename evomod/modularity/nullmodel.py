"""Degree-preserving null models and normalised modularity Q_m.

``Q_m = (Q_real - Q_rand) / (Q_max - Q_rand)`` (Kashtan & Alon 2005): Q_real
is the network's maximal modularity, Q_rand the mean maximal modularity of
random networks with the same degree sequence, Q_max the largest maximal
modularity any network with that degree sequence reaches. Q_rand and Q_max
depend on the degree sequence alone, so :class:`DegreeCache` stores them once
per sequence.

The null model is the set of simple graphs (no multi-edges, no new
self-loops) with the input's degrees: every node's degree, or in- and
out-degree when directed. It is sampled by a swap Markov chain
(:func:`randomise`): double-edge swaps (Maslov & Sneppen 2002), plus, for
directed graphs, reversal of directed triangles, without which the chain
cannot reach every realisation (a -> b -> c -> a and a -> c -> b -> a have
the same degrees and no two-edge swap joins them). A rejected proposal is a
step on which the graph stays put, which keeps the chain's proposal symmetric
and so its stationary law uniform over the realisations it reaches; with the
triangle reversals it reaches all of them (Rao, Jana & Bandyopadhyay 1996;
Berger & Müller-Hannemann 2010; the tests check it against every degree
sequence on 4 directed / 5 undirected nodes).

Every maximal Q of Q_m comes from ``search.quick_max_q_kernel``: with
``QM_RESTARTS`` for each random graph and each annealed graph, and with the
full restart budget for the real network, so the three share one estimator
and its (small) shortfall largely cancels in the ratio.

Weighted input is binarised with the rule ``A > 0`` for everything here,
Q_real included: Q_m compares a topology with topologies, and a weighted Q
measured against an unweighted null would not be normalised. Self-loops, if
any, are pinned: they stay on their nodes in every null graph (the cache
key records them). Nodes with no edges change no Q and
are left out of the null model and the cache key.

References: Kashtan & Alon, PNAS 102, 13773 (2005); Maslov & Sneppen,
Science 296, 910 (2002); Rao, Jana & Bandyopadhyay, Sankhya A 58, 225
(1996); Berger & Müller-Hannemann, "Uniform sampling of
digraphs with a fixed degree sequence", WG 2010, LNCS 6410, 220;
Kleitman & Wang, Discrete Math. 6, 79 (1973); Havel (1955), Hakimi (1962);
Kirkpatrick, Gelatt & Vecchi, Science 220, 671 (1983).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from evomod import rng as _rng
from evomod.bits import copy_into
from evomod.modularity.search import quick_max_q_kernel
from evomod.modularity.swaps import _apply, _edge_arrays, _fill, _propose, _steps

# Bump when anything that changes Q_rand / Q_max values changes: keys carry it,
# so a cache file from an older null model is never read as this one's.
NULL_VERSION = "2"
# Annealing defaults for Q_max: independent runs, steps per run per (node +
# edge), and the start / end temperatures of the geometric schedule in units
# of the Q one edge is worth (1/m). Chosen on ten random graphs of 12-24
# nodes and 20-45 edges (mostly 16 and 30, both kinds) against the best Q
# that searches ~50x longer found: ~0.1 s per graph, 0.02 short on average
# (worst 0.06, a 24-node graph); 4x the effort gains ~0.005. The landscape is
# glassy: parallel tempering and iterated local search did no better.
ANNEAL_RUNS = 16
ANNEAL_STEPS_PER_ITEM = 2000
ANNEAL_T_START = 0.6
ANNEAL_T_END = 0.06


# --- Q_rand ----------------------------------------------------------------------------

@njit(cache=True)
def _self_loops(A):
    """1.0 where ``A`` has a self-loop (the swap chain leaves them where they are)."""
    n = A.shape[0]
    diag = np.zeros(n)
    for i in range(n):
        diag[i] = 1.0 if A[i, i] > 0 else 0.0
    return diag


@njit(cache=True)
def _q_rand_kernel(A, directed, n_random, n_swaps, n_restarts, state):
    """Mean of ``quick_max_q_kernel`` over ``n_random`` samples of the swap chain
    started at ``A`` (float64 0/1), ``n_swaps`` proposals before each sample.
    One chain: each sample starts where the last one ended, already mixed."""
    n = A.shape[0]
    src, dst, eid = _edge_arrays(A, directed)
    diag = _self_loops(A)
    W = np.empty((n, n))
    buf = np.empty(6, dtype=np.int64)
    total = 0.0
    for _ in range(n_random):
        _steps(src, dst, eid, directed, n_swaps, state, buf)
        _fill(src, dst, diag, directed, W)
        qv, _lab = quick_max_q_kernel(W, directed, n_restarts, state)
        total += qv
    return total / n_random


@njit(cache=True)
def _q_rand_sequential(A, directed, n_max, n_swaps, n_restarts, state, n_min, se_max):
    """:func:`_q_rand_kernel` stopped once the standard error of the mean is
    at most ``se_max`` (after at least ``n_min`` samples, at most ``n_max``).
    The chain and its draws are the same, so the first k samples are the full
    estimator's first k. Returns ``(mean, samples used)``."""
    n = A.shape[0]
    src, dst, eid = _edge_arrays(A, directed)
    diag = _self_loops(A)
    W = np.empty((n, n))
    buf = np.empty(6, dtype=np.int64)
    total = 0.0
    total2 = 0.0
    for k in range(1, n_max + 1):
        _steps(src, dst, eid, directed, n_swaps, state, buf)
        _fill(src, dst, diag, directed, W)
        qv, _lab = quick_max_q_kernel(W, directed, n_restarts, state)
        total += qv
        total2 += qv * qv
        if k >= n_min and k < n_max:
            var = max(total2 - total * total / k, 0.0) / (k - 1)
            if var <= se_max * se_max * k:  # SE^2 = var / k
                return total / k, k
    return total / n_max, n_max


# --- Q_max: simulated annealing over (graph, partition) --------------------------------

@njit(cache=True)
def _anneal_kernel(A, directed, labels0, n_steps, t_start, t_end, state):
    """Maximise ``Q(G, P)`` jointly over realisations G and partitions P.

    ``max_G max_P Q = Q_max``, and for a fixed degree sequence the null term
    of Q depends on P only, so both move kinds have O(1) / O(n) exact gains
    (arcs: an undirected edge is two):

    - graph move (swap / triangle): ``dQ = (change in intra-community arcs) / M``;
    - node v from community r to s:
      ``dQ = (arcs v<->s - arcs v<->r) / M - d(sum_c Kout_c Kin_c) / M^2``.

    Metropolis acceptance, geometric temperatures ``t_start -> t_end`` given
    in units of one edge's worth of Q (``w / M``, w = 1 directed, 2
    undirected), so one schedule fits every graph size.
    Returns ``(best Q, best graph float64 (n, n), best labels)``.
    """
    n = A.shape[0]
    src, dst, eid = _edge_arrays(A, directed)
    w = 1.0 if directed else 2.0
    kout = np.zeros(n)
    kin = np.zeros(n)
    diag = np.zeros(n)
    for i in range(n):
        for j in range(n):
            if A[i, j] > 0:
                a = 1.0 if (directed or i != j) else 2.0  # networkx loop convention
                kout[i] += a
                kin[j] += a
        if A[i, i] > 0:
            diag[i] = 1.0
    M = kout.sum()
    labels = labels0.copy()
    Kout = np.zeros(n)
    Kin = np.zeros(n)
    for i in range(n):
        Kout[labels[i]] += kout[i]
        Kin[labels[i]] += kin[i]
    intra = 0.0
    for i in range(n):
        intra += diag[i] * (1.0 if directed else 2.0)
    for k in range(src.shape[0]):
        if labels[src[k]] == labels[dst[k]]:
            intra += w
    null = 0.0
    for c in range(n):
        null += Kout[c] * Kin[c]
    cur = intra / M - null / (M * M)
    t_start = t_start * w / M
    t_end = t_end * w / M
    best = cur
    best_src = src.copy()
    best_dst = dst.copy()
    best_lab = labels.copy()
    buf = np.empty(6, dtype=np.int64)
    ratio = (t_end / t_start) ** (1.0 / max(n_steps - 1, 1))
    T = t_start
    for _ in range(n_steps):
        if _rng.uniform(state) < 0.5:
            kind = _propose(src, dst, eid, directed, state, buf)
            if kind == 0:
                T *= ratio
                continue
            if kind == 1:
                a, b, c, d = buf[2], buf[3], buf[4], buf[5]
                dn = ((labels[a] == labels[d]) + (labels[c] == labels[b])
                      - (labels[a] == labels[b]) - (labels[c] == labels[d]))
                dq = w * dn / M
            else:
                dq = 0.0  # a reversed triangle joins the same three pairs
            if dq >= 0.0 or _rng.uniform(state) < math.exp(dq / T):
                _apply(kind, buf, src, dst, eid, directed)
                cur += dq
        else:
            v = _rng.below(state, n)
            r = labels[v]
            # target: a random node's community (big ones more often) or any
            # slot, so a node can also leave to a new community
            if _rng.uniform(state) < 0.8:
                s = labels[_rng.below(state, n)]
            else:
                s = _rng.below(state, n)
            if s == r:
                T *= ratio
                continue
            arcs = 0.0
            for u in range(n):
                if u != v:
                    t = 0.0
                    if eid[v, u] >= 0:
                        t += 1.0
                    if eid[u, v] >= 0:
                        t += 1.0
                    if labels[u] == s:
                        arcs += t
                    elif labels[u] == r:
                        arcs -= t
            dnull = ((Kout[r] - kout[v]) * (Kin[r] - kin[v]) - Kout[r] * Kin[r]
                     + (Kout[s] + kout[v]) * (Kin[s] + kin[v]) - Kout[s] * Kin[s])
            dq = arcs / M - dnull / (M * M)
            if dq >= 0.0 or _rng.uniform(state) < math.exp(dq / T):
                labels[v] = s
                Kout[r] -= kout[v]
                Kin[r] -= kin[v]
                Kout[s] += kout[v]
                Kin[s] += kin[v]
                cur += dq
        if cur > best + 1e-12:
            best = cur
            copy_into(best_src, src, src.shape[0])
            copy_into(best_dst, dst, dst.shape[0])
            copy_into(best_lab, labels, n)
        T *= ratio
    G = np.empty((n, n))
    _fill(best_src, best_dst, diag, directed, G)
    return best, G, best_lab


@njit(cache=True)
def _q_max_kernel(A, directed, n_runs, n_steps, t_start, t_end, n_restarts, state):
    """Best of ``n_runs`` annealing runs from ``A``; each run's best graph
    is then searched with ``quick_max_q_kernel`` (the estimator of Q_real and
    Q_rand) and the larger of the two values counts: both are Q values of a
    realisation, so both are lower bounds of Q_max."""
    q0, lab0 = quick_max_q_kernel(A, directed, n_restarts, state)
    best = q0
    for _ in range(n_runs):
        qa, G, lab = _anneal_kernel(A, directed, lab0, n_steps, t_start, t_end, state)
        qs, _l = quick_max_q_kernel(G, directed, n_restarts, state)
        best = max(best, qa, qs)
    return best


@njit(cache=True)
def _q_max_sequential(A, directed, n_runs, n_steps, t_start, t_end, n_restarts, state, min_runs, patience):
    """:func:`_q_max_kernel` stopped once ``patience`` runs in a row (after at
    least ``min_runs``) found nothing better; the same draws, so its value is
    the best of the full estimator's first runs. Returns ``(best, runs used)``."""
    q0, lab0 = quick_max_q_kernel(A, directed, n_restarts, state)
    best = q0
    idle = 0
    for r in range(n_runs):
        qa, G, lab = _anneal_kernel(A, directed, lab0, n_steps, t_start, t_end, state)
        qs, _l = quick_max_q_kernel(G, directed, n_restarts, state)
        value = max(qa, qs)
        if value > best:
            best = value
            idle = 0
        else:
            idle += 1
        if r + 1 >= min_runs and idle >= patience:
            return best, r + 1
    return best, n_runs


# --- canonical realisation and cache key ---------------------------------------------

def _degrees(W, directed):
    """(in, out, loop) per node of a 0/1 float matrix, loops excluded from in/out."""
    loop = np.diagonal(W).astype(np.int64)
    out = W.sum(axis=1).astype(np.int64) - loop
    inn = W.sum(axis=0).astype(np.int64) - loop
    return inn, out, loop


@njit(cache=True)
def _key_codes(W, directed):
    """Sorted codes ``(in * n + out) * 2 + loop`` (undirected: ``deg * 2 +
    loop``) of the nodes with edges; also whether any node has a loop. One
    pass in numba: the key is on the warm path of ``qm``."""
    n = W.shape[0]
    kin = np.zeros(n, dtype=np.int64)
    kout = np.zeros(n, dtype=np.int64)
    loop = np.zeros(n, dtype=np.int64)
    for a in range(n):
        for b in range(n):
            if W[a, b] > 0:
                if a == b:
                    loop[a] = 1
                else:
                    kout[a] += 1
                    kin[b] += 1
    codes = np.empty(n, dtype=np.int64)
    k = 0
    any_loop = False
    for a in range(n):
        if kin[a] + kout[a] + loop[a] > 0:
            lead = kin[a] * n + kout[a] if directed else kout[a]
            codes[k] = lead * 2 + loop[a]
            any_loop = any_loop or loop[a] > 0
            k += 1
    for i in range(1, k):  # insertion sort (k <= a few dozen): np.sort costs seconds of compile time
        v = codes[i]
        j = i - 1
        while j >= 0 and codes[j] > v:
            codes[j + 1] = codes[j]
            j -= 1
        codes[j + 1] = v
    return codes[:k], any_loop


# Estimators of Q_rand and Q_max (``modularity.null``): "full" draws n_random
# networks and runs every annealing run; "sequential" stops each as soon as
# more draws would hardly change it (see normalised.qm). Their entries are
# keyed apart: the version field of a sequential key is NULL_VERSION + "/seq".
NULL_ESTIMATORS = ("full", "sequential")
# Sequential Q_rand: at least SEQ_MIN_RANDOM networks, stop once the standard
# error of the mean is <= SEQ_SE. Sequential Q_max: at least SEQ_MIN_RUNS
# annealing runs, stop after SEQ_PATIENCE in a row found nothing better.
SEQ_MIN_RANDOM = 100
SEQ_SE = 0.002
SEQ_MIN_RUNS = 4
SEQ_PATIENCE = 3


def degree_key(W, directed, n_random, null="full"):
    """Cache key of an adjacency matrix (an edge is ``W > 0``).

    ``(directed, n_random, version, degrees)``: ``version`` is
    ``NULL_VERSION``, followed by ``"/seq"`` for the sequential estimator
    (``null="sequential"``); ``degrees`` is the
    sorted tuple of degrees (undirected) or of ``(in, out)`` pairs
    (directed), nodes without edges left out (they change no Q); when the
    graph has self-loops each entry also carries its node's loop flag:
    ``(degree, loop)`` or ``(in, out, loop)``.
    """
    n = W.shape[0]
    codes, any_loop = _key_codes(W, bool(directed))
    c = codes.tolist()
    if directed:
        degs = (tuple(((x >> 1) // n, (x >> 1) % n, x & 1) for x in c) if any_loop
                else tuple(((x >> 1) // n, (x >> 1) % n) for x in c))
    else:
        degs = tuple((x >> 1, x & 1) for x in c) if any_loop else tuple(x >> 1 for x in c)
    if null not in NULL_ESTIMATORS:
        raise ValueError(f"null must be one of {NULL_ESTIMATORS}, got {null!r}")
    version = NULL_VERSION if null == "full" else NULL_VERSION + "/seq"
    return (bool(directed), int(n_random), version, degs)


def canonical_realisation(W, directed) -> np.ndarray:
    """A realisation of the degree sequence of ``W`` built from the sorted
    sequence alone (nodes without edges dropped), so every graph with that
    sequence yields the same matrix and the same null-model estimates.

    Undirected: Havel–Hakimi (the node with the largest remaining degree is
    joined to the nodes with the next largest). Directed: Kleitman–Wang (each
    node in turn sends its out-edges to the other nodes with the largest
    remaining in-degree, ties broken by larger remaining out-degree).
    Self-loops stay with their (in, out) class. An edge is ``W > 0``.
    Returns float64 0/1 (k, k), k = number of nodes with edges.
    """
    inn, out, loop = _degrees((np.asarray(W) > 0).astype(np.float64), directed)
    keep = (inn + out + loop) > 0
    inn, out, loop = inn[keep], out[keep], loop[keep]
    order = np.lexsort((loop, out, inn))[::-1]  # descending; loop is the minor key
    inn, out, loop = inn[order], out[order], loop[order]
    k = inn.shape[0]
    G = np.zeros((k, k))
    G[np.arange(k), np.arange(k)] = loop
    idx = np.arange(k)
    if directed:
        rin = inn.copy()
        rout = out.copy()
        for v in range(k):
            need = int(rout[v])
            if need == 0:
                continue
            rout[v] = 0
            cand = idx[(idx != v) & (rin > 0)]
            # largest remaining in-degree first, then largest remaining
            # out-degree (the tie-break the theorem needs), then index
            cand = cand[np.lexsort((cand, -rout[cand], -rin[cand]))]
            if cand.shape[0] < need:
                raise RuntimeError("degree sequence has no simple realisation (Kleitman–Wang)")
            tgt = cand[:need]
            G[v, tgt] = 1.0
            rin[tgt] -= 1
        if rin.any():
            raise RuntimeError("degree sequence has no simple realisation (Kleitman–Wang)")
    else:
        rem = out.copy()
        while rem.any():
            v = int(np.lexsort((idx, -rem))[0])
            need = int(rem[v])
            rem[v] = 0
            cand = idx[(idx != v) & (rem > 0)]
            cand = cand[np.lexsort((cand, -rem[cand]))]
            if cand.shape[0] < need:
                raise RuntimeError("degree sequence has no simple realisation (Havel–Hakimi)")
            tgt = cand[:need]
            G[v, tgt] = 1.0
            G[tgt, v] = 1.0
            rem[tgt] -= 1
    return G



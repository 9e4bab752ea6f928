"""NSGA-II environmental selection as numba kernels, with stochastic dominance.

Objectives are ``float64 (S, M)``, all maximised. A row's front rank is 0
for the non-dominated rows, 1 for those dominated only by rank-0 rows, and
so on (Deb et al. 2002, "A fast and elitist multiobjective genetic
algorithm: NSGA-II", IEEE TEC 6:182).

Sorting: M = 1 ranks distinct values (O(S log S)); M = 2 sweeps the rows in
lexicographic order keeping the largest second objective of each front
(O(S log S), as in Jensen 2003, IEEE TEC 7:503), and under stochastic
dominance takes each row's longest dominance chain (O(S^2), nothing
stored); otherwise the pairwise O(M S^2) fast non-dominated sort, the
dominance relation kept as one bit set per row, stopped once ``need`` rows
are ranked.

Stochastic dominance (Clune, Mouret & Lipson 2013, "pnsga"): in each
dominance test between two rows, objective 0 is always considered and each
further objective independently with probability ``p`` (p rounded down to a
multiple of 2**-32), or objective k with its own ``ps[k]`` (the ``_each``
kernels). p = 1 draws nothing, so the ranks are the
deterministic sort's. With M >= 3 and 0 < p < 1 the relation can cycle
among rows tied on objective 0; when no unranked row is left undominated,
the rows dominated by the fewest unranked rows form the next front.

Crowding distance is DEAP's ``assignCrowdingDist`` exactly (same float
operations): per objective, sort the front (stably, so ties keep the order
left by the previous objective's sort, starting from the listing order),
give both ends infinity and every inner row ``(next - prev) / (M (max -
min))``. Ties are thus broken by the ``listing`` permutation the caller
passes; ``nsga2_step`` draws it at random so no row position is favoured.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from evomod import rng as _rng
from evomod.selection.kernels import argsort_stable

_ONE = np.uint64(1)
_MASK32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True)
def ranks_1d(x):
    """Front ranks for one objective: 0 for the largest value, 1 for the
    next distinct value, ... Returns ``(rank int64 (S,), n_fronts)``."""
    size = x.shape[0]
    order = argsort_stable(x)
    rank = np.empty(size, dtype=np.int64)
    r = -1
    prev = 0.0
    for t in range(size - 1, -1, -1):
        v = x[order[t]]
        if t == size - 1 or v != prev:
            r += 1
            prev = v
        rank[order[t]] = r
    return rank, r + 1


@njit(cache=True)
def ranks_2d(x0, x1):
    """Front ranks for two objectives by a sweep in O(S log S).

    Rows are visited by decreasing (x0, x1); everything that dominates a
    row comes before it. ``top[f]``, the largest x1 in front f so far, does
    not increase with f, and a (new, distinct) row is dominated by a member
    of front f iff ``top[f] >= x1``: its front is the first f with
    ``top[f] < x1`` (binary search). Identical rows share a front.
    """
    size = x0.shape[0]
    by1 = argsort_stable(x1)
    order = by1[argsort_stable(x0[by1])]  # ascending (x0, x1)
    rank = np.empty(size, dtype=np.int64)
    top = np.empty(size)
    n_fronts = 0
    t = size - 1
    while t >= 0:
        i = order[t]
        v = x1[i]
        lo, hi = 0, n_fronts
        while lo < hi:
            mid = (lo + hi) >> 1
            if top[mid] >= v:
                lo = mid + 1
            else:
                hi = mid
        if lo == n_fronts:
            n_fronts += 1
        top[lo] = v
        rank[i] = lo
        t -= 1
        while t >= 0 and x0[order[t]] == x0[i] and x1[order[t]] == v:  # duplicates
            rank[order[t]] = lo
            t -= 1
    return rank, n_fronts


@njit(cache=True)
def _bits_of(p):
    """``p`` as a binary fraction ``p_bits / 2**n_bits`` (32 bits at most,
    rounded down, trailing zeros dropped): 0.25 is (1, 2), 1 is (1, 0)."""
    if p >= 1.0:
        return _ONE, 0
    p_bits = np.uint64(p * 4294967296.0)
    n_bits = 32
    while n_bits > 0 and (p_bits & _ONE) == 0:
        p_bits >>= _ONE
        n_bits -= 1
    return p_bits, n_bits


@njit(cache=True)
def bernoulli_word(state, p_bits, n_bits):
    """64 independent bits, each set with probability ``p_bits / 2**n_bits``:
    fold ``n_bits`` random words through the binary digits of p, least
    significant first (OR for a 1 digit, AND for a 0: P <- (digit + P) / 2)."""
    if n_bits == 0:  # p = 0 or 1
        return _ALL if p_bits else np.uint64(0)
    r = np.uint64(0)
    for i in range(n_bits):
        w = _rng.next_u64(state)
        r = (r | w) if (p_bits >> np.uint64(i)) & _ONE else (r & w)
    return r


@njit(cache=True)
def ranks_stochastic_2d(x0, x1, p, state):
    """Front ranks for two objectives under stochastic dominance, O(S^2)
    without storing the relation.

    In decreasing (x0, x1) order every row's dominators come before it and
    the relation has no cycles, so Deb's front of row b is the longest
    dominance chain ending at b: ``rank[b] = max(rank[a] + 1 over a
    dominating b)``, 0 if none. For a before b: when x0 ties, a dominates b
    iff objective 1 is considered and x1[a] > x1[b]; otherwise iff
    x1[a] >= x1[b] or objective 1 is not considered. Considered-bits come
    64 pairs at a time from ``bernoulli_word``. Returns ``(rank, n_fronts)``.
    """
    size = x0.shape[0]
    by1 = argsort_stable(x1)
    order = by1[argsort_stable(x0[by1])][::-1]  # decreasing (x0, x1)
    y0 = x0[order]
    y1 = x1[order]
    p_bits, n_bits = _bits_of(p)
    pos_rank = np.zeros(size, dtype=np.int64)
    tie_start = 0  # first row with y0 == y0[b]
    for b in range(1, size):
        v0 = y0[b]
        v1 = y1[b]
        if v0 != y0[b - 1]:
            tie_start = b
        best = 0
        for start in range(0, b, 64):
            considered = bernoulli_word(state, p_bits, n_bits)
            stop = min(start + 64, b)
            cut = min(max(tie_start, start), stop)  # [start, cut): x0 greater
            for a in range(start, cut):
                c = (considered >> np.uint64(a - start)) & _ONE
                dom = (y1[a] >= v1) | (c == 0)
                best = max(best, (pos_rank[a] + 1) * dom)
            for a in range(cut, stop):  # ties on x0
                c = (considered >> np.uint64(a - start)) & _ONE
                dom = (y1[a] != v1) & (c != 0)
                best = max(best, (pos_rank[a] + 1) * dom)
        pos_rank[b] = best
    rank = np.empty(size, dtype=np.int64)
    n_fronts = 0
    for t in range(size):
        rank[order[t]] = pos_rank[t]
        n_fronts = max(n_fronts, pos_rank[t] + 1)
    return rank, n_fronts


@njit(cache=True, inline="always")
def _considered(stochastic, threshold, buf, avail, state):
    """Whether an objective enters this dominance test: always, or with
    probability threshold / 2**32, drawing 32 random bits at a time from a
    buffered 64-bit word. Returns ``(considered, buf, avail)``."""
    if not stochastic:
        return True, buf, avail
    if avail == 0:
        buf = _rng.next_u64(state)
        avail = 2
    return (buf & _MASK32) < threshold, buf >> _U32, avail - 1


@njit(cache=True, inline="always")
def _span(first, n):
    """A word with bits ``first .. first + n - 1`` set."""
    ones = _ALL if n == 64 else (_ONE << np.uint64(n)) - _ONE
    return ones << np.uint64(first)


@njit(cache=True)
def _peel(dom, count, order, need):
    """Deb's fronts from the dominance bits ``dom`` and dominator counts
    ``count`` of the rows in sorted ``order`` (a cycle: the least dominated
    unranked rows form the next front), until ``need`` rows are ranked."""
    size = count.shape[0]
    words = dom.shape[1]
    unranked = size
    pos_rank = np.full(size, unranked, dtype=np.int64)
    cur = np.empty(size, dtype=np.int64)
    nxt = np.empty(size, dtype=np.int64)
    n_cur = 0
    for a in range(size):
        cur[n_cur] = a
        n_cur += count[a] == 0
    ranked = 0
    r = 0
    need = min(need, size)
    while ranked < need:
        if n_cur == 0:  # a dominance cycle: the least dominated rows go next
            least = size + 1
            for a in range(size):
                if pos_rank[a] == unranked and count[a] < least:
                    least = count[a]
            for a in range(size):
                if pos_rank[a] == unranked and count[a] == least:
                    cur[n_cur] = a
                    n_cur += 1
        for t in range(n_cur):
            pos_rank[cur[t]] = r
        ranked += n_cur
        r += 1
        if ranked >= need:
            break
        n_nxt = 0
        for t in range(n_cur):
            a = cur[t]
            for w in range(words):
                bits = dom[a, w]
                while bits != 0:
                    b = w * 64 + trailing_zeros(bits)
                    bits &= bits - _ONE
                    count[b] -= 1
                    if count[b] == 0 and pos_rank[b] == unranked:
                        nxt[n_nxt] = b
                        n_nxt += 1
        cur, nxt = nxt, cur
        n_cur = n_nxt
    rank = np.empty(size, dtype=np.int64)
    for a in range(size):
        rank[order[a]] = pos_rank[a]
    return rank, r


@njit(cache=True)
def ranks_pairwise(objectives, p, state, need):
    """Front ranks by Deb's fast non-dominated sort, with stochastic dominance
    (each objective after the first considered with probability ``p``).

    Stops once ``need`` rows are ranked; the rest get rank ``S``. Returns
    ``(rank, n_fronts)``. Rows are first sorted by decreasing objective 0,
    so for a pair (a, b) in that order only a can dominate b unless they tie
    on objective 0. A Bernoulli(p) draw takes 32 random bits: p is rounded
    down to a multiple of 2**-32.
    """
    size, n_obj = objectives.shape
    order = argsort_stable(-objectives[:, 0])
    x = np.empty((size, n_obj))
    for a in range(size):
        x[a] = objectives[order[a]]
    stochastic = p < 1.0
    threshold = np.uint64(p * 4294967296.0) if stochastic else np.uint64(0)
    buf = np.uint64(0)
    avail = 0
    words = (size + 63) >> 6
    dom = np.zeros((size, words), dtype=np.uint64)  # bit b of dom[a]: a dominates b
    count = np.zeros(size, dtype=np.int64)  # rows dominating b
    for a in range(size):
        for b in range(a + 1, size):
            if x[a, 0] > x[b, 0]:  # a dominates b unless a considered k has a < b
                a_dom = True
                for k in range(1, n_obj):
                    if x[a, k] < x[b, k]:
                        considered, buf, avail = _considered(stochastic, threshold, buf, avail, state)
                        if considered:
                            a_dom = False
                            break
                if a_dom:
                    dom[a, b >> 6] |= _ONE << np.uint64(b & 63)
                    count[b] += 1
            else:  # tie on objective 0: the considered others decide
                better = False
                worse = False
                for k in range(1, n_obj):
                    if x[a, k] != x[b, k]:
                        considered, buf, avail = _considered(stochastic, threshold, buf, avail, state)
                        if considered:
                            if x[a, k] > x[b, k]:
                                better = True
                            else:
                                worse = True
                            if better and worse:
                                break
                if better and not worse:
                    dom[a, b >> 6] |= _ONE << np.uint64(b & 63)
                    count[b] += 1
                elif worse and not better:
                    dom[b, a >> 6] |= _ONE << np.uint64(a & 63)
                    count[a] += 1
    return _peel(dom, count, order, need)


@njit(cache=True)
def ranks_pairwise_each(objectives, ps, state, need):
    """Front ranks by Deb's fast non-dominated sort under stochastic
    dominance with one probability per objective: objective k >= 1 counts
    in a dominance test with probability ``ps[k]`` (``ps[0]`` unused:
    objective 0 always counts).

    The law is that of :func:`ranks_pairwise`; the draws differ. Rows are
    sorted by decreasing objective 0 and the pairs (a, b), a first, are
    decided 64 b's at a time, without branches: one ``bernoulli_word`` per
    stochastic objective says which of the 64 tests consider it (an
    objective with p = 1 draws nothing). If a is ahead on objective 0, a
    dominates b unless b is ahead on a considered objective (one bit mask
    per objective); on a tie, the row ahead on some considered objective
    and behind on none dominates.
    Stops once ``need`` rows are ranked; the rest get rank ``S``. Returns
    ``(rank, n_fronts)``.
    """
    size, n_obj = objectives.shape
    order = argsort_stable(-objectives[:, 0])
    x = np.empty((n_obj, size))  # one contiguous row per objective, rows in sorted order
    for a in range(size):
        for k in range(n_obj):
            x[k, a] = objectives[order[a], k]
    p_bits = np.zeros(n_obj, dtype=np.uint64)
    n_bits = np.zeros(n_obj, dtype=np.int64)
    for k in range(1, n_obj):
        p_bits[k], n_bits[k] = _bits_of(ps[k])
    considered = np.empty(n_obj, dtype=np.uint64)
    words = (size + 63) >> 6
    dom = np.zeros((size, words), dtype=np.uint64)  # bit b of dom[a]: a dominates b
    count = np.zeros(size, dtype=np.int64)  # rows dominating b
    tie_end = 0  # first row behind a on objective 0
    for a in range(size):
        while tie_end < size and x[0, tie_end] >= x[0, a]:
            tie_end += 1
        a_word, a_bit = a >> 6, np.uint64(a & 63)
        # ties on objective 0 (b in a + 1 .. tie_end - 1): the considered others decide, either way
        for w in range((a + 1) >> 6, ((tie_end + 63) >> 6)):
            lo, hi = max(a + 1, w << 6), min((w + 1) << 6, tie_end)
            if lo >= hi:
                continue
            for k in range(1, n_obj):
                considered[k] = bernoulli_word(state, p_bits[k], n_bits[k])
            acc = np.uint64(0)
            for b in range(lo, hi):
                bit = np.uint64(b & 63)
                better = False
                worse = False
                for k in range(1, n_obj):
                    c = ((considered[k] >> bit) & _ONE) != 0
                    better |= c & (x[k, a] > x[k, b])
                    worse |= c & (x[k, a] < x[k, b])
                a_dom = better & (not worse)
                b_dom = worse & (not better)
                acc |= np.uint64(a_dom) << bit
                count[b] += a_dom
                dom[b, a_word] |= np.uint64(b_dom) << a_bit
                count[a] += b_dom
            dom[a, w] |= acc
        # a ahead on objective 0: a dominates b unless b is ahead on a considered objective
        for w in range(tie_end >> 6, words):
            lo, hi = max(tie_end, w << 6), min((w + 1) << 6, size)
            acc = _ALL
            for k in range(1, n_obj):
                c = bernoulli_word(state, p_bits[k], n_bits[k])
                xa = x[k, a]
                ok = np.uint64(0)
                for b in range(lo, hi):
                    ok |= np.uint64(xa >= x[k, b]) << np.uint64(b & 63)
                acc &= ok | ~c
            for b in range(lo, hi):
                count[b] += (acc >> np.uint64(b & 63)) & _ONE
            dom[a, w] |= acc & _span(lo & 63, hi - lo)
    return _peel(dom, count, order, need)


@njit(cache=True)
def front_ranks(objectives, p, state, need):
    """``(rank, n_fronts)`` by the fastest exact method for the case: see the
    module docstring. Ranks at least ``need`` rows (all, except pairwise)."""
    return front_ranks_each(objectives, np.full(objectives.shape[1], p), state, need)


@njit(cache=True)
def front_ranks_each(objectives, ps, state, need):
    """:func:`front_ranks` with objective k >= 1 considered with probability ``ps[k]``."""
    n_obj = objectives.shape[1]
    if n_obj == 1:
        return ranks_1d(objectives[:, 0].copy())
    if n_obj == 2:
        x0, x1 = objectives[:, 0].copy(), objectives[:, 1].copy()
        return ranks_2d(x0, x1) if ps[1] >= 1.0 else ranks_stochastic_2d(x0, x1, ps[1], state)
    return ranks_pairwise_each(objectives, ps, state, need)


@njit(cache=True)
def crowding_distance(objectives, rank, n_fronts, listing):
    """Crowding distance of every row in fronts ``0 .. n_fronts - 1`` (0 for
    the others), as DEAP's ``assignCrowdingDist`` gives for each front listed
    in ``listing`` order (a permutation of the rows)."""
    size, n_obj = objectives.shape
    dist = np.zeros(size)
    starts = np.zeros(n_fronts + 1, dtype=np.int64)
    n_in = 0
    for i in range(size):
        if rank[i] < n_fronts:
            starts[rank[i] + 1] += 1
            n_in += 1
    for f in range(n_fronts):
        starts[f + 1] += starts[f]
    perm = np.empty(n_in, dtype=np.int64)
    n = 0
    for i in listing:
        if rank[i] < n_fronts:
            perm[n] = i
            n += 1
    vals = np.empty(n_in)
    bucket = np.empty(n_in, dtype=np.int64)
    for m in range(n_obj):
        for t in range(n_in):
            vals[t] = objectives[perm[t], m]
        perm = perm[argsort_stable(vals)]  # stable: ties keep the last order
        fill = starts[:n_fronts].copy()
        for i in perm:
            bucket[fill[rank[i]]] = i
            fill[rank[i]] += 1
        for f in range(n_fronts):
            lo, hi = starts[f], starts[f + 1]
            if hi == lo:
                continue
            first, last = bucket[lo], bucket[hi - 1]
            dist[first] = np.inf
            dist[last] = np.inf
            span = objectives[last, m] - objectives[first, m]
            if span == 0.0:
                continue
            norm = n_obj * span
            for t in range(lo + 1, hi - 1):
                dist[bucket[t]] += (objectives[bucket[t + 1], m] - objectives[bucket[t - 1], m]) / norm
    return dist


@njit(cache=True)
def fronts_needed(rank, mu):
    """How many fronts, best first, it takes to hold ``mu`` rows."""
    count = np.zeros(rank.shape[0] + 2, dtype=np.int64)
    for r in rank:
        count[r] += 1
    n_fronts = 0
    taken = 0
    while taken < mu:
        taken += count[n_fronts]
        n_fronts += 1
    return n_fronts


@njit(cache=True)
def survivors(rank, crowd, mu, listing):
    """The ``mu`` survivors, ``int64 (mu,)``, in DEAP ``selNSGA2`` order:
    whole fronts by rank (each in listing order), then the last front's
    largest crowding distances (ties in listing order)."""
    last = fronts_needed(rank, mu) - 1
    starts = np.zeros(last + 2, dtype=np.int64)
    for r in rank:
        if r <= last:
            starts[r + 1] += 1
    for f in range(last + 1):
        starts[f + 1] += starts[f]
    taken = starts[last]
    out = np.empty(mu, dtype=np.int64)
    tail = np.empty(starts[last + 1] - taken, dtype=np.int64)
    key = np.empty(tail.shape[0])
    n_tail = 0
    for i in listing:
        f = rank[i]
        if f < last:
            out[starts[f]] = i
            starts[f] += 1
        elif f == last:
            tail[n_tail] = i
            key[n_tail] = -crowd[i]
            n_tail += 1
    best = argsort_stable(key)
    for t in range(mu - taken):
        out[taken + t] = tail[best[t]]
    return out


@njit(cache=True)
def binary_tournaments(size, chosen, rank, crowd, state):
    """Survivors kept in place; every other row a copy of the winner of a
    tournament between two distinct random survivors: lower rank, then
    larger crowding distance, then a fair coin."""
    mu = chosen.shape[0]
    parents = np.arange(size)
    keep = np.zeros(size, dtype=np.bool_)
    for i in chosen:
        keep[i] = True
    for i in range(size):
        if keep[i]:
            continue
        ia = _rng.below(state, mu)
        ib = ia
        if mu > 1:
            ib = _rng.below(state, mu - 1)  # uniform over the other mu - 1
            if ib == ia:
                ib = mu - 1
        a, b = chosen[ia], chosen[ib]
        if rank[a] != rank[b]:
            win = a if rank[a] < rank[b] else b
        elif crowd[a] != crowd[b]:
            win = a if crowd[a] > crowd[b] else b
        else:
            win = a if _rng.below(state, 2) == 0 else b
        parents[i] = win
    return parents, keep


@njit(cache=True)
def nsga2_step(objectives, mu, p, state):
    """One NSGA-II generation on the pool ``objectives``: returns
    ``(parents, keep)`` (see ``evomod.selection``). The listing order that
    breaks ties is a random permutation drawn first from ``state``."""
    return nsga2_step_each(objectives, mu, np.full(objectives.shape[1], p), state)


@njit(cache=True)
def nsga2_step_each(objectives, mu, ps, state):
    """:func:`nsga2_step` with objective k >= 1 considered with probability
    ``ps[k]`` in each dominance test (Mengistu et al. 2016: a connection cost
    with 0.25, behavioural diversity with 1)."""
    size = objectives.shape[0]
    listing = np.arange(size)
    _rng.shuffle(state, listing)
    rank, _ = front_ranks_each(objectives, ps, state, mu)
    crowd = crowding_distance(objectives, rank, fronts_needed(rank, mu), listing)
    chosen = survivors(rank, crowd, mu, listing)
    return binary_tournaments(size, chosen, rank, crowd, state)

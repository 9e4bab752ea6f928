"""Numba kernels behind ``evomod.selection`` (single-objective and lexicase).

Every kernel works on the whole population at once: plain typed arrays in,
``int64`` parent indices (and ``bool`` keep flags) out, randomness from the
run's xoshiro state (``evomod.rng``), advanced in place. ``evomod.selection``
validates parameters and wraps these as registered strategies; the NSGA-II
kernels live in ``evomod.selection.nsga``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from evomod import rng as _rng
from evomod.bits import copy_into

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


# --- sorting ------------------------------------------------------------------------

@njit(cache=True)
def argsort_stable(keys):
    """Indices that sort ``keys`` ascending, equal keys in index order.

    Insertion-sorted runs of 16, then bottom-up merges of (key, index)
    pairs: about as fast as numba's ``np.argsort`` at these sizes and far
    quicker to compile.
    """
    n = keys.shape[0]
    src_i = np.arange(n)
    src_k = keys.copy()
    run = 16
    for lo in range(0, n, run):
        for i in range(lo + 1, min(lo + run, n)):
            v, kv = src_i[i], src_k[i]
            j = i - 1
            while j >= lo and src_k[j] > kv:
                src_i[j + 1], src_k[j + 1] = src_i[j], src_k[j]
                j -= 1
            src_i[j + 1], src_k[j + 1] = v, kv
    dst_i = np.empty(n, dtype=np.int64)
    dst_k = np.empty_like(src_k)
    width = run
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j = lo, mid
            for k in range(lo, hi):
                take_right = j < hi and (i >= mid or src_k[j] < src_k[i])
                if take_right:
                    dst_i[k], dst_k[k] = src_i[j], src_k[j]
                    j += 1
                else:
                    dst_i[k], dst_k[k] = src_i[i], src_k[i]
                    i += 1
        src_i, dst_i = dst_i, src_i
        src_k, dst_k = dst_k, src_k
        width *= 2
    return src_i


# --- quickselect, the elite step, the best n rows ------------------------------

@njit(cache=True, inline="always")
def _take_random(pool, n_pool, need, state):
    """Move a uniform random ``need``-subset of ``pool[:n_pool]`` to its front."""
    for j in range(need):
        r = j + _rng.below(state, n_pool - j)
        pool[j], pool[r] = pool[r], pool[j]


@njit(cache=True, inline="always")
def _partition_front(a, lo, hi, pivot, equal):
    """Move the elements of ``a[lo:hi+1]`` that are ``< pivot`` (or ``==``
    when ``equal``) to the front of that range; returns the end of that run.
    Branch-free Lomuto: evolved fitness arrays make compare branches
    unpredictable, and a mispredict per element costs more than the swap."""
    j = lo
    for i in range(lo, hi + 1):
        x = a[i]
        hit = (x == pivot) if equal else (x < pivot)
        a[i] = a[j]
        a[j] = x
        j += hit
    return j


@njit(cache=True)
def nan_as_lowest(x):
    """A copy of ``x`` with NaN replaced by -inf: NaN compares false both
    ways, and a NaN pivot made quickselect loop forever; as -inf, a NaN
    row ranks last and the comparisons are a total order."""
    out = x.copy()
    for i in range(out.shape[0]):
        if out[i] != out[i]:
            out[i] = -np.inf
    return out


@njit(cache=True)
def kth_smallest(a, k):
    """k-th smallest value (0-based) of ``a``, which is reordered in place
    so that ``a[:k] <= a[k] <= a[k+1:]``. Three-way quickselect (evolved
    fitness has few distinct values) with median-of-three pivots. NaN
    entries are first set to -inf (``nan_as_lowest``), so the loop ends."""
    for i in range(a.shape[0]):
        if a[i] != a[i]:
            a[i] = -np.inf
    lo, hi = 0, a.shape[0] - 1
    while lo < hi:
        x, y, z = a[lo], a[(lo + hi) // 2], a[hi]
        pivot = max(min(x, y), min(max(x, y), z))
        lt = _partition_front(a, lo, hi, pivot, False)  # [lo, lt) < pivot
        gt = _partition_front(a, lt, hi, pivot, True)  # [lt, gt) == pivot
        if k < lt:
            hi = lt - 1
        elif k >= gt:
            lo = gt
        else:
            return pivot
    return a[k]


@njit(cache=True)
def top_rows(fitness, n, state):
    """The rows of the ``n`` largest values of ``fitness``, ``int64 (n,)``.

    O(S) by quickselect. Rows tied at the n-th largest value are picked
    uniformly at random; the strictly better rows come first, in row order.
    NaN ranks with -inf, below every number.
    """
    size = fitness.shape[0]
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    f = nan_as_lowest(fitness)
    top = kth_smallest(f.copy(), size - n)  # n-th largest
    ties = np.empty(size + 1, dtype=np.int64)
    nb = 0
    n_ties = 0
    for i in range(size):  # at most n - 1 rows are > top: out[nb] stays in range
        out[nb] = i
        nb += f[i] > top
        ties[n_ties] = i
        n_ties += f[i] == top
    _take_random(ties, n_ties, n - nb, state)
    for j in range(n - nb):
        out[nb + j] = ties[j]
    return out


@njit(cache=True)
def elite_parents(fitness, n_elite, state):
    """Kashtan–Alon elite step in O(S), ties broken at random.

    The L best are kept in place, the L worst are overwritten by copies of
    them (one each), everyone else stays in place to be mutated. Individuals
    tied at the L-th best (or L-th worst) fitness are picked uniformly at
    random, the worst among those not already best, so the two sets never
    overlap when 2L <= S. Returns ``(parents, keep)``. The loops append
    branch-free (write, then advance by the condition). NaN ranks with -inf.
    """
    size = fitness.shape[0]
    parents = np.arange(size)
    keep = np.zeros(size, dtype=np.bool_)
    if n_elite == 0:
        return parents, keep
    f = nan_as_lowest(fitness)
    bottom = kth_smallest(f.copy(), n_elite - 1)  # L-th smallest
    best = top_rows(f, n_elite, state)
    for j in range(n_elite):
        keep[best[j]] = True
    ties = np.empty(size + 1, dtype=np.int64)
    worst = np.empty(size + 1, dtype=np.int64)
    nw = 0
    n_ties = 0
    for i in range(size):
        worst[nw] = i
        nw += f[i] < bottom
        ties[n_ties] = i
        n_ties += (f[i] == bottom) & (not keep[i])
    _take_random(ties, n_ties, n_elite - nw, state)
    for j in range(n_elite - nw):
        worst[nw + j] = ties[j]
    for j in range(n_elite):
        parents[worst[j]] = best[j]
    return parents, keep


@njit(cache=True)
def keep_best(fitness, n, parents, keep, state):
    """Generational elitism: the ``n`` best rows (ties at random) pass
    unchanged in place (``parents[i] = i``, ``keep[i] = True``)."""
    if n > 0:
        best = top_rows(fitness, n, state)
        for i in best:
            parents[i] = i
            keep[i] = True


@njit(cache=True)
def copies_of(pool, size, state):
    """``int64 (size,)``: each entry a uniform random element of ``pool``."""
    parents = np.empty(size, dtype=np.int64)
    n = pool.shape[0]
    for i in range(size):
        parents[i] = pool[_rng.below(state, n)]
    return parents


@njit(cache=True)
def plus_parents(fitness, mu, state):
    """(mu + lambda): the ``mu`` best rows (ties at random) stay in place and
    are kept; every other row becomes a copy of a uniform random one of them."""
    size = fitness.shape[0]
    best = top_rows(fitness, mu, state)
    parents = np.arange(size)
    keep = np.zeros(size, dtype=np.bool_)
    for i in best:
        keep[i] = True
    for i in range(size):
        if not keep[i]:
            parents[i] = best[_rng.below(state, mu)]
    return parents, keep


# --- tournament, roulette wheel, linear ranking --------------------------------

@njit(cache=True)
def tournament_parents(fitness, k, state):
    """S tournaments of ``k`` entrants drawn with replacement; the fittest
    wins, ties between entrants broken uniformly at random (reservoir)."""
    size = fitness.shape[0]
    parents = np.empty(size, dtype=np.int64)
    for i in range(size):
        best = _rng.below(state, size)
        f_best = fitness[best]
        n_tied = 1
        for _ in range(k - 1):
            c = _rng.below(state, size)
            f = fitness[c]
            if f > f_best:
                best, f_best, n_tied = c, f, 1
            elif f == f_best:
                n_tied += 1
                if _rng.below(state, n_tied) == 0:
                    best = c
        parents[i] = best
    return parents


@njit(cache=True)
def wheel_parents(weights, n, state):
    """``n`` independent draws with P(i) = weights[i] / sum(weights)
    (weights >= 0); uniform over all rows when every weight is 0.

    Inversion of the cumulative sums: row i is drawn when
    ``cum[i - 1] <= u * total < cum[i]`` (so zero-weight rows never are),
    found from a guide table (Chen & Asau 1974) in O(1) expected steps.
    """
    size = weights.shape[0]
    parents = np.empty(n, dtype=np.int64)
    cum = np.cumsum(weights)
    total = cum[size - 1]
    if not total > 0.0:
        for i in range(n):
            parents[i] = _rng.below(state, size)
        return parents
    last = size - 1  # last row with positive weight: the guard against rounding
    while not weights[last] > 0.0:
        last -= 1
    guide = np.empty(size, dtype=np.int64)  # guide[j]: first row with cum > total * j / size
    row = 0
    for j in range(size):
        x = total * (j / size)
        while row < last and cum[row] <= x:
            row += 1
        guide[j] = row
    for i in range(n):
        u = _rng.uniform(state)
        x = u * total
        row = guide[min(int(u * size), size - 1)]
        while row > 0 and cum[row - 1] > x:  # rounding made the guide overshoot
            row -= 1
        while row < last and cum[row] <= x:
            row += 1
        parents[i] = row
    return parents


@njit(cache=True)
def roulette_weights(fitness):
    """Fitness itself, shifted up by ``-min`` when the minimum is negative."""
    low = fitness.min()
    return fitness - low if low < 0.0 else fitness.copy()


@njit(cache=True)
def linear_rank_weights(fitness, s):
    """Baker's linear ranking: P(rank r) = (2 - s + 2 (s - 1) r / (S - 1)) / S,
    r = 0 for the worst, S - 1 for the best; tied rows share their average rank."""
    size = fitness.shape[0]
    weights = np.empty(size)
    if size == 1:
        weights[0] = 1.0
        return weights
    order = argsort_stable(fitness)
    i = 0
    while i < size:
        j = i
        while j + 1 < size and fitness[order[j + 1]] == fitness[order[i]]:
            j += 1
        r = 0.5 * (i + j)
        w = (2.0 - s + 2.0 * (s - 1.0) * r / (size - 1)) / size
        for t in range(i, j + 1):
            weights[order[t]] = w
        i = j + 1
    return weights


# --- lexicase -------------------------------------------------------------------

@njit(cache=True)
def _mix(h, x):
    h ^= x + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))
    return h * np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True)
def _same_row(a, i, j):
    for w in range(a.shape[1]):
        if a[i, w] != a[j, w]:
            return False
    return True


@njit(cache=True)
def case_groups(bits, n_cases):
    """Group rows with identical case vectors (their first ``n_cases`` bits).

    Returns ``(reps, starts, members, masked)``: group g has the rows
    ``members[starts[g]:starts[g+1]]``, one of them ``reps[g]``; ``masked``
    is ``bits`` with the bits past ``n_cases`` cleared. Rows are found in
    an open-addressing hash table of groups and compared word by word, so
    hash collisions only cost time.
    """
    size = bits.shape[0]
    used = (n_cases + 63) // 64
    tail = _ALL if n_cases % 64 == 0 else (_ONE << np.uint64(n_cases % 64)) - _ONE
    masked = np.zeros((size, max(used, 1)), dtype=np.uint64)
    slots = 1
    while slots < 2 * size:
        slots *= 2
    table = np.full(slots, -1, dtype=np.int64)  # group id per slot
    group = np.empty(size, dtype=np.int64)
    reps = np.empty(size, dtype=np.int64)
    n_groups = 0
    for i in range(size):
        h = np.uint64(used)
        for w in range(used):
            x = bits[i, w] & (tail if w == used - 1 else _ALL)
            masked[i, w] = x
            h = _mix(h, x)
        slot = np.int64(h >> np.uint64(33)) & (slots - 1)
        while table[slot] >= 0 and not _same_row(masked, i, reps[table[slot]]):
            slot = (slot + 1) & (slots - 1)
        if table[slot] < 0:
            table[slot] = n_groups
            reps[n_groups] = i
            n_groups += 1
        group[i] = table[slot]
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(size):
        starts[group[i] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    fill = starts[:n_groups].copy()
    members = np.empty(size, dtype=np.int64)
    for i in range(size):
        members[fill[group[i]]] = i
        fill[group[i]] += 1
    return reps[:n_groups].copy(), starts, members, masked


@njit(cache=True)
def _transpose64(a):
    """Transpose a 64 x 64 bit matrix in place: bit j of a[i] <-> bit i of a[j]
    (recursive block swaps, Hacker's Delight 7-3, for LSB-first bits)."""
    j = 32
    m = np.uint64(0x00000000FFFFFFFF)
    while j != 0:
        k = 0
        uj = np.uint64(j)
        while k < 64:
            t = ((a[k] >> uj) ^ a[k + j]) & m
            a[k] ^= t << uj
            a[k + j] ^= t
            k = (k + j + 1) & ~j
        j >>= 1
        m ^= m << np.uint64(j)


@njit(cache=True)
def case_major(masked, reps, n_cases):
    """``uint64 (n_cases, ceil(G/64))``: bit g of row c set when group g
    (represented by row ``reps[g]`` of ``masked``) passes case c."""
    n_groups = reps.shape[0]
    g_words = (n_groups + 63) // 64
    c_words = (n_cases + 63) // 64
    out = np.zeros((c_words * 64, g_words), dtype=np.uint64)
    block = np.empty(64, dtype=np.uint64)
    for gw in range(g_words):
        for cw in range(c_words):
            for t in range(64):
                g = gw * 64 + t
                block[t] = masked[reps[g], cw] if g < n_groups else np.uint64(0)
            _transpose64(block)
            for t in range(64):
                out[cw * 64 + t, gw] = block[t]
    return out[:n_cases]


@njit(cache=True)
def _pick_member(cand, starts, members, state):
    """A uniform random row of the groups in bit set ``cand``."""
    total = 0
    for w in range(cand.shape[0]):
        x = cand[w]
        while x != 0:
            g = w * 64 + trailing_zeros(x)
            x &= x - _ONE
            total += starts[g + 1] - starts[g]
    pick = _rng.below(state, total)
    for w in range(cand.shape[0]):
        x = cand[w]
        while x != 0:
            g = w * 64 + trailing_zeros(x)
            x &= x - _ONE
            n = starts[g + 1] - starts[g]
            if pick < n:
                return members[starts[g] + pick]
            pick -= n
    return -1  # unreachable: pick < total


@njit(cache=True)
def lexicase_parents(bits, n_cases, state):
    """S lexicase selection events on packed pass bits ``uint64 (S, W)``.

    Individuals with identical case vectors are grouped first; an event
    filters a bit set of groups case by case, in a fresh random order drawn
    lazily (partial Fisher–Yates: a uniform order whatever the array held
    before), keeping those that pass when any does; it stops when one group
    is left or the cases run out, then picks a uniform random individual of
    the groups left. That is the law of lexicase on the individuals
    themselves: identical vectors pass and fail together.
    """
    size = bits.shape[0]
    parents = np.empty(size, dtype=np.int64)
    reps, starts, members, masked = case_groups(bits, n_cases)
    n_groups = reps.shape[0]
    if n_groups == 1:  # converged (or no cases): every event is a uniform pick
        for i in range(size):
            parents[i] = _rng.below(state, size)
        return parents
    table = case_major(masked, reps, n_cases)
    g_words = (n_groups + 63) // 64
    full = np.zeros(g_words, dtype=np.uint64)
    for g in range(n_groups):
        full[g >> 6] |= _ONE << np.uint64(g & 63)
    cand = np.empty(g_words, dtype=np.uint64)
    new = np.empty(g_words, dtype=np.uint64)
    perm = np.arange(n_cases)
    zero = np.uint64(0)
    for e in range(size):
        copy_into(cand, full, g_words)
        many = True
        j = 0
        while many and j < n_cases:
            r = j + _rng.below(state, n_cases - j)  # next case: uniform over the unused
            c = perm[r]
            perm[r] = perm[j]
            perm[j] = c
            j += 1
            row = table[c]
            hit = zero
            for w in range(g_words):
                x = cand[w] & row[w]
                new[w] = x
                hit |= x
            if hit == zero:
                continue  # no candidate passes case c: it filters nothing
            n_nonzero = 0
            several = False
            for w in range(g_words):
                x = new[w]
                cand[w] = x
                n_nonzero += x != zero
                several |= (x & (x - _ONE)) != zero
            many = several or n_nonzero > 1
        parents[e] = _pick_member(cand, starts, members, state)
    return parents

"""Random numbers inside numba kernels: xoshiro256** on a 4-word state array.

Kernels take the state (``uint64[4]``) as a plain argument and advance it in
place. Passing a ``numpy.random.Generator`` into numba works but costs ~10 µs
per call in dispatch, which is the whole budget of a generation; a state array
costs ~0.1 µs. Every state is derived from the run's ``SeedSequence``, so a
run is reproducible whatever process or worker executes it.

Reference: Blackman & Vigna, "Scrambled linear pseudorandom number
generators", ACM TOMS 47 (2021).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

_U11 = np.uint64(11)
_U17 = np.uint64(17)
_U32 = np.uint64(32)
_U5 = np.uint64(5)
_U9 = np.uint64(9)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def new_state(seed_seq: np.random.SeedSequence) -> np.ndarray:
    """A fresh xoshiro256** state (``uint64[4]``, never all zero) from a SeedSequence."""
    state = seed_seq.generate_state(4, dtype=np.uint64)
    if not state.any():  # all-zero is the one state xoshiro can't leave
        state[0] = 1
    return state


@functools.lru_cache(maxsize=4096)
def _seeded(seed: int, spawn_key: tuple) -> np.ndarray:
    return new_state(np.random.SeedSequence(seed, spawn_key=spawn_key))


def seeded_state(seed: int, spawn_key: tuple = ()) -> np.ndarray:
    """``new_state(SeedSequence(seed, spawn_key=spawn_key))``, memoised: a
    SeedSequence costs ~15 us, a tenth of a warm Q_m. Returns a copy, as
    kernels advance states in place."""
    return _seeded(int(seed), tuple(spawn_key)).copy()


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def next_u64(s):
    """Next 64-bit output; advances ``s`` in place."""
    result = _rotl(s[1] * _U5, 7) * _U9
    t = s[1] << _U17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def uniform(s):
    """Float in [0, 1) with 53 random bits."""
    return float(next_u64(s) >> _U11) * _INV53


@njit(cache=True)
def below(s, n):
    """Unbiased integer in [0, n) for 1 <= n < 2**32 (Lemire's multiply-shift with rejection)."""
    bound = np.uint64(n)
    m = (next_u64(s) >> _U32) * bound
    low = m & _MASK32
    if low < bound:
        threshold = (_TWO32 - bound) % bound
        while low < threshold:
            m = (next_u64(s) >> _U32) * bound
            low = m & _MASK32
    return np.int64(m >> _U32)


@njit(cache=True)
def shuffle(s, a):
    """Fisher–Yates shuffle of the 1-D array ``a`` in place."""
    for i in range(a.shape[0] - 1, 0, -1):
        j = below(s, i + 1)
        a[i], a[j] = a[j], a[i]


@njit(cache=True)
def fill_below(s, n, out):
    """Fill ``out`` with independent integers in [0, n) (a kernel-call wrapper for tests)."""
    for i in range(out.shape[0]):
        out[i] = below(s, n)

"""Bit tricks on the ``uint64`` words that hold truth tables (one bit per input row)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def copy_into(dst, src, n):
    """``dst[:n] = src[:n]`` for 1-D arrays, as a loop: numba compiles an
    array-to-array slice assignment with its shape-mismatch error message,
    which costs ~2 s of compile time per kernel on a fresh install."""
    for i in range(n):
        dst[i] = src[i]


@njit(cache=True, inline="always")
def popcount(x):
    """Number of set bits of a uint64 (SWAR)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)

"""evomod.rng (xoshiro256**) against a pure-Python-int model of the published
algorithm and against statistical expectations."""

import math

import numpy as np
import pytest

from evomod import rng
from evomod.testing.kernels import fill_u64

M64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


def xoshiro_ref(state, n):
    """Blackman & Vigna's xoshiro256** on Python ints, written from the paper."""
    s0, s1, s2, s3 = (int(v) for v in state)
    out = []
    for _ in range(n):
        out.append((_rotl((s1 * 5) & M64, 7) * 9) & M64)
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
    return out, (s0, s1, s2, s3)


def chi2_sf_even_df(x, df):
    """P(X > x) for a chi-square with an even number of degrees of freedom
    (closed form: exp(-x/2) * sum_{i < df/2} (x/2)^i / i!)."""
    assert df % 2 == 0
    half = x / 2.0
    return math.exp(-half) * sum(half**i / math.factorial(i) for i in range(df // 2))


def test_chi2_helper_known_value():
    # Textbook critical value: chi2(6) upper 5% point is 12.592.
    assert chi2_sf_even_df(12.592, 6) == pytest.approx(0.05, abs=2e-4)


@pytest.mark.parametrize("start", [
    (1, 2, 3, 4),
    (0x0123456789ABCDEF, 0xFEDCBA9876543210, 0xDEADBEEFCAFEBABE, 0x0F1E2D3C4B5A6978),
    (M64, M64, M64, M64),
])
def test_next_u64_matches_reference(start):
    state = np.array(start, dtype=np.uint64)
    got = [int(rng.next_u64(state)) for _ in range(1000)]
    want, end = xoshiro_ref(start, 1000)
    assert got == want
    assert tuple(int(v) for v in state) == end  # state advanced in place, identically


def test_known_first_output():
    # By hand: s1 = 2 -> rotl(10, 7) * 9 = 1280 * 9 = 11520.
    assert int(rng.next_u64(np.array([1, 2, 3, 4], dtype=np.uint64))) == 11520


def test_fill_u64_matches_reference():
    start = (11, 22, 33, 44)
    out = np.empty(500, dtype=np.uint64)
    fill_u64(np.array(start, dtype=np.uint64), out)
    assert [int(v) for v in out] == xoshiro_ref(start, 500)[0]


def test_uniform_is_top_53_bits():
    start = (5, 6, 7, 8)
    state = np.array(start, dtype=np.uint64)
    got = [rng.uniform(state) for _ in range(200)]
    want = [(v >> 11) / 2.0**53 for v in xoshiro_ref(start, 200)[0]]
    assert got == want
    assert all(0.0 <= u < 1.0 for u in got)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 1000, 2**31 + 11, 2**32 - 1])
def test_below_in_range(n):
    state = rng.new_state(np.random.SeedSequence(123))
    out = np.empty(5000, dtype=np.int64)
    rng.fill_below(state, n, out)
    assert out.min() >= 0 and out.max() < n
    if n == 1:
        assert (out == 0).all()


def test_below_uniform_chi_square():
    n, draws = 7, 70_000
    state = rng.new_state(np.random.SeedSequence(2024))
    out = np.empty(draws, dtype=np.int64)
    rng.fill_below(state, n, out)
    counts = np.bincount(out, minlength=n)
    assert counts.shape == (n,)
    expected = draws / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2_sf_even_df(chi2, n - 1) > 1e-3, (counts, chi2)


def test_below_large_n_uniform_halves():
    # n just above 2**31: a biased (modulo) reduction would favour the low part
    # heavily; Lemire with rejection is exact. 40,000 draws, half below n/2
    # within 5 sigma (sigma = 100).
    n = 3 * 2**30
    state = rng.new_state(np.random.SeedSequence(99))
    out = np.empty(40_000, dtype=np.int64)
    rng.fill_below(state, n, out)
    low = int((out < n // 2).sum())
    assert abs(low - 20_000) < 500
    assert out.max() >= 2**31  # the upper part is reachable


def test_new_state_deterministic_and_distinct():
    a = rng.new_state(np.random.SeedSequence(42))
    b = rng.new_state(np.random.SeedSequence(42))
    c = rng.new_state(np.random.SeedSequence(43))
    assert a.dtype == np.uint64 and a.shape == (4,)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.any()
    # Same SeedSequence -> same stream.
    xa = np.empty(10, np.uint64)
    xb = np.empty(10, np.uint64)
    fill_u64(a, xa)
    fill_u64(b, xb)
    assert np.array_equal(xa, xb)
    # It is the SeedSequence's own state words (an independent derivation).
    ref = np.random.SeedSequence(42).generate_state(4, dtype=np.uint64)
    assert np.array_equal(rng.new_state(np.random.SeedSequence(42)), ref)


def test_new_state_does_not_depend_on_call_count():
    ss = np.random.SeedSequence(7)
    assert np.array_equal(rng.new_state(ss), rng.new_state(ss))


@pytest.mark.parametrize("size", [0, 1, 2, 5, 100])
def test_shuffle_is_permutation(size):
    state = rng.new_state(np.random.SeedSequence(size))
    a = np.arange(size, dtype=np.int64) * 3
    rng.shuffle(state, a)
    assert sorted(a.tolist()) == [3 * i for i in range(size)]


def test_shuffle_moves_things_and_is_uniform_on_three():
    # All 6 permutations of 3 items, 6,000 shuffles: each ~1,000 (chi-square, df=5
    # is odd so use a generous absolute bound: 6 sigma ~ 6*sqrt(1000*5/6) ~ 173).
    state = rng.new_state(np.random.SeedSequence(5))
    counts = {}
    for _ in range(6000):
        a = np.array([0, 1, 2], dtype=np.int64)
        rng.shuffle(state, a)
        counts[tuple(a.tolist())] = counts.get(tuple(a.tolist()), 0) + 1
    assert len(counts) == 6
    assert all(abs(c - 1000) < 175 for c in counts.values()), counts

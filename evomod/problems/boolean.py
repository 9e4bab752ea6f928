"""Boolean benchmark goals: multiplexer, even parity, majority and adders.

The problems on which selection methods (lexicase in particular) are usually
compared (Koza 1992; Helmuth, Spector & Matheson 2015; Liskowski et al.
2015), written as goal expressions of :func:`evomod.problems.goals.parse`
over named inputs, the first input most significant in truth tables.
``BOOLEAN_GOALS`` names each one; the ``bool-*`` presets use them.

Each goal carries ``nand``: the gate count of a verified feed-forward
construction from 2-input NAND gates (the exact minimum where marked),
from which the presets size their circuits (see ``preset_gates``):

============  ======  ===========================================================
goal          NAND    construction
============  ======  ===========================================================
mux6          11      tree of three 2:1 muxes (4 NAND each) sharing one NOT
mux11         24      tree of seven 2:1 muxes, 3 NOTs shared: 3 (2^k - 1) + k
parity4..8    4n-3    chain of n-1 XORs (4 NAND each, exact for one XOR) + NOT
majority5     22      maj(x1, maj(x2,x3,x4), maj(x2, x5, maj(x3,x4,x5))), 6 NAND per maj3
majority7     30      counter of two full adders and two maj3
fulladder     9       the classic 9-NAND full adder (exact minimum)
adder2        14      half adder (5, exact) + full adder (9)
============  ======  ===========================================================
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

__all__ = ["BOOLEAN_GOALS", "BooleanGoal", "even_parity", "full_adder", "majority", "multiplexer",
           "preset_gates", "ripple_adder"]


class BooleanGoal(NamedTuple):
    """Inputs (most significant first), one expression per output, and the
    gate count of a known feed-forward NAND construction."""

    inputs: list[str]
    expressions: list[str]
    nand: int


def multiplexer(address_bits: int) -> BooleanGoal:
    """The ``k + 2**k`` multiplexer: address bits ``a{k-1}..a0`` select data bit ``d[a]``.

    Output = ``d[i]`` with ``i = sum_j a_j 2**j`` (Koza 1992's 6- and
    11-multiplexer for k = 2, 3), written as nested ``?:`` on the address
    bits, most significant first.

    Examples
    --------
    >>> multiplexer(1).expressions
    ['a0 ? d1 : d0']
    """
    if not 1 <= address_bits <= 3:
        raise ValueError(f"address_bits must be 1..3 (at most 11 inputs), got {address_bits}")
    address = [f"a{j}" for j in reversed(range(address_bits))]
    data = [f"d{i}" for i in range(1 << address_bits)]

    def select(bits: list[str], indices: list[int]) -> str:
        if not bits:
            return data[indices[0]]
        j = len(bits) - 1  # bits[0] is a_j
        one = [i for i in indices if (i >> j) & 1]
        zero = [i for i in indices if not (i >> j) & 1]
        high, low = select(bits[1:], one), select(bits[1:], zero)
        wrap = lambda e: e if " " not in e else f"({e})"  # noqa: E731
        return f"{bits[0]} ? {wrap(high)} : {wrap(low)}"

    nand = 3 * ((1 << address_bits) - 1) + address_bits
    return BooleanGoal(address + data, [select(address, list(range(len(data))))], nand)


def even_parity(n: int) -> BooleanGoal:
    """Even-n-parity: 1 iff an even number of the n inputs are 1 (Koza 1992).

    Examples
    --------
    >>> even_parity(3).expressions
    ['~(x1 ^ x2 ^ x3)']
    """
    if not 2 <= n <= 11:
        raise ValueError(f"parity needs 2..11 inputs, got {n}")
    names = [f"x{i}" for i in range(1, n + 1)]
    return BooleanGoal(names, [f"~({' ^ '.join(names)})"], 4 * (n - 1) + 1)


_MAJORITY_NAND = {3: 6, 5: 22, 7: 30}


def majority(n: int) -> BooleanGoal:
    """Majority-n for odd n: 1 iff more than n/2 of the inputs are 1.

    Written as the disjunction of every conjunction of ``(n + 1) / 2``
    inputs (10 terms for n = 5, 35 for n = 7). Even n is refused: a tie has
    no majority, and conventions differ on it.

    Examples
    --------
    >>> majority(3).expressions
    ['(x1 & x2) | (x1 & x3) | (x2 & x3)']
    """
    if n not in _MAJORITY_NAND:
        raise ValueError(f"majority is defined here for n = 3, 5, 7 (odd n), got {n}")
    names = [f"x{i}" for i in range(1, n + 1)]
    terms = [f"({' & '.join(c)})" for c in itertools.combinations(names, n // 2 + 1)]
    return BooleanGoal(names, [" | ".join(terms)], _MAJORITY_NAND[n])


def full_adder() -> BooleanGoal:
    """Full adder, 3 inputs ``a b c`` and 2 outputs ``[carry, sum]`` of a + b + c.

    Examples
    --------
    >>> full_adder().expressions
    ['(a & b) | (c & (a ^ b))', 'a ^ b ^ c']
    """
    return BooleanGoal(["a", "b", "c"], ["(a & b) | (c & (a ^ b))", "a ^ b ^ c"], 9)


def ripple_adder() -> BooleanGoal:
    """2-bit adder: inputs ``a1 a0 b1 b0``, outputs ``[s2, s1, s0]`` with
    ``(s2 s1 s0)_2 = (a1 a0)_2 + (b1 b0)_2`` (s2 is the carry out).

    Examples
    --------
    >>> ripple_adder().expressions[2]
    'a0 ^ b0'
    """
    carry0 = "(a0 & b0)"
    return BooleanGoal(["a1", "a0", "b1", "b0"],
                       [f"(a1 & b1) | ((a1 ^ b1) & {carry0})", f"a1 ^ b1 ^ {carry0}", "a0 ^ b0"], 14)


#: name -> goal; the ``bool-NAME`` presets evolve NAND circuits for them.
BOOLEAN_GOALS: dict[str, BooleanGoal] = {
    "mux6": multiplexer(2),
    "mux11": multiplexer(3),
    **{f"parity{n}": even_parity(n) for n in range(4, 9)},
    "majority5": majority(5),
    "majority7": majority(7),
    "fulladder": full_adder(),
    "adder2": ripple_adder(),
}


def preset_gates(nand: int) -> int:
    """Gates of a ``bool-*`` preset: ``ceil(1.5 * nand)``, half again the
    known construction (Kashtan & Alon used 12 gates for a 10-gate optimum;
    the margin leaves room for neutral gates and detours).

    Examples
    --------
    >>> preset_gates(11)
    17
    """
    return math.ceil(1.5 * nand)

"""The retina task (Kashtan & Alon 2005; Clune, Mouret & Lipson 2013).

An 8-pixel retina, 4 pixels wide and 2 high, split into a left and a right
2x2 half. Pixel ``i`` is input ``i`` and a pattern is the integer
``v = sum(pixel_i << i)``: the left half is bits 0-3, the right half bits 4-7.
Within a half, local pixel ``j`` (``j = i`` on the left, ``j = i - 4`` on the
right) lies in column ``j & 1`` and row ``j >> 1``; the right half is the
mirror image of the left (columns swapped, ``j -> j ^ 1``).

A half shows an *object* if at least 3 of its 4 pixels are on, or if the 1 or 2
pixels that are on all lie in its outer column: pixels 0 and 2 on the left,
pixels 5 and 7 on the right. That rule gives exactly the 8 objects per side of
the authors' code, :data:`LEFT_OBJECTS` and :data:`RIGHT_OBJECTS`.

Goals: ``L-AND-R`` (an object on both sides: 64 of the 256 patterns) and
``L-OR-R`` (an object on at least one side: 192 of 256).

Truth-table convention (:mod:`evomod.problems.goals`): input ``k`` is bit ``7 - k`` of
the row index, so the pattern of row ``r`` is ``r`` with its 8 bits reversed
(:func:`pattern_of_row`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evomod.problems import goals as _goals

__all__ = [
    "GOAL_NAMES",
    "INPUTS",
    "LEFT_OBJECTS",
    "N_PIXELS",
    "RIGHT_OBJECTS",
    "pattern_of_row",
    "retina_goals",
    "row_of_pattern",
]

N_PIXELS = 8
#: Input names; pixel i is input i.
INPUTS = tuple(f"p{i}" for i in range(N_PIXELS))
#: Left objects as 4-bit patterns (pixels 0-3), from the authors' code.
LEFT_OBJECTS = (15, 7, 5, 13, 1, 11, 4, 14)
#: Right objects (pixels 4-7, values already shifted by 4): mirror images of the left.
RIGHT_OBJECTS = (112, 240, 208, 160, 176, 32, 224, 128)
GOAL_NAMES = ("L-AND-R", "L-OR-R")


def pattern_of_row(r: int) -> int:
    """Pattern value ``sum(pixel_i << i)`` of truth-table row ``r`` (0..255).

    Truth-table rows put input 0 in the most significant bit; patterns put
    pixel 0 in the least, so the map reverses the 8 bits.

    Parameters
    ----------
    r : int
        A row, 0..255.

    Examples
    --------
    >>> pattern_of_row(0b10000000), pattern_of_row(0b00000001), row_of_pattern(pattern_of_row(77))
    (1, 128, 77)
    """
    return sum(((r >> (N_PIXELS - 1 - i)) & 1) << i for i in range(N_PIXELS))


def row_of_pattern(v: int) -> int:
    """Truth-table row of pattern ``v``; the map is an involution (bit reversal)."""
    return pattern_of_row(v)


def _check_objects(values, side: str, shift: int) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{side} objects must be a sequence of integers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{side} object {v!r} is not an integer")
        v = int(v)
        if v < 0 or v > 255 or v & ~(0xF << shift):
            bits = "0-3 (values 0..15)" if shift == 0 else "4-7 (multiples of 16 up to 240)"
            raise ValueError(f"{side} object {v} uses pixels outside bits {bits}")
        if v in out:
            raise ValueError(f"duplicate {side} object {v}")
        out.append(v)
    return tuple(out)


def _half_table(objects: Sequence[int], shift: int, columns: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Packed table of the rows whose pixels ``shift..shift+3`` show one of `objects`."""
    table = np.zeros_like(mask)
    for v in objects:
        term = mask.copy()
        for j in range(4):
            pixel = columns[shift + j]
            term &= pixel if (v >> (shift + j)) & 1 else ~pixel & mask
        table |= term
    return table


def retina_goals(left: Sequence[int] = LEFT_OBJECTS,
                 right: Sequence[int] = RIGHT_OBJECTS) -> dict[str, np.ndarray]:
    """The two retina goals as packed truth tables over :data:`INPUTS`.

    Parameters
    ----------
    left : sequence of int
        Left objects, 4-bit patterns of pixels 0-3 (values 0..15).
    right : sequence of int
        Right objects, patterns of pixels 4-7 (values with only bits 4-7 set).

    Returns
    -------
    dict
        ``{"L-AND-R": table, "L-OR-R": table}``, each uint64 of shape
        ``(1, W)`` with ``W = 4`` (one output, 256 rows).

    Raises
    ------
    ValueError
        For a non-integer, duplicate or out-of-range object value.

    Examples
    --------
    >>> goals = retina_goals()
    >>> [int(_goals.unpack(goals[g][0], 8).sum()) for g in ("L-AND-R", "L-OR-R")]   # 8 x 8 and 256 - 8 x 8 rows
    [64, 192]
    """
    left = _check_objects(left, "left", 0)
    right = _check_objects(right, "right", 4)
    columns = _goals.input_tables(N_PIXELS)
    mask = _goals.row_mask(N_PIXELS)
    has_left = _half_table(left, 0, columns, mask)
    has_right = _half_table(right, 4, columns, mask)
    return {
        "L-AND-R": (has_left & has_right)[None, :].copy(),
        "L-OR-R": (has_left | has_right)[None, :].copy(),
    }

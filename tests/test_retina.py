"""evomod.problems.retina: the object lists against the paper's object rule, the goals
against plain-Python truth tables in the goals module's row convention."""

import itertools

import numpy as np
import pytest

from evomod.problems import retina as R
from evomod.problems.goals import from_callable, n_words, unpack


def bits_on(v):
    return {i for i in range(8) if (v >> i) & 1}


def objects_by_rule(pixels, outer):
    """Patterns of the 4 `pixels` (global pixel indices) that the paper calls
    objects: >= 3 pixels on, or 1-2 pixels on, all in the `outer` column."""
    found = set()
    for on in itertools.product((0, 1), repeat=4):
        lit = {p for p, b in zip(pixels, on) if b}
        if len(lit) >= 3 or (1 <= len(lit) <= 2 and lit <= set(outer)):
            found.add(sum(1 << p for p in lit))
    return found


# Within a half, local pixel j sits in column j & 1, row j >> 1.
LEFT_PIXELS, RIGHT_PIXELS = (0, 1, 2, 3), (4, 5, 6, 7)
LEFT_COLUMNS = {0: {0, 2}, 1: {1, 3}}
RIGHT_COLUMNS = {0: {4, 6}, 1: {5, 7}}


def test_eight_distinct_objects_per_side():
    assert len(R.LEFT_OBJECTS) == len(set(R.LEFT_OBJECTS)) == 8
    assert len(R.RIGHT_OBJECTS) == len(set(R.RIGHT_OBJECTS)) == 8
    assert all(0 <= v < 16 for v in R.LEFT_OBJECTS)
    assert all(v & 0xF == 0 and 0 < v < 256 for v in R.RIGHT_OBJECTS)


def test_right_objects_are_mirror_images_of_left():
    # mirror: swap the half's two columns (local bit j -> j ^ 1), move to bits 4-7
    mirrored = {sum(1 << ((j ^ 1) + 4) for j in bits_on(v)) for v in R.LEFT_OBJECTS}
    assert mirrored == set(R.RIGHT_OBJECTS)
    assert {sum(1 << ((i - 4) ^ 1) for i in bits_on(v)) for v in R.RIGHT_OBJECTS} == set(R.LEFT_OBJECTS)


def test_object_rule_reproduces_the_lists_with_the_outer_columns():
    # which column is outer: the one the lists' 1-2 pixel objects live in
    left_small = [bits_on(v) for v in R.LEFT_OBJECTS if len(bits_on(v)) <= 2]
    right_small = [bits_on(v) for v in R.RIGHT_OBJECTS if len(bits_on(v)) <= 2]
    assert all(s <= LEFT_COLUMNS[0] for s in left_small)  # left half: its left column
    assert all(s <= RIGHT_COLUMNS[1] for s in right_small)  # right half: its right column
    assert objects_by_rule(LEFT_PIXELS, LEFT_COLUMNS[0]) == set(R.LEFT_OBJECTS)
    assert objects_by_rule(RIGHT_PIXELS, RIGHT_COLUMNS[1]) == set(R.RIGHT_OBJECTS)
    # the inner columns give other sets
    assert objects_by_rule(LEFT_PIXELS, LEFT_COLUMNS[1]) != set(R.LEFT_OBJECTS)
    assert objects_by_rule(RIGHT_PIXELS, RIGHT_COLUMNS[0]) != set(R.RIGHT_OBJECTS)


def textbook_rows():
    """(row index, pixel values) in the goals convention: input k is bit 7-k."""
    return enumerate(itertools.product((0, 1), repeat=8))


def test_goals_row_by_row():
    g = R.retina_goals()
    assert set(g) == {"L-AND-R", "L-OR-R"}
    for name, table in g.items():
        assert table.dtype == np.uint64 and table.shape == (1, n_words(8)) == (1, 4), name
    and_bits = unpack(g["L-AND-R"][0], 8)
    or_bits = unpack(g["L-OR-R"][0], 8)
    for r, pixels in textbook_rows():
        v = sum(p << i for i, p in enumerate(pixels))
        left, right = (v & 0x0F) in R.LEFT_OBJECTS, (v & 0xF0) in R.RIGHT_OBJECTS
        assert and_bits[r] == (left and right), r
        assert or_bits[r] == (left or right), r
        assert R.pattern_of_row(r) == v and R.row_of_pattern(v) == r


def test_goal_counts():
    g = R.retina_goals()
    assert unpack(g["L-AND-R"][0], 8).sum() == 64
    assert unpack(g["L-OR-R"][0], 8).sum() == 192


def test_goals_match_from_callable():
    left = set(R.LEFT_OBJECTS)
    right = set(R.RIGHT_OBJECTS)

    def value(*pixels):
        return sum(int(p) << i for i, p in enumerate(pixels))

    def and_goal(*p):
        return (value(*p) & 15) in left and (value(*p) & 240) in right

    def or_goal(*p):
        return (value(*p) & 15) in left or (value(*p) & 240) in right

    g = R.retina_goals()
    assert np.array_equal(g["L-AND-R"][0], from_callable(and_goal, R.INPUTS))
    assert np.array_equal(g["L-OR-R"][0], from_callable(or_goal, R.INPUTS))


def test_custom_objects_and_padding():
    g = R.retina_goals(left=[15], right=[240])
    and_bits = unpack(g["L-AND-R"][0], 8)
    assert and_bits.sum() == 1 and and_bits[255]
    assert unpack(g["L-OR-R"][0], 8).sum() == 16 + 16 - 1
    empty = R.retina_goals(left=[], right=[])
    assert not empty["L-OR-R"].any()


def test_inputs_names():
    assert R.INPUTS == ("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7")


@pytest.mark.parametrize("left, right, words", [
    ([16], R.RIGHT_OBJECTS, "left object 16"),
    ([-1], R.RIGHT_OBJECTS, "left object -1"),
    (R.LEFT_OBJECTS, [17], "right object 17"),
    (R.LEFT_OBJECTS, [8], "right object 8"),
    (R.LEFT_OBJECTS, [256], "right object 256"),
    ([1, 1], R.RIGHT_OBJECTS, "duplicate left object 1"),
    ([1.0], R.RIGHT_OBJECTS, "left object 1.0 is not an integer"),
    ("15", R.RIGHT_OBJECTS, "left objects must be a sequence"),
])
def test_invalid_objects(left, right, words):
    with pytest.raises(ValueError, match=words):
        R.retina_goals(left, right)

"""Tests for evomod.problems.goals, checked against plain-Python truth tables."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evomod.problems.goals import (
    BUILTIN_GOALS,
    TWO_INPUT_FUNCTIONS,
    GoalError,
    from_callable,
    input_tables,
    modular_goal_pool,
    n_words,
    pack,
    parse,
    row_mask,
    unpack,
)

XYZW = ["x", "y", "z", "w"]


def rows(n):
    """Rows in textbook order: first input is the most significant bit."""
    return list(itertools.product((0, 1), repeat=n))


def oracle(fn, n):
    """Plain-Python truth table (list of bools) of fn over n inputs."""
    return [bool(fn(*r)) for r in rows(n)]


def table_bits(expr, inputs=XYZW):
    return unpack(parse(expr, inputs), len(inputs)).tolist()


# --------------------------------------------------------------------- packing


def test_n_words():
    assert [n_words(n) for n in range(1, 12)] == [1, 1, 1, 1, 1, 1, 2, 4, 8, 16, 32]


def test_row_mask():
    assert row_mask(1).tolist() == [0b11]
    assert row_mask(4).tolist() == [0xFFFF]
    assert row_mask(6).tolist() == [2**64 - 1]
    assert row_mask(7).tolist() == [2**64 - 1, 2**64 - 1]
    assert row_mask(4).dtype == np.uint64


def test_input_tables_textbook_order():
    # x y z: x = 00001111, y = 00110011, z = 01010101 (row 0 = lowest bit).
    assert input_tables(3).tolist() == [[0xF0], [0xCC], [0xAA]]
    t = input_tables(8)
    assert t.shape == (8, 4)
    for k in range(8):
        assert unpack(t[k], 8).tolist() == [bool(r[k]) for r in rows(8)]


def test_pack_known_words():
    assert pack([1, 0, 0, 0]).tolist() == [1]
    assert pack([0, 0, 0, 1]).tolist() == [8]
    bits = np.zeros(128, dtype=bool)
    bits[64] = bits[127] = True
    assert pack(bits).tolist() == [0, 1 | (1 << 63)]


@given(st.integers(1, 10).flatmap(
    lambda n: st.lists(st.booleans(), min_size=2**n, max_size=2**n)))
def test_pack_unpack_round_trip(bits):
    n = len(bits).bit_length() - 1
    packed = pack(np.array(bits))
    assert packed.dtype == np.uint64 and packed.shape == (n_words(n),)
    assert unpack(packed, n).tolist() == bits
    assert (packed & ~row_mask(n)).tolist() == [0] * n_words(n)


def test_pack_rejects_non_binary():
    with pytest.raises(GoalError):
        pack([0, 2, 1, 0])


# ------------------------------------------------------------- builtin goals


def test_builtin_goal_counts():
    assert sum(table_bits(BUILTIN_GOALS["G1"])) == 4
    assert sum(table_bits(BUILTIN_GOALS["G2"])) == 12


def test_builtin_goals_row_by_row():
    assert table_bits(BUILTIN_GOALS["G1"]) == oracle(
        lambda x, y, z, w: (x != y) and (w != z), 4)
    assert table_bits(BUILTIN_GOALS["G2"]) == oracle(
        lambda x, y, z, w: (x != y) or (w != z), 4)
    # G1 true rows are xyzw = 0101, 0110, 1001, 1010.
    assert parse(BUILTIN_GOALS["G1"], XYZW).tolist() == [
        (1 << 5) | (1 << 6) | (1 << 9) | (1 << 10)]


# ---------------------------------------------------------- expression syntax


@pytest.mark.parametrize("expr, fn", [
    ("x | y & z", lambda x, y, z, w: x or (y and z)),
    ("x ^ y | z", lambda x, y, z, w: (x != y) or z),
    ("x & y ^ z", lambda x, y, z, w: (x and y) != z),
    ("x | y ^ z", lambda x, y, z, w: x or (y != z)),
    ("~x & y", lambda x, y, z, w: (not x) and y),
    ("!x | not y", lambda x, y, z, w: (not x) or (not y)),
    ("~~x", lambda x, y, z, w: x),
    ("x and y or z xor w", lambda x, y, z, w: (x and y) or (z != w)),
    ("x == y", lambda x, y, z, w: x == y),
    ("x != y", lambda x, y, z, w: x != y),
    ("x | y == z", lambda x, y, z, w: (x or y) == z),
    ("x == y == z", lambda x, y, z, w: (x == y) == z),
    ("x ? y : z", lambda x, y, z, w: y if x else z),
    ("x ? y : z ? w : 0", lambda x, y, z, w: y if x else (w if z else 0)),
    ("x ? y ? z : w : 1", lambda x, y, z, w: (z if y else w) if x else 1),
    ("x == y ? z : w", lambda x, y, z, w: z if x == y else w),
    ("0", lambda x, y, z, w: 0),
    ("1", lambda x, y, z, w: 1),
    ("~0", lambda x, y, z, w: 1),
    ("x & 1 | 0", lambda x, y, z, w: x),
    ("AND(x, y)", lambda x, y, z, w: x and y),
    ("OR(x,y)", lambda x, y, z, w: x or y),
    ("NAND(x, y)", lambda x, y, z, w: not (x and y)),
    ("NOR(x, y)", lambda x, y, z, w: not (x or y)),
    ("XOR(x, AND(y, z))", lambda x, y, z, w: x != (y and z)),
    ("XNOR(x, y)", lambda x, y, z, w: x == y),
    ("ANDNA(x, y)", lambda x, y, z, w: (not x) and y),
    ("ANDNB(x, y)", lambda x, y, z, w: x and not y),
    ("ORNA(x, y)", lambda x, y, z, w: (not x) or y),
    ("ORNB(x, y)", lambda x, y, z, w: x or not y),
    ("NOT(x ? y : z)", lambda x, y, z, w: not (y if x else z)),
    ("  ( (x) )  ", lambda x, y, z, w: x),
])
def test_expression_semantics(expr, fn):
    assert table_bits(expr) == oracle(fn, 4)


def test_function_name_can_be_an_input():
    inputs = ["AND", "NOT", "b"]
    assert table_bits("AND & ~NOT", inputs) == oracle(lambda a, n, b: a and not n, 3)
    assert table_bits("AND(AND, b)", inputs) == oracle(lambda a, n, b: a and b, 3)


def test_padding_bits_are_zero():
    for expr in ["~x", "1", "x ? 0 : 1", "NOT(x)", "NAND(x, y)", "x == y", "!y"]:
        assert parse(expr, XYZW).tolist()[0] >> 16 == 0
    assert parse("~a", ["a"]).tolist() == [0b01]
    assert parse("1", ["a", "b", "c", "d", "e"]).tolist() == [0xFFFFFFFF]


def test_parse_returns_fresh_array():
    t = parse("x", XYZW)
    t[0] = 0
    assert parse("x", XYZW).tolist() == [0xFF00]


# Random expressions: each node yields (our syntax, Python oracle, is_tight).
# "Tight" strings are atoms, parenthesised or unary, so that ~ can prefix them
# and the oracle (1-...) can wrap them without changing the parse.
def _expressions(names):
    leaves = st.sampled_from(names).map(lambda v: (v, v, True))

    def extend(children):
        binary = st.tuples(children, st.sampled_from("&|^"), children, st.booleans()).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", f"({t[0][1]} {t[1]} {t[2][1]})", True)
            if t[3] else (f"{t[0][0]} {t[1]} {t[2][0]}", f"{t[0][1]} {t[1]} {t[2][1]}", False))
        unary = children.map(
            lambda c: (f"~{c[0]}", f"(1-{c[1]})", True) if c[2]
            else (f"~({c[0]})", f"(1-({c[1]}))", True))
        return binary | unary

    return st.recursive(leaves, extend, max_leaves=12)


@st.composite
def random_goals(draw):
    n = draw(st.integers(1, 10))
    names = [f"v{k}" for k in range(n)]
    expr, py, _ = draw(_expressions(names))
    return names, expr, py


@settings(max_examples=150, deadline=None)
@given(random_goals())
def test_parse_matches_python_eval(goal):
    names, expr, py = goal
    code = compile(py, "<oracle>", "eval")
    expected = [bool(eval(code, {}, dict(zip(names, r)))) for r in rows(len(names))]
    table = parse(expr, names)
    assert table.shape == (n_words(len(names)),)
    assert unpack(table, len(names)).tolist() == expected
    assert (table & ~row_mask(len(names))).tolist() == [0] * len(table)


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("expr, fragment", [
    ("(x ^ q)", "'q'"),
    ("(x ^ q)", "x, y, z, w"),
    ("x &", "'x &'"),
    ("x & & y", "'x & & y'"),
    ("(x | y", "'(x | y'"),
    ("x y", "'x y'"),
    ("x ? y", "'x ? y'"),
    ("x $ y", "'$'"),
    ("2 & x", "'2'"),
    ("AND(x)", "AND"),
    ("AND(x, y, z)", "AND"),
    ("NOT(x, y)", "NOT"),
    ("XOR()", "XOR"),
    ("", "empty"),
    ("   ", "empty"),
    ("x and", "'x and'"),
])
def test_parse_errors(expr, fragment):
    with pytest.raises(GoalError) as info:
        parse(expr, XYZW)
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg


def test_unknown_input_message():
    with pytest.raises(GoalError, match=r"unknown input 'q' in goal '\(x \^ q\)'; inputs are x, y, z, w"):
        parse("(x ^ q)", XYZW)


@pytest.mark.parametrize("inputs, fragment", [
    (["x", "y", "x"], "'x'"),
    (["x", "1y"], "'1y'"),
    (["x", "a-b"], "'a-b'"),
    (["x", "and"], "'and'"),
    ([f"v{k}" for k in range(12)], "12"),
    ([], "at least one"),
    ("xyzw", "'xyzw'"),
])
def test_bad_inputs(inputs, fragment):
    with pytest.raises(GoalError) as info:
        parse("1", inputs)
    assert fragment in str(info.value)


def test_goal_error_is_value_error():
    assert issubclass(GoalError, ValueError)
    with pytest.raises(ValueError):
        n_words(12)


# ------------------------------------------------------------ from_callable


def test_from_callable_vectorised():
    calls = []

    def fn(x, y, z, w):
        calls.append(1)
        return (x ^ y) & (w ^ z)

    assert from_callable(fn, XYZW).tolist() == parse(BUILTIN_GOALS["G1"], XYZW).tolist()
    assert len(calls) == 1
    assert unpack(from_callable(lambda x, y, z, w: x + y + z + w >= 3, XYZW), 4).tolist() == \
        oracle(lambda x, y, z, w: x + y + z + w >= 3, 4)


def test_from_callable_row_by_row_fallback():
    def majority(a, b, c):
        if a + b + c >= 2:
            return True
        return False

    assert unpack(from_callable(majority, ["a", "b", "c"]), 3).tolist() == \
        [False, False, False, True, False, True, True, True]
    # A scalar result from the vectorised call also falls back to rows.
    assert from_callable(lambda a, b: 1, ["a", "b"]).tolist() == [0b1111]
    assert from_callable(lambda a, b: a and not b, ["a", "b"]).tolist() == [0b0100]


# ------------------------------------------------------------------- pools


def test_two_input_functions_are_the_nondegenerate_ten():
    def depends_on_both(code):
        f = [(code >> i) & 1 for i in range(4)]  # f[(a << 1) | b]
        return any(f[b] != f[2 | b] for b in (0, 1)) and any(f[a << 1] != f[(a << 1) | 1] for a in (0, 1))

    assert sorted(TWO_INPUT_FUNCTIONS.values()) == sorted(c for c in range(16) if depends_on_both(c))
    py = {
        "AND": lambda a, b: a and b, "OR": lambda a, b: a or b,
        "NAND": lambda a, b: not (a and b), "NOR": lambda a, b: not (a or b),
        "XOR": lambda a, b: a != b, "XNOR": lambda a, b: a == b,
        "ANDNA": lambda a, b: (not a) and b, "ANDNB": lambda a, b: a and not b,
        "ORNA": lambda a, b: (not a) or b, "ORNB": lambda a, b: a or not b,
    }
    for name, code in TWO_INPUT_FUNCTIONS.items():
        for a, b in rows(2):
            assert (code >> ((a << 1) | b)) & 1 == bool(py[name](a, b)), name


def _brute_force_pool():
    """Distinct 16-bit tables of F(A(a,b), B(c,d)), with plain Python ints."""
    codes = list(TWO_INPUT_FUNCTIONS.values())

    def ev(code, p, q):
        return (code >> ((p << 1) | q)) & 1

    tables = set()
    for f, a, b in itertools.product(codes, repeat=3):
        bits = 0
        for r, (i0, i1, i2, i3) in enumerate(rows(4)):
            bits |= ev(f, ev(a, i0, i1), ev(b, i2, i3)) << r
        tables.add(bits)
    return tables


def test_modular_goal_pool_matches_brute_force():
    pool = modular_goal_pool(XYZW)
    words = [int(t[0]) for _, t in pool]
    assert all(t.dtype == np.uint64 and t.shape == (1,) for _, t in pool)
    assert len(set(words)) == len(words)  # all distinct
    assert set(words) == _brute_force_pool()
    assert len(pool) == 250
    assert len({name for name, _ in pool}) == len(pool)


def test_modular_goal_pool_names_and_builtins():
    pool = modular_goal_pool(XYZW)
    by_word = {int(t[0]): name for name, t in pool}
    assert by_word[int(parse(BUILTIN_GOALS["G1"], XYZW)[0])] == "AND(XOR(x,y),XOR(z,w))"
    assert by_word[int(parse(BUILTIN_GOALS["G2"], XYZW)[0])] == "OR(XOR(x,y),XOR(z,w))"
    assert pool[0][0] == "AND(AND(x,y),AND(z,w))"
    # Every name is itself a valid goal expression for its own table.
    for name, table in pool:
        assert parse(name, XYZW).tolist() == table.tolist()


def test_modular_goal_pool_goals_depend_on_all_inputs():
    # Brute-force fact: flipping any single input changes some row's output.
    for _, table in modular_goal_pool(["a", "b", "c", "d"]):
        f = unpack(table, 4)
        for k in range(4):
            assert any(f[r] != f[r ^ (1 << (3 - k))] for r in range(16))


def test_modular_goal_pool_deterministic_and_errors():
    a = modular_goal_pool(XYZW)
    b = modular_goal_pool(XYZW)
    assert [n for n, _ in a] == [n for n, _ in b]
    with pytest.raises(GoalError, match="exactly 4"):
        modular_goal_pool(["x", "y", "z"])
    with pytest.raises(GoalError, match="exactly 4"):
        modular_goal_pool(["a", "b", "c", "d", "e"])

"""Goal truth tables: bit-packing, an expression parser and goal pools.

Conventions shared with the rest of :mod:`evomod`:

* A truth table over ``N`` inputs (``1 <= N <= 11``) has ``R = 2**N`` rows.
  Row ``r`` gives input ``k`` (0-based, in the order of the ``inputs`` list)
  the value ``(r >> (N-1-k)) & 1``: the first input is the most significant
  bit, so rows run like a textbook truth table (``x y z w = 0000, 0001, ...``).
* Tables are bit-packed: row ``r`` is bit ``r % 64`` of word ``r // 64`` of a
  ``np.uint64`` array of ``W = (R + 63) // 64`` words.  Bits beyond ``R``
  (when ``R < 64``) are always 0.

Goal expressions (see :func:`parse`) are evaluated directly on packed words,
so a goal over 11 inputs costs a handful of numpy operations on 32 words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "BUILTIN_GOALS",
    "MAX_INPUTS",
    "TWO_INPUT_FUNCTIONS",
    "GoalError",
    "from_callable",
    "input_tables",
    "modular_goal_pool",
    "n_words",
    "pack",
    "parse",
    "row_mask",
    "unpack",
]

MAX_INPUTS = 11  # 2048 rows = 32 words: the 11-multiplexer

# uint64 shift amounts: shifting a uint64 by a signed array would promote
# to float64 in numpy, so keep every shift count unsigned.
_SHIFTS = np.arange(64, dtype=np.uint64)
_ONE = np.uint64(1)
_ALL_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)

#: Kashtan & Alon (2005) modular goals over inputs ``x, y, z, w``.
BUILTIN_GOALS: dict[str, str] = {
    # Kashtan & Alon 2005: two parallel sub-tasks, XORs of (x, y) and (w, z), combined at the end
    "G1": "(x ^ y) & (w ^ z)",
    "G2": "(x ^ y) | (w ^ z)",
    # serial (seed experiment 5): a first sub-task on (x, y) decides what the second does with (z, w)
    "S1": "(x ^ y) ? (z & w) : (z | w)",
    "S2": "(x & y) ? (z & w) : (z | w)",  # S1 with only the first sub-task changed
    "S3": "(x ^ y) ? (z ^ w) : (z | w)",  # S1 with only the second sub-task (its first branch) changed
}

#: The 10 two-input boolean functions that depend on both inputs.  Each value
#: is a 4-bit truth table: bit ``(a << 1) | b`` is ``f(a, b)``.  The suffix
#: ``NA`` / ``NB`` means the first / second input is negated:
#: ``ANDNA = ~a & b``, ``ANDNB = a & ~b``, ``ORNA = ~a | b``, ``ORNB = a | ~b``.
#: (The other 6 of the 16 functions are constants or copies/negations of one
#: input.)
TWO_INPUT_FUNCTIONS: dict[str, int] = {
    "AND": 0b1000,
    "OR": 0b1110,
    "NAND": 0b0111,
    "NOR": 0b0001,
    "XOR": 0b0110,
    "XNOR": 0b1001,
    "ANDNA": 0b0010,
    "ANDNB": 0b0100,
    "ORNA": 0b1011,
    "ORNB": 0b1101,
}

# Word operators; they are reserved and cannot name inputs.
_KEYWORDS = frozenset({"and", "or", "xor", "not"})
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN_RE = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>[0-9]+)"
    r"|(?P<op>==|!=|[?:|^&~!(),]))"
)


class GoalError(ValueError):
    """An invalid goal expression, input list or truth table."""


# ---------------------------------------------------------------------------
# Packing


def _check_n(n_inputs) -> int:
    if (
        isinstance(n_inputs, bool)
        or not isinstance(n_inputs, (int, np.integer))
        or not 1 <= n_inputs <= MAX_INPUTS
    ):
        raise GoalError(
            f"number of inputs must be an integer from 1 to {MAX_INPUTS}, "
            f"got {n_inputs!r}"
        )
    return int(n_inputs)


def n_words(n_inputs: int) -> int:
    """Number of uint64 words in a packed table over `n_inputs` inputs.

    Parameters
    ----------
    n_inputs : int
        Number of inputs ``N``, 1 to 11.

    Returns
    -------
    int
        ``(2**N + 63) // 64``.

    Examples
    --------
    >>> n_words(4), n_words(6), n_words(7), n_words(11)
    (1, 1, 2, 32)
    """
    return ((1 << _check_n(n_inputs)) + 63) // 64


def row_mask(n_inputs: int) -> np.ndarray:
    """Packed table that is 1 on every valid row.

    Parameters
    ----------
    n_inputs : int
        Number of inputs ``N``, 1 to 11.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(W,)`` with the low ``2**N`` bits set.

    Examples
    --------
    >>> row_mask(3), bool(row_mask(6)[0] == np.uint64(2**64 - 1))
    (array([255], dtype=uint64), True)
    """
    n = _check_n(n_inputs)
    mask = np.full(n_words(n), _ALL_ONES, dtype=np.uint64)
    if n < 6:
        mask[0] = np.uint64((1 << (1 << n)) - 1)
    return mask


def _pack_last_axis(bits: np.ndarray) -> np.ndarray:
    """Pack 0/1 values along the last axis into uint64 words."""
    n_rows = bits.shape[-1]
    n_w = (n_rows + 63) // 64
    padded = np.zeros(bits.shape[:-1] + (n_w * 64,), dtype=np.uint64)
    padded[..., :n_rows] = bits
    words = padded.reshape(bits.shape[:-1] + (n_w, 64)) << _SHIFTS
    return np.bitwise_or.reduce(words, axis=-1)


def pack(bits) -> np.ndarray:
    """Pack a column of truth-table rows into uint64 words.

    Parameters
    ----------
    bits : array_like
        1-D bool or 0/1 array of length ``R`` (row ``r`` first at index r).

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``((R + 63) // 64,)``; padding bits are 0.

    Examples
    --------
    >>> pack([0, 1, 1, 0])      # rows 1 and 2 true: bits 1 and 2
    array([6], dtype=uint64)
    """
    arr = np.asarray(bits)
    if arr.ndim != 1 or arr.size == 0:
        raise GoalError(f"pack expects a non-empty 1-D array, got shape {arr.shape}")
    if arr.dtype != np.bool_:
        if not np.all((arr == 0) | (arr == 1)):
            raise GoalError("pack expects only 0/1 or boolean values")
        arr = arr.astype(np.bool_)
    return _pack_last_axis(arr)


def unpack(table, n_inputs: int) -> np.ndarray:
    """Unpack a packed table into one bool per row.

    Parameters
    ----------
    table : array_like
        uint64 array of shape ``(W,)``.
    n_inputs : int
        Number of inputs ``N``; the result has ``2**N`` rows.

    Returns
    -------
    numpy.ndarray
        bool array of shape ``(2**N,)``.

    Examples
    --------
    >>> unpack(parse("x & y", ["x", "y"]), 2).astype(int).tolist()
    [0, 0, 0, 1]
    """
    n = _check_n(n_inputs)
    words = np.asarray(table, dtype=np.uint64)
    if words.shape != (n_words(n),):
        raise GoalError(
            f"table for {n} inputs must have shape ({n_words(n)},), got {words.shape}"
        )
    bits = (words[:, None] >> _SHIFTS) & _ONE
    return bits.reshape(-1)[: 1 << n].astype(np.bool_)


def input_tables(n_inputs: int) -> np.ndarray:
    """Packed column of every input.

    Parameters
    ----------
    n_inputs : int
        Number of inputs ``N``, 1 to 11.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(N, W)``; row ``k`` is input ``k``.

    Examples
    --------
    >>> [bin(int(t[0])) for t in input_tables(2)]   # rows 0..3 = 00, 01, 10, 11: x is the high bit
    ['0b1100', '0b1010']
    """
    n = _check_n(n_inputs)
    rows = np.arange(1 << n, dtype=np.uint64)
    shifts = (n - 1 - np.arange(n)).astype(np.uint64)
    return _pack_last_axis((rows[None, :] >> shifts[:, None]) & _ONE)


# ---------------------------------------------------------------------------
# Input names


def check_inputs(inputs) -> list[str]:
    """Validated input names (identifiers, distinct, 1 to 11); raises GoalError."""
    if isinstance(inputs, str):
        # A bare string is a Sequence[str] too; "xyzw" is almost surely a slip.
        raise GoalError(f"inputs must be a sequence of names, not the string {inputs!r}")
    names = list(inputs)
    if not names:
        raise GoalError("at least one input name is required")
    if len(names) > MAX_INPUTS:
        raise GoalError(f"too many inputs ({len(names)}); at most {MAX_INPUTS} are supported")
    seen = set()
    for name in names:
        if not isinstance(name, str) or not _IDENT_RE.match(name) or name in _KEYWORDS:
            raise GoalError(
                f"invalid input name {name!r}: names are identifiers "
                f"[A-Za-z_][A-Za-z0-9_]* other than {', '.join(sorted(_KEYWORDS))}"
            )
        if name in seen:
            raise GoalError(f"duplicate input name {name!r} in inputs {', '.join(names)}")
        seen.add(name)
    return names


# ---------------------------------------------------------------------------
# Word-level boolean operations (results stay inside `mask`)


def _apply_two(code: int, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Apply the 4-bit two-input function `code` to packed tables (broadcasts)."""
    na, nb = ~a & mask, ~b & mask
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=np.uint64)
    # Sum of minterms: bit (p << 1) | q of `code` selects rows where a=p, b=q.
    for i, term in enumerate(((na, nb), (na, b), (a, nb), (a, b))):
        if (code >> i) & 1:
            out = out | (term[0] & term[1])
    return out


# Binary operators: token -> (precedence, function(left, right, mask)).
_BINARY = {
    "==": (1, lambda a, b, m: ~(a ^ b) & m),
    "!=": (1, lambda a, b, m: a ^ b),
    "|": (2, lambda a, b, m: a | b),
    "or": (2, lambda a, b, m: a | b),
    "^": (3, lambda a, b, m: a ^ b),
    "xor": (3, lambda a, b, m: a ^ b),
    "&": (4, lambda a, b, m: a & b),
    "and": (4, lambda a, b, m: a & b),
}
_UNARY = frozenset({"~", "!", "not"})
_CALLABLE_ARITY = {"NOT": 1, **{name: 2 for name in TWO_INPUT_FUNCTIONS}}


# ---------------------------------------------------------------------------
# Parser


class _Token(NamedTuple):
    kind: str  # "name", "num", "op" or "end"
    text: str
    pos: int


def _tokenize(expr: str) -> list[_Token]:
    tokens = []
    pos = 0
    while True:
        m = _TOKEN_RE.match(expr, pos)
        if m is None:
            rest = expr[pos:]
            stripped = rest.lstrip()
            if stripped:
                at = pos + len(rest) - len(stripped)
                raise GoalError(
                    f"syntax error in goal {expr!r} at position {at}: "
                    f"unexpected character {stripped[0]!r}"
                )
            tokens.append(_Token("end", "", len(expr)))
            return tokens
        kind = m.lastgroup
        tokens.append(_Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()


class _Parser:
    """Precedence-climbing parser that evaluates as it goes (no AST)."""

    def __init__(self, expr: str, names: list[str]):
        self.expr = expr
        self.names = names
        self.mask = row_mask(len(names))
        self.columns = dict(zip(names, input_tables(len(names))))
        self.tokens = _tokenize(expr)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def unexpected(self, tok: _Token, expected: str = "") -> GoalError:
        what = "end of expression" if tok.kind == "end" else f"token {tok.text!r}"
        hint = f" (expected {expected})" if expected else ""
        return GoalError(
            f"syntax error in goal {self.expr!r} at position {tok.pos}: "
            f"unexpected {what}{hint}"
        )

    def expect(self, text: str) -> _Token:
        tok = self.take()
        if tok.kind != "op" or tok.text != text:
            raise self.unexpected(tok, repr(text))
        return tok

    def parse(self) -> np.ndarray:
        if self.peek().kind == "end":
            raise GoalError(f"empty goal expression {self.expr!r}")
        value = self.ternary()
        if self.peek().kind != "end":
            raise self.unexpected(self.peek())
        return value

    def ternary(self) -> np.ndarray:
        cond = self.binary(1)
        if self.peek().text != "?":
            return cond
        self.take()
        then = self.ternary()
        self.expect(":")
        other = self.ternary()  # recursing here makes ?: right-associative
        return (cond & then) | (~cond & self.mask & other)

    def binary(self, min_prec: int) -> np.ndarray:
        left = self.unary()
        while True:
            tok = self.peek()
            op = _BINARY.get(tok.text) if tok.kind in ("op", "name") else None
            if op is None or op[0] < min_prec:
                return left
            self.take()
            # min_prec + 1 on the right makes equal-precedence ops left-assoc.
            right = self.binary(op[0] + 1)
            left = op[1](left, right, self.mask)

    def unary(self) -> np.ndarray:
        if self.peek().text in _UNARY and self.peek().kind in ("op", "name"):
            self.take()
            return ~self.unary() & self.mask
        return self.atom()

    def atom(self) -> np.ndarray:
        tok = self.take()
        if tok.kind == "num":
            if tok.text == "0":
                return np.zeros_like(self.mask)
            if tok.text == "1":
                return self.mask.copy()
            raise GoalError(
                f"invalid constant {tok.text!r} in goal {self.expr!r} at position "
                f"{tok.pos}; only 0 and 1 are allowed"
            )
        if tok.kind == "name" and tok.text not in _KEYWORDS:
            # A function name wins over an input of the same name only as a call.
            if tok.text in _CALLABLE_ARITY and self.peek().text == "(":
                return self.call(tok)
            if tok.text in self.columns:
                return self.columns[tok.text]
            raise GoalError(
                f"unknown input {tok.text!r} in goal {self.expr!r}; "
                f"inputs are {', '.join(self.names)}"
            )
        if tok.kind == "op" and tok.text == "(":
            value = self.ternary()
            self.expect(")")
            return value
        raise self.unexpected(tok)

    def call(self, name: _Token) -> np.ndarray:
        self.expect("(")
        args = []
        if self.peek().text != ")":
            args.append(self.ternary())
            while self.peek().text == ",":
                self.take()
                args.append(self.ternary())
        self.expect(")")
        arity = _CALLABLE_ARITY[name.text]
        if len(args) != arity:
            raise GoalError(
                f"{name.text}() takes {arity} argument{'s' * (arity > 1)}, got "
                f"{len(args)}, in goal {self.expr!r} at position {name.pos}"
            )
        if name.text == "NOT":
            return ~args[0] & self.mask
        return _apply_two(TWO_INPUT_FUNCTIONS[name.text], args[0], args[1], self.mask)


def parse(expr: str, inputs: Sequence[str]) -> np.ndarray:
    """Evaluate a boolean goal expression into a packed truth table.

    Grammar, lowest precedence first (binary operators are left-associative;
    ``a == b == c`` means ``(a == b) == c``, not Python-style chaining):

    ========================  ============================================
    ``c ? a : b``             ternary (right-assoc): ``a`` where ``c`` is 1,
                              ``b`` elsewhere
    ``a == b``, ``a != b``    XNOR, XOR
    ``a | b``, ``a or b``     OR
    ``a ^ b``, ``a xor b``    XOR
    ``a & b``, ``a and b``    AND
    ``~a``, ``!a``, ``not a``  NOT
    atoms                     input names, ``0``, ``1``, ``( ... )``, calls
    ========================  ============================================

    Calls are ``NOT(a)`` and ``F(a, b)`` for every ``F`` in
    :data:`TWO_INPUT_FUNCTIONS` (``AND``, ``OR``, ``NAND``, ``NOR``, ``XOR``,
    ``XNOR``, ``ANDNA``, ``ANDNB``, ``ORNA``, ``ORNB``).  A function name is
    only a call when followed by ``(``; otherwise it may name an input.

    Parameters
    ----------
    expr : str
        The expression.
    inputs : sequence of str
        Input names, most significant (first) input first; 1 to 11 distinct
        identifiers, none of ``and``, ``or``, ``xor``, ``not``.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(W,)``; padding bits are 0.

    Raises
    ------
    GoalError
        For an empty expression, a syntax error (the message gives the
        0-based character position), an unknown input, a wrong number of
        call arguments, or invalid input names.

    Examples
    --------
    >>> hex(int(parse("(x ^ y) & (z ^ w)", ["x", "y", "z", "w"])[0]))    # K&A's G1: 4 of 16 rows
    '0x660'
    >>> parse("x ? y : NOT(y)", ["x", "y"])      # x ? y : ~y is XNOR
    array([9], dtype=uint64)
    """
    names = check_inputs(inputs)
    if not isinstance(expr, str):
        raise GoalError(f"goal expression must be a string, got {expr!r}")
    # Copy so callers never share a buffer with the cached input columns.
    return _Parser(expr, names).parse().copy()


def from_callable(fn: Callable[..., object], inputs: Sequence[str]) -> np.ndarray:
    """Build a packed truth table from a Python function.

    `fn` is first called once, vectorised, as ``fn(*columns)`` where each
    column is an int64 numpy array of 0/1 with one entry per row (inputs in
    order); its result is cast to bool.  If that call raises, or does not
    return an array of shape ``(R,)`` (e.g. ``fn`` uses ``if``/``and`` on its
    arguments, or returns a scalar), `fn` is called once per row with
    Python ints 0/1 instead.

    Note that ``~`` on 0/1 ints gives -1/-2, both true; use ``1 - x``,
    ``x ^ 1`` or ``not x`` for negation.

    Parameters
    ----------
    fn : callable
        ``fn(x0, x1, ...)`` returning a truthy value per row.
    inputs : sequence of str
        Input names; only their number and order matter here.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(W,)``.

    Examples
    --------
    >>> hex(int(from_callable(lambda x, y, z, w: (x ^ y) & (z ^ w), ["x", "y", "z", "w"])[0]))   # K&A's G1
    '0x660'
    """
    names = check_inputs(inputs)
    n = len(names)
    n_rows = 1 << n
    columns = [unpack(t, n).astype(np.int64) for t in input_tables(n)]
    try:
        result = np.asarray(fn(*columns))
        if result.shape != (n_rows,):
            raise ValueError("not vectorised")
        bits = result.astype(np.bool_)
    except Exception:
        # Row by row in textbook order (first input most significant).
        bits = np.array(
            [bool(fn(*row)) for row in itertools.product((0, 1), repeat=n)],
            dtype=np.bool_,
        )
    return pack(bits)


def modular_goal_pool(inputs: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """All distinct modular goals ``F(A(a, b), B(c, d))`` over four inputs.

    ``F``, ``A`` and ``B`` each range over :data:`TWO_INPUT_FUNCTIONS`.  The
    enumeration runs ``F`` outermost, then ``A``, then ``B``, in dict order;
    each distinct truth table is kept once, named after the first
    combination that produced it, e.g. ``"AND(XOR(x,y),NOR(z,w))"``.  Every
    goal depends on all four inputs.

    Parameters
    ----------
    inputs : sequence of str
        Exactly four input names ``a, b, c, d``.

    Returns
    -------
    list of (str, numpy.ndarray)
        Name and packed uint64 table (shape ``(1,)``) of each goal.

    Examples
    --------
    >>> pool = modular_goal_pool(["x", "y", "z", "w"])
    >>> len(pool), pool[0][0]
    (250, 'AND(AND(x,y),AND(z,w))')
    >>> g1 = dict(pool)["AND(XOR(x,y),XOR(z,w))"]
    >>> bool(g1[0] == parse("(x ^ y) & (z ^ w)", ["x", "y", "z", "w"])[0])
    True
    """
    names = check_inputs(inputs)
    if len(names) != 4:
        raise GoalError(
            f"modular_goal_pool needs exactly 4 inputs, got {len(names)}: {', '.join(names)}"
        )
    a, b, c, d = input_tables(4)
    mask = row_mask(4)
    funcs = list(TWO_INPUT_FUNCTIONS.items())
    left = np.stack([_apply_two(code, a, b, mask) for _, code in funcs])
    right = np.stack([_apply_two(code, c, d, mask) for _, code in funcs])
    pool: dict[bytes, tuple[str, np.ndarray]] = {}
    for f_name, f_code in funcs:
        # All (A, B) pairs for this F at once: shape (10, 10, W).
        tables = _apply_two(f_code, left[:, None, :], right[None, :, :], mask)
        for (ia, (a_name, _)), (ib, (b_name, _)) in itertools.product(
            enumerate(funcs), enumerate(funcs)
        ):
            table = tables[ia, ib]
            key = table.tobytes()
            if key not in pool:
                name = f"{f_name}({a_name}({names[0]},{names[1]}),{b_name}({names[2]},{names[3]}))"
                pool[key] = (name, table.copy())
    return list(pool.values())

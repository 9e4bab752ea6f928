"""The reading landscape of Kashtan & Alon 2005 (logic gates): which readings to run.

The design is pre-registered in docs/REPLICATION.md ("The reading landscape"):
six factors (the details papers.md marks as notes or leaves open), the
baseline (today's reading), every non-baseline level alone on top of it
(one-factor-at-a-time, OFAT), and a strength-2 covering array: every pair of
levels of every pair of factors appears in at least one reading.

Each level carries the config overrides that make it, or ``None`` where the
engine does not implement that reading yet (:func:`runnable` says which
readings can run today).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

__all__ = ["FACTORS", "Factor", "covering_array", "design", "label", "overrides", "pairs", "runnable"]


@dataclass(frozen=True)
class Factor:
    """A detail of the setup: its short name and its levels, ``(level, overrides or None)``;
    the first level is today's reading (the baseline)."""

    name: str
    title: str
    levels: tuple

    @property
    def names(self) -> tuple:
        return tuple(level for level, _ in self.levels)


#: The pre-registered factors (every level implemented; ``None`` would mark one that is not).
FACTORS = (
    Factor("S", "selection", (("ka", {}),
                              ("elite-uniform", {"selection.name": "mu_plus_lambda", "selection.mu": 300}),
                              ("elite-rank", {"selection.name": "mu_plus_lambda", "selection.mu": 300,
                                              "selection.draw": "rank"}),
                              ("no-elitism", {"selection.mutate_elite": True}))),
    Factor("M", "mutation", (("one-locus", {}), ("per-locus", {"representation.mutation": "per-locus"}))),
    Factor("C", "circuits", (("feedback", {}), ("feedback-read", {"representation.unsettled": "read"}),
                             ("feedforward", {"representation.feedforward": True}))),
    Factor("Z", "size", (("12/11", {}),
                         ("13/11", {"representation.gates": 13, "fitness.free_gates": 11}),
                         ("16/15", {"representation.gates": 16, "fitness.free_gates": 15}))),
    Factor("E", "epoch", (("20", {}), ("10", {"schedule.period": 10}), ("50", {"schedule.period": 50}))),
    Factor("X", "crossover", (("0", {}), ("0.5", {"selection.pc": 0.5}))),
)


def pairs(sizes) -> set:
    """Every ``((f, a), (g, b))`` with factors ``f < g`` and levels ``a < sizes[f]``, ``b < sizes[g]``.

    Parameters
    ----------
    sizes : sequence of int
        Levels per factor.

    Examples
    --------
    >>> len(pairs([2, 3])), len(pairs([4, 2, 3, 3, 3, 2]))    # 2*3; the sum of the products over factor pairs
    (6, 119)
    """
    return {((f, a), (g, b)) for f, g in itertools.combinations(range(len(sizes)), 2)
            for a in range(sizes[f]) for b in range(sizes[g])}


def _covered(row) -> set:
    return {((f, row[f]), (g, row[g])) for f, g in itertools.combinations(range(len(row)), 2)}


def _gain(row, f, level, todo) -> int:
    """Uncovered pairs that level `level` of factor `f` covers with the levels already set in `row`."""
    return sum((((f, level), (g, row[g])) if f < g else ((g, row[g]), (f, level))) in todo
               for g in range(len(row)) if row[g] is not None and g != f)


def covering_array(sizes, seed: int = 2005, candidates: int = 30) -> list:
    """A strength-2 covering array: rows of level indices covering every level pair.

    Greedy and deterministic (AETG-style, Cohen et al. 1997): each new row is
    the best of `candidates` rows built from a random factor order (from
    ``random.Random(seed)``), starting with a level of the most uncovered pairs
    and giving each further factor the level that covers most uncovered pairs
    with the levels already set.

    Parameters
    ----------
    sizes : sequence of int
        Levels per factor.

    Returns
    -------
    list of tuple of int

    References
    ----------
    Cohen DM, Dalal SR, Fredman ML, Patton GC (1997) The AETG system. IEEE TSE 23:437-444.

    Examples
    --------
    >>> rows = covering_array([2, 2, 2])
    >>> len(rows), set().union(*(_covered(r) for r in rows)) == pairs([2, 2, 2])
    (4, True)
    """
    rng = random.Random(seed)
    sizes = [int(s) for s in sizes]
    todo = pairs(sizes)
    rows = []
    while todo:
        count = {}
        for p in sorted(todo):
            for fl in p:
                count[fl] = count.get(fl, 0) + 1
        first = max(sorted(count), key=lambda fl: count[fl])
        best, best_new = None, -1
        for _ in range(candidates):
            row = [None] * len(sizes)
            row[first[0]] = first[1]
            order = [f for f in range(len(sizes)) if f != first[0]]
            rng.shuffle(order)
            for f in order:
                row[f] = max(range(sizes[f]), key=lambda level: _gain(row, f, level, todo))
            new = len(_covered(row) & todo)
            if new > best_new:
                best, best_new = tuple(row), new
        rows.append(best)
        todo -= _covered(best)
    return rows


def design(factors=FACTORS, seed: int = 2005) -> list:
    """The readings to run, as ``(kind, levels)``: ``kind`` is ``baseline``, ``ofat`` or ``pairs``;
    ``levels`` a tuple of level names, one per factor. Pair rows equal to the baseline or an OFAT row
    are left out (not run twice).

    Examples
    --------
    >>> rows = design()
    >>> rows[0]
    ('baseline', ('ka', 'one-locus', 'feedback', '12/11', '20', '0'))
    >>> sum(kind == "ofat" for kind, _ in rows)
    11
    """
    base = tuple(f.names[0] for f in factors)
    out = [("baseline", base)]
    for i, f in enumerate(factors):
        for level in f.names[1:]:
            out.append(("ofat", base[:i] + (level,) + base[i + 1:]))
    seen = {levels for _, levels in out}
    for row in covering_array([len(f.levels) for f in factors], seed=seed):
        levels = tuple(f.names[k] for f, k in zip(factors, row))
        if levels not in seen:
            seen.add(levels)
            out.append(("pairs", levels))
    return out


def label(levels, factors=FACTORS) -> str:
    """Short name of a reading: the non-baseline levels, e.g. ``C=feedforward E=10``; ``baseline``.

    Parameters
    ----------
    levels : tuple of str
        One level name per factor.
    factors : tuple of Factor

    Examples
    --------
    >>> label(("ka", "one-locus", "feedforward", "12/11", "10", "0"))
    'C=feedforward E=10'
    """
    parts = [f"{f.name}={lv}" for f, lv in zip(factors, levels) if lv != f.names[0]]
    return " ".join(parts) or "baseline"


def overrides(levels, factors=FACTORS) -> dict | None:
    """The config overrides of a reading, or None if one of its levels is not implemented.

    Parameters
    ----------
    levels : tuple of str
    factors : tuple of Factor

    Examples
    --------
    >>> overrides(("no-elitism", "per-locus", "feedback", "12/11", "20", "0.5"))
    {'selection.mutate_elite': True, 'representation.mutation': 'per-locus', 'selection.pc': 0.5}
    """
    out = {}
    for f, lv in zip(factors, levels):
        change = dict(f.levels)[lv]
        if change is None:
            return None
        out.update(change)
    return out


def runnable(levels, factors=FACTORS) -> bool:
    """Whether every level of the reading is implemented (:func:`overrides` is not None).

    Parameters
    ----------
    levels : tuple of str
    factors : tuple of Factor
    """
    return overrides(levels, factors) is not None

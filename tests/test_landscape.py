"""The pre-registered design of the reading landscape (docs/REPLICATION.md): which readings run."""

import itertools

from evomod import config
from evomod.replicate import landscape as L


def _level_pairs(rows, n):
    return {(f, a, g, b) for r in rows for f, g in itertools.combinations(range(n), 2)
            for a, b in [(r[f], r[g])]}


def test_every_level_pair_of_every_factor_pair_is_covered():
    names = [f.names for f in L.FACTORS]
    wanted = {(f, a, g, b) for f, g in itertools.combinations(range(len(names)), 2)
              for a in names[f] for b in names[g]}
    # 4,2,3,3,3,2 levels: sum over factor pairs of the products of their sizes
    sizes = [4, 2, 3, 3, 3, 2]
    assert len(wanted) == sum(a * b for a, b in itertools.combinations(sizes, 2))
    rows = [levels for _, levels in L.design()]
    assert _level_pairs(rows, 6) >= wanted
    # the covering part alone covers every pair too (baseline and OFAT rows it duplicates left out)
    ca = L.covering_array(sizes)
    covered = _level_pairs([tuple(names[f][k] for f, k in enumerate(r)) for r in ca], 6)
    assert covered == wanted


def test_design_is_deterministic_and_has_no_duplicates():
    a, b = L.design(), L.design()
    assert a == b
    assert len({levels for _, levels in a}) == len(a)
    assert 20 <= len(a) <= 30   # the pre-registration expects 25-28


def test_ofat_changes_one_factor_each_and_covers_every_level():
    rows = L.design()
    kind, base = rows[0]
    assert kind == "baseline" and base == tuple(f.names[0] for f in L.FACTORS)
    ofat = [levels for kind, levels in rows if kind == "ofat"]
    assert len(ofat) == 3 + 1 + 2 + 2 + 2 + 1
    for levels in ofat:
        assert sum(x != y for x, y in zip(levels, base)) == 1
    changed = {(i, lv) for levels in ofat for i, (lv, b) in enumerate(zip(levels, base)) if lv != b}
    assert changed == {(i, lv) for i, f in enumerate(L.FACTORS) for lv in f.names[1:]}


def test_small_covering_arrays_reach_known_sizes():
    # three binary factors: 4 rows are necessary (4 level pairs of one factor pair) and enough
    assert len(L.covering_array([2, 2, 2])) == 4
    # a single pair of factors: the full product, nothing less covers it
    assert sorted(L.covering_array([3, 2])) == sorted(itertools.product(range(3), range(2)))


def test_runnable_readings_are_valid_configs():
    runnable = [levels for _, levels in L.design() if L.runnable(levels)]
    assert L.label(runnable[0]) == "baseline" and len(runnable) >= 7
    for levels in runnable:
        items = [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in L.overrides(levels).items()]
        cfg = config.load("ka2005-logic-mvg", items)
        assert cfg.representation.name == "nand"
    assert L.overrides(("elite-rank",) + tuple(f.names[0] for f in L.FACTORS[1:])) is None


def test_docstring_examples():
    import doctest

    result = doctest.testmod(L)
    assert result.attempted >= 4 and result.failed == 0

"""Serial modular goals (seed experiment 5): the goals, their presets and the study."""

import numpy as np
import pytest

from evomod import config as C
from evomod.engine import run
from evomod.measures import functional
from evomod.problems import goals
from evomod.replicate import get
from evomod.replicate.experiments import study

XYZW = ["x", "y", "z", "w"]


def rows(expr):
    return goals.unpack(goals.parse(expr, XYZW), 4).astype(int).tolist()


def by_hand(fn):
    """Truth table in the row order of evomod.problems.goals: x most significant."""
    return [int(fn((r >> 3) & 1, (r >> 2) & 1, (r >> 1) & 1, r & 1)) for r in range(16)]


def test_serial_goals_against_tables_written_out():
    b = goals.BUILTIN_GOALS
    assert rows(b["S1"]) == by_hand(lambda x, y, z, w: (z and w) if x != y else (z or w))
    assert rows(b["S2"]) == by_hand(lambda x, y, z, w: (z and w) if (x and y) else (z or w))
    assert rows(b["S3"]) == by_hand(lambda x, y, z, w: (z != w) if x != y else (z or w))
    # S2 changes only the selector, S3 only a branch: each differs from S1 on 6 of 16 rows
    s1 = np.array(rows(b["S1"]))
    assert (s1 != rows(b["S2"])).sum() == 6 and (s1 != rows(b["S3"])).sum() == 6
    # both sub-tasks matter: the sub-goals are the selector and the two branches
    assert [g.text for g in functional.subgoals(b["S1"], XYZW)] == ["x ^ y", "z & w", "z | w"]


@pytest.mark.parametrize("preset, goals_", [("serial-fixed", ["S1"]), ("serial-mvg-first", ["S1", "S2"]),
                                            ("serial-mvg-second", ["S1", "S3"])])
def test_serial_presets_run(preset, goals_):
    cfg = C.load(preset, ["population=100", "selection.elite=30", "modularity.every=0"], generations=60)
    assert cfg.schedule.goals == goals_
    result = run(cfg)
    assert result.generations_run == 60
    seen = {result.goal_names[g] for g in result.records.columns()["goal"]}
    assert seen == set(goals_)


def test_serial_study_table():
    exp = get("serial")
    table = study(exp)
    conds = {c["label"]: c for c in table["grid"]["condition"]}
    assert list(conds) == ["parallel-fixed", "parallel-MVG", "serial-fixed", "serial-MVG-first",
                           "serial-MVG-second"]
    assert conds["parallel-fixed"]["schedule.goals"] == ["G1"]
    assert conds["parallel-MVG"]["schedule.goals"] == ["G1", "G2"]
    assert conds["serial-fixed"]["schedule.goals"] == ["S1"] and conds["serial-fixed"]["schedule.name"] == "fixed"
    assert conds["serial-MVG-first"]["schedule.goals"] == ["S1", "S2"]
    assert conds["serial-MVG-second"]["schedule.goals"] == ["S1", "S3"]
    assert all(c["stop_on_solve"] for c in conds.values())
    assert {c.kind for c in exp.claims} == {"hypothesis"}


@pytest.mark.slow
def test_serial_quick_replication_writes_its_report(quick_replication):
    out = quick_replication("serial")
    text = (out / "REPORT.md").read_text()
    for label in ("parallel-fixed", "serial-MVG-first", "serial-MVG-second"):
        assert label in text
    assert "final_info_flow" in text


def test_serial_goals_are_not_parallel_ones():
    # every parallel goal F(A(x, y), B(z, w)) is in the RMVG pool; G1 and G2 are, S1-S3 are not:
    # their (z, w) part passes on more than one bit (three classes of (z, w) rows)
    pool = [table for _, table in goals.modular_goal_pool(XYZW)]
    inside = {name: any(np.array_equal(goals.parse(goals.BUILTIN_GOALS[name], XYZW), t) for t in pool)
              for name in ("G1", "G2", "S1", "S2", "S3")}
    assert inside == {"G1": True, "G2": True, "S1": False, "S2": False, "S3": False}

"""evomod.problems.schedules: generation -> goal maps, checked against hand-written
period arithmetic and independent re-parsing of the goals."""

import numpy as np

from evomod.problems.goals import BUILTIN_GOALS, modular_goal_pool, parse
from evomod.problems.schedules import SCHEDULES, ScheduleParams

XYZW = ["x", "y", "z", "w"]
TABLES = {name: parse(expr, XYZW).reshape(1, -1) for name, expr in BUILTIN_GOALS.items()}


def build(name, seed=0, **params):
    seed_seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return SCHEDULES.get(name).fn(ScheduleParams(name=name, **params), TABLES, XYZW, seed_seq)


def test_registered_names():
    assert SCHEDULES.names() == ["fixed", "mvg", "rmvg", "rvg"]


def test_mvg_period_20():
    s = build("mvg", goals=["G1", "G2"], period=20)
    assert s.names == ["G1", "G2"]
    want = [0] * 20 + [1] * 20 + [0] * 20 + [1] * 20 + [0] * 20
    assert [s.goal_at(t) for t in range(100)] == want
    assert s.switch_generations(100) == [20, 40, 60, 80]
    assert s.goal_at(10_019) == 0 and s.goal_at(10_020) == 1  # 10_019 // 20 = 500, 10_020 // 20 = 501
    assert np.array_equal(s.tables[0], TABLES["G1"]) and np.array_equal(s.tables[1], TABLES["G2"])
    assert s.finite


def test_mvg_three_goals_and_other_period():
    tables = dict(TABLES, G3=parse("x & y", XYZW).reshape(1, -1))
    s = SCHEDULES.get("mvg").fn(ScheduleParams(name="mvg", goals=["G2", "G3", "G1"], period=7),
                                tables, XYZW, np.random.SeedSequence(0))
    assert [s.names[s.goal_at(t)] for t in (0, 6, 7, 13, 14, 20, 21)] == \
        ["G2", "G2", "G3", "G3", "G1", "G1", "G2"]
    assert s.switch_generations(30) == [7, 14, 21, 28]


def test_mvg_period_one():
    s = build("mvg", goals=["G1", "G2"], period=1)
    assert [s.goal_at(t) for t in range(6)] == [0, 1, 0, 1, 0, 1]


def test_fixed_uses_first_goal():
    s = build("fixed", goals=["G2", "G1"], period=20)
    assert s.names == ["G2"]
    assert all(s.goal_at(t) == 0 for t in range(0, 5000, 7))
    assert s.switch_generations(200) == []
    assert np.array_equal(s.tables[0], TABLES["G2"])


def test_rmvg_pool_is_the_modular_goals():
    s = build("rmvg", seed=3, period=20)
    assert not s.finite
    assert len(s.names) == 250 == s.tables.shape[0]
    assert s.tables.shape[1:] == (1, 1)
    # Each name is a parseable F(A(x,y),B(z,w)); its table is the stored one.
    for i in (0, 1, 17, 100, 249):
        assert np.array_equal(parse(s.names[i], XYZW), s.tables[i, 0])
    assert len({s.tables[i].tobytes() for i in range(250)}) == 250
    assert {n for n, _ in modular_goal_pool(XYZW)} == set(s.names)


def test_rmvg_constant_within_period_switching_at_boundaries():
    s = build("rmvg", seed=11, period=20)
    for epoch in range(30):
        values = {s.goal_at(t) for t in range(20 * epoch, 20 * epoch + 20)}
        assert len(values) == 1
    # consecutive epochs differ within a pass (no repeats while unseen remain)
    assert s.switch_generations(600) == list(range(20, 600, 20))


def test_rmvg_visits_every_goal_once_per_pass():
    s = build("rmvg", seed=5, period=20)
    first = [s.goal_at(20 * e) for e in range(250)]
    assert sorted(first) == list(range(250))  # 250 distinct: a permutation of the pool
    second = [s.goal_at(20 * e) for e in range(250, 500)]
    assert sorted(second) == list(range(250))
    assert first != second  # a new pass is reshuffled
    # Not the pool's enumeration order (it is random).
    assert first != list(range(250))


def test_rmvg_goal_at_is_pure():
    s = build("rmvg", seed=9, period=20)
    ts = [12_345, 0, 7_777, 19, 20, 123_456, 5_000, 0, 12_345]
    out_of_order = [s.goal_at(t) for t in ts]
    again = [s.goal_at(t) for t in ts]
    assert out_of_order == again
    fresh = build("rmvg", seed=9, period=20)
    assert [fresh.goal_at(t) for t in sorted(ts)] == [s.goal_at(t) for t in sorted(ts)]
    assert out_of_order[0] == out_of_order[-1] and out_of_order[1] == out_of_order[-2]


def test_rmvg_same_seed_agrees_different_seed_differs():
    a = build("rmvg", seed=np.random.SeedSequence(42), period=20)
    b = build("rmvg", seed=np.random.SeedSequence(42), period=20)
    c = build("rmvg", seed=np.random.SeedSequence(43), period=20)
    ga = [a.goal_at(20 * e) for e in range(600)]
    assert ga == [b.goal_at(20 * e) for e in range(600)]
    assert ga != [c.goal_at(20 * e) for e in range(600)]
    # a spawned child (as the engine passes) differs from its parent
    child = build("rmvg", seed=np.random.SeedSequence(42).spawn(3)[2], period=20)
    assert ga != [child.goal_at(20 * e) for e in range(600)]


def test_rmvg_same_seedsequence_object_twice_agrees():
    ss = np.random.SeedSequence(42)
    a = build("rmvg", seed=ss, period=20)
    b = build("rmvg", seed=ss, period=20)
    assert [a.goal_at(20 * e) for e in range(50)] == [b.goal_at(20 * e) for e in range(50)]


def test_rmvg_period_is_honoured():
    s = build("rmvg", seed=1, period=5)
    assert s.switch_generations(50) == [5, 10, 15, 20, 25, 30, 35, 40, 45]


def build_rvg(seed=0, **params):
    from evomod.problems.schedules import RvgParams

    return SCHEDULES.get("rvg").fn(RvgParams(name="rvg", **params), TABLES, XYZW, np.random.SeedSequence(seed))


def test_rvg_alternates_the_target_with_random_goals():
    s = build_rvg(seed=2, goals=["G1"], period=20, pool=8)
    assert s.names == ["G1"] + [f"random-{i}" for i in range(1, 9)] and s.targets == ["G1"] and not s.finite
    assert np.array_equal(s.tables[0], TABLES["G1"])
    for epoch in range(40):
        values = {s.goal_at(t) for t in range(20 * epoch, 20 * epoch + 20)}
        assert len(values) == 1
        assert (values == {0}) == (epoch % 2 == 0)
    # the odd epochs visit the 8 random goals once per pass
    odd = [s.goal_at(20 * e) for e in range(1, 32, 2)]
    assert sorted(odd[:8]) == list(range(1, 9)) and sorted(odd[8:]) == list(range(1, 9))
    # 4 inputs: 16 rows, the padding bits of the word stay 0; the tables are not all alike
    assert int(s.tables[1:].max()) < 1 << 16 and len({t.tobytes() for t in s.tables[1:]}) == 8
    again = build_rvg(seed=2, goals=["G1"], period=20, pool=8)
    assert np.array_equal(again.tables, s.tables) and [again.goal_at(t) for t in range(0, 800, 20)] == \
        [s.goal_at(t) for t in range(0, 800, 20)]


def test_rvg_random_goal_rows_are_fair_coins():
    s = build_rvg(seed=4, goals=["G1"], period=20, pool=500)
    ones = sum(bin(int(w)).count("1") for w in s.tables[1:, 0, 0])
    n = 500 * 16
    assert abs(ones - n / 2) < 4 * np.sqrt(n / 4)  # binomial(8000, 1/2) within 4 sd


def test_rvg_run_stops_when_the_target_is_solved():
    from evomod import config
    from evomod.engine.loop import run

    cfg = config.load("ka2005-logic-g1", ["schedule.name=rvg", "schedule.period=20", "stop_on_solve=true",
                                          "modularity.every=0"], seed=3, generations=20_000)
    result = run(cfg)
    assert result.status == "solved" and result.first_solved["G1"] == result.generations_run - 1
    goal = result.records.columns()["goal"]
    last = result.generations_run - 1
    assert result.goal_names[goal[last]] == "G1" and (last // 20) % 2 == 0

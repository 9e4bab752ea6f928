"""The benchmark's analysis and report on hand-made runs (no evolution): numbers by hand."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq
import pytest

from evomod.bench import analysis, report
from evomod.bench.ioh import read_folder
from evomod.bench.selection import RunData, TaskInfo

CAP = 20


def _info(name, fixed=True):
    # 4 cases: targets 0.5, 0.75, 1.0
    return TaskInfo(name, "g", fixed, 10, 4, 1.0, CAP, 9, f"{name} by hand")


def _run(task, strategy, seed, solve_at=None, qm=0.1):
    """A run at 0.5, then 0.75 from generation 1, solved (1.0) at generation ``solve_at``
    where it stops; else it runs to the cap."""
    n = CAP if solve_at is None else solve_at + 1
    best = np.full(n, 0.75)
    best[0] = 0.5
    if solve_at is not None:
        best[solve_at] = 1.0
    return RunData(task, strategy, seed, 100 + seed, best, solve_at is not None, solve_at, n, 0.01 * n,
                   0.3, qm, math.nan)


def _data():
    runs = []
    for task in ("bool-mux6", "bool-parity4", "other"):
        for k in range(6):
            runs.append(_run(task, "lexicase", k, 3 + k, qm=0.5))
            runs.append(_run(task, "tournament", k, None, qm=0.1 + 0.01 * k))
            runs.append(_run(task, "elite", k, 12 if k == 0 else None, qm=0.2))
    return runs


@pytest.fixture(scope="module")
def result():
    infos = {t: _info(t) for t in ("bool-mux6", "bool-parity4", "other")}
    return analysis.analyse(_data(), infos, ["elite", "tournament", "lexicase"], {})


def test_task_numbers_by_hand(result):
    rows = result.tasks["bool-mux6"].rows
    lex, tour, elite = rows["lexicase"], rows["tournament"], rows["elite"]
    # lexicase solves in generations 3..8: runtimes 4..9 generations evaluated
    assert lex["solved"] == 6 and lex["ert"] == pytest.approx(np.mean([4, 5, 6, 7, 8, 9]))
    assert lex["ert_evaluations"] == pytest.approx(lex["ert"] * 10)
    assert lex["ert_seconds"] == pytest.approx(lex["ert"] * 0.01)  # 0.01 s per generation
    assert lex["runtime_q"][1] == pytest.approx(6.5)
    # elite: one success at runtime 13, five failures of 20 generations each
    assert elite["ert"] == pytest.approx(13 + 5 * 20)
    assert tour["ert"] == math.inf and tour["solved"] == 0
    assert [lex["rank"], elite["rank"], tour["rank"]] == [1, 2, 3]
    # fixed budget: after 10 generations lexicase is solved in every run; the others are at 0.75
    assert lex["fixed_budget"][10][1] == 1.0 and tour["fixed_budget"][10][1] == 0.75
    assert math.isnan(tour["fixed_budget"][100][1])  # budget above the cap: not observed
    assert lex["qm"] == (pytest.approx(0.5), pytest.approx(0.0))


def test_ecdf_and_curves(result):
    tr = result.tasks["bool-mux6"]
    assert tr.targets.tolist() == [0.5, 0.75, 1.0]
    at = {g: k for k, g in enumerate(tr.grid)}
    # tournament: targets 0.5 (generation 1) and 0.75 (2) reached, 1.0 never: 2/3 of the pairs from 2 on
    assert tr.ecdf["tournament"][at[1]] == pytest.approx(1 / 3)
    assert tr.ecdf["tournament"][at[CAP]] == pytest.approx(2 / 3)
    assert tr.ecdf["lexicase"][at[CAP]] == 1.0
    assert tr.curves["lexicase"][1, at[CAP]] == 1.0 and tr.curves["tournament"][1, at[CAP]] == 0.75


def test_claim_friedman_and_modularity(result):
    assert [c["task"] for c in result.claim] == ["bool-mux6", "bool-parity4"]  # "other" is neither
    assert all(c["verdict"] == "agrees" and c["a12"] == 1.0 for c in result.claim)
    assert result.verdict.startswith("agrees")
    f = result.friedman
    assert f.mean_ranks == {"elite": 2.0, "tournament": 3.0, "lexicase": 1.0}
    assert f.p == pytest.approx(math.exp(-3))  # chi2 = 6 with 2 degrees of freedom
    assert result.tasks["bool-mux6"].qm_test["p"] < 0.01  # Q_m differs between strategies


def test_report_files(result, tmp_path):
    text = report.write(result, tmp_path, command="evomod bench selection --by-hand", runs=6)
    assert "agrees (on all 2 tasks)" in text and "`evomod bench selection --by-hand`" in text
    assert "Across 3 tasks, lexicase had the best mean rank (1.00" in text
    for name in ("bool-mux6", "bool-parity4", "other", "cd"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 0
    hits = pq.read_table(tmp_path / "tables" / "hits.parquet").to_pylist()
    assert len(hits) == 3 * 18 * 3  # tasks x runs x targets
    runs = pq.read_table(tmp_path / "tables" / "runs.parquet").to_pylist()
    assert {r["generations"] for r in runs if r["strategy"] == "tournament"} == {None}
    exported = read_folder(tmp_path / "ioh" / "lexicase")
    assert len(exported) == 18 and {r["dimension"] for r in exported} == {9}
    solved = [r for r in exported if r["function_name"] == "bool-mux6"]
    assert [r["run"]["evals"] for r in solved] == [10 * (4 + k) for k in range(6)]


def test_varying_goal_task_has_no_anytime_curves():
    data = [_run("mvg", s, k, 5 if s == "a" else None) for s in ("a", "b") for k in range(3)]
    res = analysis.analyse(data, {"mvg": _info("mvg", fixed=False)}, ["a", "b"], {})
    tr = res.tasks["mvg"]
    assert tr.targets.tolist() == [1.0] and tr.curves == {}
    assert tr.rows["a"]["ert"] == 6 and tr.rows["a"]["fixed_budget"] == {}
    assert res.friedman is None and res.claim == []

"""Benchmark statistics and anytime measures against library calls and hand values on fixed data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evomod.bench import anytime as A
from evomod.bench import stats as S

RUNTIMES = {  # generations to solve of 8 runs each, inf = not solved within the cap
    "tournament": np.array([120, 340, np.inf, 800, np.inf, 95, np.inf, 610], float),
    "lexicase": np.array([40, 75, 60, 210, 33, 90, np.inf, 51], float),
    "elite": np.array([np.inf] * 6 + [700, 900], float),
}


def test_a12_by_hand_and_as_mann_whitney_u():
    assert S.a12([3, 4], [1, 3]) == 0.875  # by hand: 3 > 1, 3 = 3 (half), 4 > 1, 4 > 3: 3.5 / 4
    assert S.a12([1, 1], [1, 1]) == 0.5
    x, y = [5, 7, 7, 9, 2, 11], [4, 7, 8, 1, 1]
    u = stats.mannwhitneyu(x, y).statistic  # U of the first sample = #(x > y) + 0.5 #(x = y)
    assert S.a12(x, y) == pytest.approx(u / (len(x) * len(y)))
    # Cliff's delta by its definition: (#(x > y) - #(x < y)) / (n m) = 2 A12 - 1
    gt = sum(a > b for a in x for b in y)
    lt = sum(a < b for a in x for b in y)
    assert 2 * S.a12(x, y) - 1 == pytest.approx((gt - lt) / 30)
    assert [S.magnitude(v) for v in (0.5, 0.44, 0.64, 0.1)] == ["negligible", "small", "medium", "large"]


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04)
    assert S.holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert S.holm([0.5, 0.9]).tolist() == pytest.approx([1.0, 1.0])


def test_pairwise_against_scipy():
    rows = {(r["a"], r["b"]): r for r in S.pairwise(RUNTIMES)}
    assert set(rows) == {("tournament", "lexicase"), ("tournament", "elite"), ("lexicase", "elite")}
    top = 901.0  # unsolved runs of every strategy share one value above the largest runtime (900)
    vals = {s: np.where(np.isfinite(v), v, top) for s, v in RUNTIMES.items()}
    pairs = list(rows)
    raw = [stats.mannwhitneyu(vals[a], vals[b], alternative="two-sided").pvalue for a, b in pairs]
    order = np.argsort(raw)  # Holm by hand
    adj, running = np.empty(3), 0.0
    for i, j in enumerate(order):
        running = max(running, (3 - i) * raw[j])
        adj[j] = min(1.0, running)
    solved = {s: int(np.isfinite(v).sum()) for s, v in RUNTIMES.items()}
    fisher = [stats.fisher_exact([[solved[a], 8 - solved[a]], [solved[b], 8 - solved[b]]]).pvalue for a, b in pairs]
    for k, (a, b) in enumerate(pairs):
        r = rows[(a, b)]
        assert r["p_mwu"] == pytest.approx(adj[k])
        assert r["p_fisher"] == pytest.approx(min(1.0, S.holm(fisher)[k]))
        assert r["a12"] == pytest.approx(S.a12(-vals[a], -vals[b]))
        assert (r["solved_a"], r["runs_a"]) == (solved[a], 8)
    assert rows[("tournament", "lexicase")]["a12"] < 0.5  # lexicase is faster here


def test_pairwise_without_any_success():
    rows = S.pairwise({"a": np.full(5, np.inf), "b": np.full(5, np.inf)})
    assert rows[0]["p_mwu"] == 1.0 and rows[0]["a12"] == 0.5 and rows[0]["p_fisher"] == 1.0


def test_one_sided_against_scipy():
    p, a = S.one_sided(RUNTIMES["lexicase"], RUNTIMES["tournament"])
    x = np.where(np.isfinite(RUNTIMES["lexicase"]), RUNTIMES["lexicase"], 901.0)
    y = np.where(np.isfinite(RUNTIMES["tournament"]), RUNTIMES["tournament"], 901.0)
    assert p == pytest.approx(stats.mannwhitneyu(x, y, alternative="less").pvalue)
    assert p < 0.05 and a > 0.5
    assert S.one_sided([np.inf, np.inf], [np.inf]) == (1.0, 0.5)


def test_friedman_against_the_formula_and_demsar_table():
    scores = pd.DataFrame([[1.0, 2.0, 3.0, 4.0], [2.0, 1.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0], [1.0, 2.0, 4.0, 3.0],
                           [2.0, 1.0, 4.0, 3.0], [1.0, 2.0, 3.0, 4.0]], columns=list("abcd"),
                          index=[f"t{i}" for i in range(6)])
    res = S.friedman(scores)
    n, k = scores.shape
    ranks = {"a": 8 / 6, "b": 11 / 6, "c": 19 / 6, "d": 22 / 6}
    assert res.mean_ranks == pytest.approx(ranks)
    chi2 = 12 * n / (k * (k + 1)) * (sum(r * r for r in ranks.values()) - k * (k + 1) ** 2 / 4)  # Demsar eq.
    assert res.statistic == pytest.approx(chi2)
    assert res.statistic == pytest.approx(stats.friedmanchisquare(*scores.T.values).statistic)
    # Demsar 2006 Table 5(a): q_0.05 = 2.569 for k = 4
    assert res.cd == pytest.approx(2.569 * math.sqrt(k * (k + 1) / (6 * n)), abs=1e-3)
    for x in "abcd":  # Nemenyi: significant exactly when the mean ranks differ by more than the CD
        for y in "abcd":
            if x != y:
                assert (res.nemenyi.loc[x, y] < 0.05) == (abs(ranks[x] - ranks[y]) > res.cd)
    assert S.friedman(scores.iloc[:1]) is None and S.friedman(scores[["a", "b"]]) is None


def test_cd_diagram_is_drawn(tmp_path):
    scores = pd.DataFrame(np.arange(12.0).reshape(3, 4) % 5, columns=list("abcd"))
    S.cd_diagram(S.friedman(scores), tmp_path / "cd.png")
    assert (tmp_path / "cd.png").stat().st_size > 1000


# ------------------------------------------------------------------ anytime

TRACES = [  # best per generation of 4 runs; the last never reaches 1.0 within its 8 generations
    [0.5, 0.75, 0.875, 1.0],
    [0.5, 0.625, 0.625, 0.625, 1.0],
    [0.25, 0.5, 0.875, 0.75, 0.875, 1.0],
    [0.5, 0.75, 0.875, 0.875, 0.75, 0.875, 0.875, 0.875],
]


def test_hits_ert_ecdf_fixed_budget_by_hand():
    levels = A.targets(1.0, 8)
    assert levels.tolist() == [0.5, 0.75, 0.875, 1.0]
    hits = np.array([A.first_hits(t, levels) for t in TRACES])
    assert hits.tolist() == [[1, 2, 3, 4], [1, 5, 5, 5], [2, 3, 3, 6], [1, 2, 3, math.inf]]
    used = [len(t) for t in TRACES]
    assert A.ert(hits[:, -1], used) == pytest.approx((4 + 5 + 6 + 8) / 3)
    assert A.ert([math.inf], [10]) == math.inf
    # 16 (run, target) pairs: within 1 generation 3, within 3 generations 10, within 6 all but one
    assert A.ecdf(hits, [1, 3, 6]).tolist() == pytest.approx([3 / 16, 10 / 16, 15 / 16])
    solved = [True, True, True, False]
    fb = np.array([A.fixed_budget(t, [1, 4, 10], s) for t, s in zip(TRACES, solved)])
    assert fb[:, 0].tolist() == [0.5, 0.5, 0.25, 0.5]
    assert fb[:, 1].tolist() == [1.0, 0.625, 0.875, 0.875]  # the best so far, not the current best
    assert fb[:3, 2].tolist() == [1.0, 1.0, 1.0] and math.isnan(fb[3, 2])  # capped at 8 < 10: not observed


def test_targets_and_grid():
    assert A.targets(0.95, 4).tolist() == pytest.approx([0.45, 0.7, 0.95])
    assert len(A.targets(1.0, 2048)) == 12
    grid = A.ecdf_grid(10_000)
    assert grid[0] == 1 and grid[-1] == 10_000 and np.all(np.diff(grid) > 0)

"""The measures benchmark's rules (evomod.experiments.measures_report) on hand-made solution values."""

import math

import numpy as np
import pytest

from evomod.experiments import measures_report as M


def row(**values):
    base = {"qm": 0.1, "ncut": 0.8, "ncut_null": 0.7, "info_flow_q": 0.3, "importance_sub": 0.6,
            "importance_mod": 0.6, "coherence_sub": 0.7, "coherence_mod": 0.7, "task_nmi": 0.5,
            "task_nmi_null": 0.2}
    base.update(values)
    return base


def test_verdicts_follow_the_fixed_rules():
    v = M.verdicts(row())
    assert all(v.values())
    v = M.verdicts(row(qm=-0.1, ncut=0.6, importance_sub=0.5, coherence_mod=math.nan, task_nmi=0.2))
    assert v["Q_m"] is False and v["n-cut"] is False and v["importance (sub-clusters)"] is False
    assert v["coherence (modules)"] is None and v["task NMI"] is False  # 0.5 is not above 0.5; equal NMI not above
    assert v["information flow"] is True


def test_verdict_disagreements_count_each_pair_and_pick_the_most_disagreeing_example():
    rows = [row(), row(qm=-0.2), row(qm=-0.2, ncut=0.1), row(coherence_sub=math.nan)]
    d = M.verdict_disagreements(rows)
    assert d[("Q_m", "n-cut")] == {"compared": 4, "differ": [1], "example": 1}
    # solution 2 disagrees on more pairs than solution 1 (Q_m and n-cut against the six others)
    assert d[("Q_m", "task NMI")]["differ"] == [1, 2] and d[("Q_m", "task NMI")]["example"] == 2
    assert d[("coherence (sub-clusters)", "task NMI")]["compared"] == 3
    assert d[("importance (modules)", "task NMI")]["differ"] == []


def test_opposite_orderings_need_half_an_iqr_on_both_measures():
    # a: 0, 1, 2, 3 (IQR 1.5, half 0.75); b: 3, 2, 1, 0 reversed: every pair differing by >= 1 is opposite
    rows = [{"a": float(i), "b": float(3 - i)} for i in range(4)]
    o = M.opposite_orderings(rows, "a", "b")
    assert o["pairs"] == 6 and o["compared"] == 6
    assert set(o["example"]) == {0, 3} and o["margin"] == pytest.approx(3 / 1.5)
    same = M.opposite_orderings([{"a": float(i), "b": float(i)} for i in range(4)], "a", "b")
    assert same["pairs"] == 0 and same["example"] is None
    # a difference below half the IQR does not count
    close = [{"a": 0.0, "b": 1.0}, {"a": 0.1, "b": 0.0}, {"a": 5.0, "b": 5.0}, {"a": 6.0, "b": 6.0}]
    assert M.opposite_orderings(close, "a", "b")["pairs"] == 0


def test_correlation_matrix_matches_scipy_and_skips_undefined_values():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=20), rng.normal(size=20)
    y[3] = math.nan
    rows = [{"x": a, "y": b} for a, b in zip(x, y)]
    m = M.correlation_matrix(rows, ["x", "y"])
    ok = np.isfinite(y)
    assert m["rho"][0, 1] == pytest.approx(spearmanr(x[ok], y[ok])[0]) and m["n"][0, 1] == 19
    assert m["rho"][0, 0] == 1.0
    flat = M.correlation_matrix([{"x": 1.0, "y": v} for v in y], ["x", "y"])
    assert math.isnan(flat["rho"][0, 1])  # a constant measure has no ranking


def test_wilcoxon_above_half():
    med, p, n = M.wilcoxon_above_half([0.9, 0.8, 0.7, 0.95, 0.85, 0.75, 0.6, math.nan])
    assert med == pytest.approx(0.8) and n == 7 and p < 0.05
    assert M.wilcoxon_above_half([0.5, 0.5])[1] == 1.0
    assert M.wilcoxon_above_half([])[2] == 0


def test_the_experiment_is_listed(capsys):
    from evomod.cli import main

    assert main(["experiment", "--list"]) == 0
    assert "measures" in capsys.readouterr().out

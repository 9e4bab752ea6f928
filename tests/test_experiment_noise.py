"""The noise experiment's pre-registered tests (noise.HYPOTHESES) on hand-made per-run values."""

import math

import numpy as np
import pytest

from evomod.experiments import noise_report as R
from evomod.experiments.noise import LEVELS


def _rows(gates_of, qm_of, labels_gates, n=10, seed=0):
    gen = np.random.default_rng(seed)
    rows = []
    for schedule in ("G1", "MVG"):
        for p in LEVELS:
            for _ in range(n):
                rows.append({"condition": f"{schedule} p={p:g}", "late_gates": gates_of(p) + gen.normal(0, 0.3),
                             "late_qm": qm_of(p) + gen.normal(0, 0.02)})
        for _ in range(n):
            rows.append({"condition": f"{schedule} labels=0.03", "late_gates": labels_gates + gen.normal(0, 0.3),
                         "late_qm": 0.1})
    return rows


def _verdicts(rows):
    return {(h, what.split(":")[0]): r.verdict for h, what, r in R.tests(rows)}


def test_levels_are_read_from_the_condition_labels():
    assert R.level("G1 p=0.03") == 0.03 and R.level("MVG p=0") == 0.0
    assert math.isnan(R.level("G1 labels=0.03"))


def test_sparser_and_more_modular_with_noise_supports_h1_h2_and_h3():
    """Gates fall and Q_m rises with p; label noise leaves gates at the p = 0 level."""
    v = _verdicts(_rows(lambda p: 9 - 40 * p, lambda p: 0.1 + 3 * p, labels_gates=9.0))
    assert all(v[(h, s)] == "supported" for h in ("H1", "H2", "H3") for s in ("G1", "MVG")), v


def test_the_opposite_data_support_nothing():
    """Gates grow with p, Q_m falls, and label noise makes circuits sparser: every test fails."""
    v = _verdicts(_rows(lambda p: 7 + 40 * p, lambda p: 0.4 - 3 * p, labels_gates=5.0))
    assert all(verdict == "not supported" for verdict in v.values()), v


def test_h3_is_supported_when_label_noise_makes_no_difference_even_if_p_does():
    v = _verdicts(_rows(lambda p: 9 - 40 * p, lambda p: 0.2, labels_gates=9.0))
    assert v[("H3", "G1")] == v[("H3", "MVG")] == "supported"
    assert v[("H2", "G1")] == "not supported"  # Q_m flat: no rho > 0


def test_few_runs_give_no_verdict():
    v = _verdicts(_rows(lambda p: 9 - 40 * p, lambda p: 0.1 + 3 * p, labels_gates=9.0, n=1))
    assert v[("H3", "G1")] == "too few runs"


@pytest.mark.slow
def test_quick_noise_experiment_writes_its_verdict_table(tmp_path):
    from evomod.cli import main

    out = tmp_path / "noise"
    assert main(["experiment", "noise", "--quick", "--runs", "1", "--out", str(out), "--workers", "1", "-q"]) == 0
    text = (out / "REPORT.md").read_text()
    assert "## Verdicts" in text and text.count("| H1 |") == 2 and text.count("| H3 |") == 2
    assert "**too few runs**" in text  # one run per condition: no verdict is claimed
    assert len((out / "values.csv").read_text().splitlines()) == 1 + 10

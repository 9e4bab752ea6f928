"""The size experiment's pre-registered tests (size.HYPOTHESES) on hand-made per-run values."""

import numpy as np

from evomod.experiments import size_report as R
from evomod.experiments.size import GATES, STUDIES


def _rows(qm_of, flow_of, n=8, seed=1, unsolved_qm=None):
    gen = np.random.default_rng(seed)
    rows = []
    for study, exp in STUDIES.items():
        for c in exp.conditions:
            s = R.size_of(study, c.label)
            for i in range(n):
                solved = 1.0 if i < n - 1 else 0.0  # one unsolved run per condition: left out of the tests
                qm = qm_of(s) + gen.normal(0, 0.01) if solved else (unsolved_qm or np.nan)
                rows.append({"study": study, "condition": c.label, "solved": solved, "qm": qm,
                             "info_flow": flow_of(s) + gen.normal(0, 0.01), "final_q": 0.3, "q_rand": 0.2,
                             "generations_to_solve": 100 * s})
    return rows


def test_size_is_read_from_the_condition_labels():
    assert [R.size_of("logic", f"MVG-{g}") for g in GATES] == [float(g) for g in GATES]
    assert R.size_of("retina", "fixed-x4") == 4.0


def test_rising_modularity_supports_h1_and_h2_in_all_four_schedules():
    verdicts, described = R.tests(_rows(lambda s: 0.01 * s, lambda s: 0.5 + 0.01 * s))
    assert len(verdicts) == 8 and all(r.verdict == "supported" for _, _, r in verdicts)
    assert {what for _, what, _ in described} >= {"Q of solutions vs size", "generations to solve vs size (all runs)"}


def test_falling_modularity_supports_neither_and_unsolved_runs_are_left_out():
    # unsolved runs carry a huge Q_m: were they counted, rho(size, Q_m) would not be clearly negative
    verdicts, _ = R.tests(_rows(lambda s: -0.05 * s, lambda s: 1 - 0.05 * s, unsolved_qm=5.0))
    assert all(r.verdict == "not supported" for _, _, r in verdicts)
    assert all(r.statistic < -0.8 for h, _, r in verdicts if h == "H1")


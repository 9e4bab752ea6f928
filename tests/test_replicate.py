"""`evomod replicate`: study tables, per-run measures, verdict rules, the report."""

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.stats import binom

from evomod.cli import main
from evomod.registry import ConfigError
from evomod.replicate import EXPERIMENTS, get, study
from evomod.replicate.experiments import Claim
from evomod.replicate.measures import RunView, adaptation, recovery
from evomod.replicate.stats import judge, median_ci
from evomod.study.spec import expand, load_study

# --- the studies -------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXPERIMENTS))
@pytest.mark.parametrize("quick", [False, True])
def test_every_condition_and_variant_is_a_valid_config(name, quick, tmp_path):
    exp = get(name)
    for variant in ["", *exp.variants]:
        runs = expand(load_study(study(exp, quick=quick, variant=variant)), tmp_path)
        size = exp.quick if quick else exp.full
        assert len(runs) == size.runs * len(exp.conditions)
        labels = {r.cell.label for r in runs}
        assert labels == {c.label for c in exp.conditions}
        for claim in exp.claims:  # every claim names conditions the study runs
            assert claim.condition in labels and (not claim.versus or claim.versus in labels)


def test_logic_study_is_the_paper_setup(tmp_path):
    runs = expand(load_study(study(get("ka2005-logic"))), tmp_path)
    by = {r.cell.label: r.config for r in runs}
    assert by["G1"].schedule.name == "fixed" and by["G1"].schedule.goals == ["G1"] and by["G1"].stop_on_solve
    assert by["MVG"].schedule.name == "mvg" and by["MVG"].schedule.period == 20 and by["MVG"].stop_on_solve
    assert not by["MVG-long"].stop_on_solve
    for c in by.values():  # K&A: S = 1000, L = 300, Pm = 0.7, 12 gates, 0.2 per gate above 11, cap 10^5
        assert (c.population, c.selection.elite, c.selection.pm, c.representation.gates) == (1000, 300, 0.7, 12)
        assert (c.fitness.gate_penalty, c.fitness.free_gates, c.generations) == (0.2, 11, 100_000)
    assert len({r.seed for r in runs}) == 200


def test_clune_single_switch_conditions_switch_once(tmp_path):
    exp = get("clune2013")
    runs = expand(load_study(study(exp)), tmp_path)
    by = {r.cell.label: r.config for r in runs}
    for label in exp.single_switch:
        c = by[label]
        assert c.schedule.period == exp.full.switch_at < c.generations < 2 * c.schedule.period
    assert by["P&CC"].selection.name == "stochastic_nsga2" and by["P&CC"].selection.p == 0.25
    assert by["P&CC"].objectives.separate == ["wiring"] and by["PA"].objectives.separate == []
    assert by["PA-MVG"].schedule.period == 20


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    with pytest.raises(ConfigError, match="allowed: feedforward"):
        study(get("ka2005-logic"), variant="nope")
    assert main(["replicate", "ka2005-logic", "--runs", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--runs" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(SystemExit) as exc:
        main(["replicate", "kashtan", "--out", str(tmp_path / "y")])
    assert exc.value.code == 2


# --- verdict rules ----------------------------------------------------------------------------

def test_median_ci_matches_the_binomial_table():
    # n = 50: the 95% interval is x_(18) .. x_(33) (1-based; e.g. Conover's table)
    assert median_ci(np.arange(1, 51)) == (18.0, 33.0)
    rng = np.random.default_rng(3)
    for n in (9, 20, 41):
        lo_rank = int(median_ci(np.arange(n))[0])  # 0-based rank of the lower end
        coverage = 1 - 2 * binom.cdf(lo_rank, n, 0.5)  # P(x_(l) <= median <= x_(n+1-l))
        assert coverage >= 0.95
        hits = np.mean([median_ci(x)[0] <= 0 <= median_ci(x)[1] for x in rng.normal(size=(2000, n))])
        assert hits >= 0.93


def test_verdicts_follow_the_rules():
    rng = np.random.default_rng(0)
    x = rng.normal(10, 1, 40)
    assert judge(Claim("m", "a", "10", "median", 10.0), x).verdict == "reproduced"
    assert judge(Claim("m", "a", "20", "median", 20.0), x).verdict == "not reproduced (measured lower)"
    assert judge(Claim("m", "a", "<= 20", "at_most", 20.0), x).verdict == "reproduced"
    assert judge(Claim("m", "a", "<= 5", "at_most", 5.0), x).verdict.startswith("not reproduced")
    solved = np.r_[np.ones(36), np.zeros(14)]
    assert judge(Claim("s", "a", "36/50", "proportion", 36, total=50), solved).verdict == "reproduced"
    assert judge(Claim("s", "a", "50/50", "proportion", 50, total=50), solved).verdict == "not reproduced"
    y = x * 6
    assert judge(Claim("t", "a", "6x", "ratio", 6.0, versus="b"), y, x).verdict == "reproduced"
    assert judge(Claim("t", "a", "2x", "ratio", 2.0, versus="b"), y, x).verdict == "partly"
    assert judge(Claim("t", "a", "6x", "ratio", 6.0, versus="b"), x, y).verdict == "not reproduced"
    assert judge(Claim("q", "a", ">", "greater", versus="b"), y, x).verdict == "reproduced"
    assert judge(Claim("q", "a", ">", "greater", versus="b"), x, y).verdict == "not reproduced"
    near = x + 0.05  # right direction, far from significant
    assert judge(Claim("q", "a", ">", "greater", versus="b"), near[:10], x[:10]).verdict == "partly"
    assert judge(Claim("q", "a", ">", "hypothesis", versus="b"), near[:10], x[:10]).verdict == "not supported"
    ones = np.r_[np.ones(9), np.zeros(1)]
    assert judge(Claim("lr", "a", "more", "more_often", versus="b"), ones, 1 - ones).verdict == "reproduced"
    assert judge(Claim("m", "a", "10", "median", 10.0), x[:5]).verdict == "too few runs"


# --- per-run measures on hand-built traces ---------------------------------------------

def _view(goal, perf, solved_at, switch_at=None):
    gen = np.arange(len(goal))
    row = {"run_id": "r", "generation_cap": len(goal), "generations_run": len(goal), "generations_to_solve": solved_at}
    view = RunView("/nonexistent", row, switch_at)
    view.__dict__["records"] = {"generation": gen, "goal": np.array(goal, dtype=object),
                                "best_performance": np.array(perf, dtype=float)}
    return view


def test_recovery_counts_generations_to_a_perfect_best_after_each_switch():
    goal = ["G1"] * 10 + ["G2"] * 10 + ["G1"] * 10 + ["G2"] * 10 + ["G1"] * 3
    perf = np.full(len(goal), 0.9)
    perf[:10] = 1.0  # solved during the first epoch; switches at 10, 20, 30, 40
    perf[10 + 2:20] = 1.0  # 2 generations after the switch at 10
    perf[20 + 4:30] = 1.0  # 4 after 20
    # never after 30: counts as the period (10); the epoch from 40 is cut by the cap: ignored
    assert recovery(_view(goal, perf, solved_at=5)) == 4.0  # median of 2, 4, 10
    assert math.isnan(recovery(_view(goal, perf, solved_at=None)))


def test_adaptation_is_generations_to_regain_the_pre_switch_performance():
    perf = [0.5, 0.8, 0.9, 0.4, 0.6, 0.9, 1.0]  # switch at 3; 0.9 reached again 2 generations later
    assert adaptation(_view(["A"] * 3 + ["B"] * 4, perf, None, switch_at=3)) == 2.0
    assert adaptation(_view(["A"] * 3 + ["B"] * 4, [0.5, 0.8, 1.0, 0.4, 0.6, 0.9, 0.9], None, switch_at=3)) == 4.0


# --- the whole pipeline, quick --------------------------------------------------------------

@pytest.fixture
def quick_logic(quick_replication):
    return quick_replication("ka2005-logic")


@pytest.mark.slow
def test_quick_report_has_every_claim_figure_and_drawing(quick_logic):
    text = (quick_logic / "REPORT.md").read_text()
    exp = get("ka2005-logic")
    for claim in exp.claims:
        assert f"| {claim.measure} | {claim.condition}" in text and claim.paper in text
    assert text.count("**too few runs**") == len(exp.claims)  # 4 runs: no verdicts claimed
    for name in ("fig-fitness.png", "fig-performance.png", "fig-modularity.png", "fig-solve.png",
                 "typical-g1.png", "typical-g2.png", "typical-mvg.png", "typical-mvg-long.png"):
        assert f"({name})" in text and (quick_logic / name).stat().st_size > 5000


@pytest.mark.slow
def test_quick_numbers_agree_with_runs_parquet(quick_logic):
    data = json.loads((quick_logic / "replication.json").read_text())
    runs = pq.read_table(quick_logic / "runs.parquet").to_pylist()
    cells = {c["index"]: c["label"] for c in json.loads((quick_logic / "study.json").read_text())["cells"]}
    for label in ("G1", "G2", "MVG", "MVG-long"):
        mine = [r for r in runs if cells[r["cell_index"]] == label]
        assert sorted(data["conditions"][label]["final_qm"]) == sorted(r["final_qm"] for r in mine)
        solved = [r["generations_to_solve"] is not None for r in mine]
        assert sum(data["conditions"][label]["solved"]) == sum(solved)
    # a run stops once it has solved every goal (MVG: both), except MVG-long, which runs to the cap
    for r in runs:
        if cells[r["cell_index"]] == "MVG-long":
            assert r["generations_run"] == r["generation_cap"]
        elif r["generations_to_solve"] is not None:
            assert r["generations_run"] == r["generations_to_solve"] + 1


@pytest.mark.slow
def test_rerun_resumes_without_running_again(quick_logic, capsys):
    before = json.loads((quick_logic / "replicate.json").read_text())["sessions"]
    assert main(["replicate", "ka2005-logic", "--quick", "--out", str(quick_logic), "-q"]) == 0
    assert json.loads((quick_logic / "replicate.json").read_text())["sessions"] == before
    assert main(["replicate", "ka2005-logic", "--out", str(quick_logic), "-q"]) == 2  # another study
    assert "study" in capsys.readouterr().err


def test_typical_run_is_the_solved_run_nearest_the_median_modularity():
    from evomod.replicate.writeup import typical_run

    rows = [{"run_id": "a", "status": "solved", "final_qm": 0.1},
            {"run_id": "b", "status": "solved", "final_qm": 0.32},
            {"run_id": "c", "status": "solved", "final_qm": 0.5},
            {"run_id": "d", "status": "finished", "final_qm": 0.3}]  # unsolved: not a candidate
    assert typical_run(get("ka2005-logic"), rows) == "b"  # median of 0.1, 0.32, 0.5
    unsolved = [dict(r, status="finished") for r in rows if r["run_id"] != "b"]
    assert typical_run(get("ka2005-logic"), unsolved) == "d"  # none solved: all count, median 0.3
    assert typical_run(get("ka2005-logic"), []) is None

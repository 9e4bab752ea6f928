"""Adaptation speed: generations after each goal switch until the best is perfect again."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from evomod import config, engine
from evomod.io.run_dir import write_run
from evomod.measures.adaptation import summary, switches
from evomod.replicate.measures import RunView, recovery

# 0.75 so that short tiny runs recover from some switches and not from others
TINY = ["selection.elite=10", "fitness.solved_at=0.75", "modularity.every=0"]


def entry(t, a, b, k):
    return {"generation": t, "from": a, "to": b, "generations_to_perfect": k}


def test_hand_built_records():
    goal = [0] * 4 + [1] * 5 + [0] * 3 + [1] * 4 + [0] * 2
    perf = [1, 1, 1, 1,  # before the first switch: not an entry
            .5, .5, 1, .5, 1,  # switch at 4: perfect at 6
            1, .5, .5,  # switch at 9: perfect at once
            .5, .5, .5, .5,  # switch at 12: never (next switch first)
            .5, .9]  # switch at 16: never (end of the run first)
    want = [entry(4, "G1", "G2", 2), entry(9, "G2", "G1", 0), entry(12, "G1", "G2", None),
            entry(16, "G2", "G1", None)]
    assert switches(goal, perf, ["G1", "G2"]) == want
    assert summary(want) == {"switches": 4, "recovered": 2, "median_generations_to_perfect": 1.0}
    # goal names instead of indices; a lower solved_at counts 0.9 as perfect
    names = np.array(["G1", "G2"], dtype=object)[goal]
    assert switches(names, perf) == want
    assert switches(goal, perf, ["G1", "G2"], solved_at=0.9)[-1] == entry(16, "G2", "G1", 1)
    # 1 - 1e-12 is perfect (float noise), 0.9999 is not
    assert switches([0, 1, 1], [0, 0.9999, 1 - 1e-12], ["a", "b"]) == [entry(1, "a", "b", 1)]


def test_no_switch():
    assert switches([0] * 5, [1.0] * 5, ["G1"]) == []
    assert switches([], [], []) == []
    assert summary([]) == {"switches": 0, "recovered": 0, "median_generations_to_perfect": None}


def test_run_summary_agrees_with_its_records(tmp_path):
    cfg = config.load("ka2005-logic-mvg", TINY, seed=3, generations=300, population=100)
    result = engine.run(cfg)
    out = write_run(result, tmp_path / "run")
    s = json.loads((out / "summary.json").read_text())
    table = pq.read_table(out / "records.parquet").to_pydict()
    goal, perf = table["goal"], table["best_performance"]
    want = []  # recomputed here, independently of evomod.measures.adaptation
    for t in range(1, len(goal)):
        if goal[t] != goal[t - 1]:
            want.append(entry(t, goal[t - 1], goal[t], None))
        if want and want[-1]["generations_to_perfect"] is None and perf[t] >= 0.75:
            want[-1]["generations_to_perfect"] = t - want[-1]["generation"]
    assert s["switches"] == want == result.switches
    assert len(want) == 300 // 20 - 1
    k = [e["generations_to_perfect"] for e in want if e["generations_to_perfect"] is not None]
    assert 0 < len(k) < len(want)  # both recovered and censored switches
    assert s["adaptation"] == {"switches": len(want), "recovered": len(k),
                               "median_generations_to_perfect": float(np.median(k))}
    for e in want:  # a perfect best solves the goal: the engine saw it solved by then
        if e["generations_to_perfect"] is not None:
            assert s["first_solved"][e["to"]] <= e["generation"] + e["generations_to_perfect"]


def _old_recovery(goal, perf, t0):
    """The recovery measure as it was before it used evomod.measures.adaptation."""
    gen = np.arange(len(goal))
    at = np.flatnonzero(goal[1:] != goal[:-1]) + 1
    at = at[gen[at] > t0]
    if len(at) < 2:
        return np.nan
    ends = np.append(at[1:], len(gen))
    times = []
    for s, e in zip(at[:-1], ends[:-1]):
        hit = np.flatnonzero(perf[s:e] >= 1.0 - 1e-12)
        times.append(hit[0] if len(hit) else e - s)
    return float(np.median(times))


def test_recovery_measure_is_unchanged():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(1, 120))
        goal = np.array(["G1", "G2"], dtype=object)[(np.arange(n) // int(rng.integers(1, 15))) % 2]
        perf = np.where(rng.random(n) < 0.3, 1.0, 0.9)
        t0 = int(rng.integers(0, 40))
        view = RunView("/nonexistent", {"run_id": "r", "generation_cap": n, "generations_to_solve": t0}, None)
        view.__dict__["records"] = {"generation": np.arange(n), "goal": goal, "best_performance": perf}
        assert recovery(view) == pytest.approx(_old_recovery(goal, perf, t0), nan_ok=True)


STUDY = """
base = "ka2005-logic-mvg"
seeds = 2
seed = 5

[overrides]
generations = 120
population = 60
"selection.elite" = 10
"fitness.solved_at" = 0.75
"modularity.every" = 0

[grid]
condition = [
  { label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] },
  { label = "mvg", "schedule.name" = "mvg", "schedule.goals" = ["G1", "G2"] },
]
"""


def test_study_table_and_report(tmp_path):
    pytest.importorskip("distributed")
    from evomod.analysis.report import write_report
    from evomod.study import run_study

    path = tmp_path / "s.toml"
    path.write_text(STUDY)
    out = tmp_path / "study"
    run_study(path, out, workers=1, processes=False, progress=False)
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    from evomod.study.results import documents

    texts = documents(out, [r["run_id"] for r in rows], "summary")
    per_switch = {}
    for r in rows:
        s = json.loads(texts[r["run_id"]])
        k = [e["generations_to_perfect"] for e in s["switches"]]
        assert r["generations_to_perfect"] == k
        assert (r["switches"], r["switches_recovered"]) == (len(k), sum(x is not None for x in k))
        med = s["adaptation"]["median_generations_to_perfect"]
        assert (med is None) == np.isnan(r["median_generations_to_perfect"])
        assert med is None or r["median_generations_to_perfect"] == med
        per_switch.setdefault(r["condition"], []).extend(k)
    assert per_switch["fixed"] == [] and len(per_switch["mvg"]) == 2 * (120 // 20 - 1)

    report = write_report(out)
    data = {c["label"]: c for c in report.data["conditions"]}
    for label, k in per_switch.items():
        recovered = [x for x in k if x is not None]
        assert data[label]["switches"] == len(k)
        assert data[label]["switches_censored"] == len(k) - len(recovered)
        counts = {str(x): recovered.count(x) for x in set(recovered)}
        assert json.loads(json.dumps(data[label]["generations_to_perfect_counts"])) == counts
    text = (out / "report.md").read_text()
    assert "## Adaptation speed" in text and "| fixed | 0 | 0 | 0 | n/a |" in text
    mvg = [x for x in per_switch["mvg"] if x is not None]
    assert f"| mvg | {len(per_switch['mvg'])} | {len(mvg)} | {len(per_switch['mvg']) - len(mvg)} |" in text
    assert "report-adaptation.png" in text and (out / "report-adaptation.png").stat().st_size > 0


def test_summary_json_keeps_switches_one_compact_line_each():
    from evomod.io.run_dir import summary_json

    entries = switches(np.arange(5000) // 20 % 2, np.zeros(5000), ["G1", "G2"])
    text = summary_json({"seed": 1, "switches": entries})
    assert json.loads(text) == {"seed": 1, "switches": entries}
    assert len(text) < 80 * len(entries) and text.count("\n") == len(entries) + 5

"""The pre-registered design of the reading landscape (docs/REPLICATION.md): which readings run."""

import itertools

import pytest

from evomod.replicate import landscape as L
from evomod.replicate.landscape_study import CLAIMS


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


def test_every_reading_runs_as_the_config_it_names(tmp_path):
    """Every reading is implemented; its study cells' configs carry its levels, and the conditions keep its epoch."""
    from evomod.replicate.landscape_study import study_table
    from evomod.study.spec import cells, load_study

    rows = L.design()
    assert all(L.runnable(levels) for _, levels in rows)
    by_reading = {}
    for cell in cells(load_study(study_table(runs=1)), str(tmp_path / "cache.json")):
        by_reading.setdefault(cell.params["reading"], {})[cell.params["condition"]] = cell.config
    assert len(by_reading) == len(rows)
    for i, (_, levels) in enumerate(rows):
        level = dict(zip((f.name for f in L.FACTORS), levels))
        for cond, cfg in by_reading[f"R{i:02d}"].items():
            sel, rep = cfg.selection, cfg.representation
            assert sel.name == ("elite" if level["S"] in ("ka", "no-elitism") else "mu_plus_lambda")
            if level["S"] == "no-elitism":
                assert sel.mutate_elite
            if level["S"].startswith("elite-"):
                assert sel.mu == 300 and sel.draw == level["S"][len("elite-"):]
            assert rep.mutation == level["M"]
            assert rep.unsettled == ("read" if level["C"] == "feedback-read" else "wrong")
            assert rep.feedforward == (level["C"] == "feedforward")
            assert (rep.gates, cfg.fitness.free_gates) == tuple(int(x) for x in level["Z"].split("/"))
            assert cfg.schedule.period == int(level["E"])
            assert sel.pc == float(level["X"])
            assert cfg.schedule.name == ("fixed" if cond == "G1" else "mvg")
            assert cfg.generations == (20_000 if cond == "MVG-long" else 100_000)
            assert cfg.stop_on_solve == (cond != "MVG-long")


def test_verdicts_follow_the_pre_registered_rules():
    """Hand-made values: each claim's verdict is what its rule gives."""
    import numpy as np

    from evomod.replicate.landscape_study import verdict_table

    n = 20
    g1 = {"solved": np.r_[np.ones(14), np.zeros(6)], "generations_to_solve": np.linspace(8000, 10000, n),
          "final_qm": np.full(n, 0.12), "gates": np.full(n, 10.0)}
    mvg = {"solved": np.ones(n), "generations_to_solve": np.linspace(1350, 1450, n),
           "final_qm": np.full(n, 0.54), "gates": np.full(n, 13.0)}
    long = {"recovery": np.full(n, 40.0), "late_perfect": np.full(n, 0.02)}
    v = verdict_table({"R00": {"G1": g1, "MVG": mvg, "MVG-long": long}})["R00"]
    got = {name: verdict for name, (verdict, _, _) in v.items()}
    assert got["fixed solved"] == "reproduced"          # 14/20 vs 36/50, Fisher p large
    assert got["fixed median"] == "reproduced"          # 9000 inside the CI of 8000..10000
    assert got["MVG median"] == "reproduced"
    assert got["speed-up"] in ("reproduced", "partly")  # every G1 value above every MVG one; ratio ~6.4
    assert got["recovery"].startswith("not reproduced")  # 40 generations, not 5
    assert got["late perfect"].startswith("not reproduced")  # 0.02 < 0.5
    assert got["Q_m direction"] == "reproduced"
    assert got["gates MVG"].startswith("not reproduced")  # 13, not 11
    few = verdict_table({"R00": {"G1": {k: x[:3] for k, x in g1.items()}, "MVG": mvg, "MVG-long": long}})["R00"]
    assert few["fixed median"][0] == "too few runs"


def test_docstring_examples():
    import doctest

    result = doctest.testmod(L)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.slow
def test_quick_landscape_runs_end_to_end_and_resumes(tmp_path, capsys):
    import json

    import pyarrow.parquet as pq

    from evomod.cli import main

    out = tmp_path / "land"
    assert main(["replicate", "ka2005-logic", "--landscape", "--quick", "--out", str(out), "--workers", "1",
                 "-q"]) == 0
    text = (out / "LANDSCAPE.md").read_text()
    data = json.loads((out / "landscape.json").read_text(),
                      parse_constant=lambda t: (_ for _ in ()).throw(ValueError(t)))
    assert sorted(data["readings"]) == ["R00", "R01", "R05"] and "landscape-verdicts.png" in text
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert len(runs) == 3 * 3 * 2
    for rid, reading in data["readings"].items():
        assert set(reading["verdicts"]) == {name for name, _ in CLAIMS}
        assert all(v["verdict"] == "too few runs" for v in reading["verdicts"].values())  # n = 2
        mine = [r for r in runs if r["reading"] == rid and r["condition"] == "G1"]
        assert sorted(reading["values"]["G1"]["final_qm"], key=str) == sorted((r["final_qm"] for r in mine), key=str)
    sessions = json.loads((out / "landscape-sessions.json").read_text())["sessions"]
    assert main(["replicate", "ka2005-logic", "--landscape", "--quick", "--out", str(out), "-q"]) == 0
    assert json.loads((out / "landscape-sessions.json").read_text())["sessions"] == sessions  # nothing re-ran
    capsys.readouterr()
    for bad in (["ka2005-retina", "--landscape"], ["ka2005-logic", "--landscape", "--variant", "feedforward"],
                ["ka2005-logic", "--landscape", "--runs", "0"]):
        assert main(["replicate", *bad, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("evomod") and "--" in err[0]
    assert not (tmp_path / "x").exists()

"""Studies: expansion, stable ids and seeds, Dask execution, resume, failures,
bad input, the shared Q_m cache and the report. Tiny runs (population 100,
50 generations) so the whole file takes seconds of compute; the clusters are
in-process (``processes=False``) except one 2-process study through the CLI."""

import json
import re
import shutil
import time

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from scipy.stats import mannwhitneyu

from evomod import engine
from evomod.cli import main
from evomod.modularity import DegreeCache
from evomod.study import documents, expand, load_study, run_seed, run_study

pytest.importorskip("distributed")

STUDY = """
description = "tiny fixed vs mvg"
base = "ka2005-logic-mvg"
seeds = 3
seed = 11

[overrides]
generations = 50
population = 100
"selection.elite" = 10
"fitness.solved_at" = 0.75  # some runs solve, some do not
"modularity.every" = 5
"modularity.n_random" = 7   # not the shipped table's: every degree sequence goes through the cache file

[grid]
condition = [
  { label = "fixed", "schedule.name" = "fixed", "schedule.goals" = ["G1"] },
  { label = "mvg", "schedule.name" = "mvg", "schedule.goals" = ["G1", "G2"] },
]
"""
WALL = {"wall_seconds"}
N_RUNS, GENS = 6, 50


def write(path, text=STUDY):
    path.write_text(text)
    return path


def one_line_error(capsys):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evomod: error:")
    return lines[0]


def rows(out):
    table = pq.read_table(out / "runs.parquet")
    nan_free = lambda v: "NaN" if isinstance(v, float) and np.isnan(v) else v  # noqa: E731 (NaN != NaN)
    return sorted(({k: nan_free(v) for k, v in r.items() if k not in WALL} for r in table.to_pylist()),
                  key=lambda r: r["run_id"])


def records(out):
    table = pq.read_table(out / "records")
    return table.sort_by([("run_id", "ascending"), ("generation", "ascending")])


def drop(out, run_ids):
    """Make ``run_ids`` not done, as if their batch had never been committed:
    every part is rewritten without them (the checks of a resume pass)."""
    import pyarrow.compute as pc

    from evomod.study import store
    from evomod.study.results import read_manifest, records_schema, summaries_schema

    manifest = read_manifest(out)
    parts = store.read_parts(out)
    old = list(parts["parts"])
    keep = lambda t: t.filter(pc.invert(pc.is_in(t.column("run_id"), pa.array(list(run_ids)))))  # noqa: E731
    batch = store.Batch()
    for kind, files in ((store.SUMMARIES, store.part_files(out, parts, store.SUMMARIES)),
                        (store.RECORDS, store.part_files(out, parts, store.RECORDS))):
        for f in files:
            t = keep(pq.read_table(f))
            if kind == store.SUMMARIES:
                batch.rows += t.to_pylist()
            elif t.num_rows:
                batch.records.append(t)
                batch.n_rows += t.num_rows
    parts["parts"] = []
    store.commit(out, parts, batch, records_schema(manifest), summaries_schema(manifest))
    for p in old:
        for kind in (store.RECORDS, store.SUMMARIES):
            (out / kind / f"{p['name']}.parquet").unlink(missing_ok=True)


def same_table(a, b):
    """Equal columns, NaN equal to NaN (``Table.equals`` says NaN != NaN)."""
    assert a.schema.equals(b.schema)
    for name in a.column_names:
        x, y = a.column(name).to_numpy(), b.column(name).to_numpy()
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    return True


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """The same study on a 1-worker in-process cluster and on 2 worker processes (CLI)."""
    root = tmp_path_factory.mktemp("study")
    path = write(root / "tiny.toml")
    one = run_study(path, root / "one", workers=1, processes=False, progress=False)
    assert main(["study", str(path), "--out", str(root / "two"), "--workers", "2", "-q"]) == 0
    return path, root / "one", root / "two", one


# --- expansion ------------------------------------------------------------------------------

def test_expansion_ids_and_seeds(tmp_path):
    study = load_study(write(tmp_path / "s.toml"))
    runs = expand(study, tmp_path / "out")
    assert len(runs) == N_RUNS
    assert all(re.fullmatch(r"[0-9a-f]{8}-s\d{3}", r.run_id) for r in runs)
    assert len({r.run_id for r in runs}) == N_RUNS and len({r.seed for r in runs}) == N_RUNS
    by_label = {(r.cell.label, r.seed_index): r for r in runs}
    fixed = by_label["fixed", 0].config
    assert fixed.schedule.name == "fixed" and fixed.schedule.goals == ["G1"]
    assert by_label["mvg", 1].config.schedule.goals == ["G1", "G2"]
    for r in runs:
        assert r.config.seed == r.seed == run_seed(11, r.cell.key, r.seed_index)
        assert r.config.modularity.cache == str((tmp_path / "out" / "qm-cache.json").resolve())
        assert r.config.generations == GENS and r.config.population == 100
    # ids and seeds depend on a cell's overrides, not on where it sits in the grid
    swapped = STUDY.replace('{ label = "fixed"', '{ label = "X"').split("condition = [")
    lines = swapped[1].strip().splitlines()
    reordered = swapped[0] + "condition = [\n" + "\n".join([lines[1], lines[0]] + lines[2:]) + "\n"
    again = {(r.run_id, r.seed) for r in expand(load_study(write(tmp_path / "r.toml", reordered)), tmp_path / "o")}
    assert again == {(r.run_id, r.seed) for r in runs}
    # another study seed: other seeds, same ids
    other = expand(load_study(write(tmp_path / "o.toml", STUDY.replace("seed = 11", "seed = 12"))), tmp_path)
    assert [r.run_id for r in other] == [r.run_id for r in runs]
    assert not {r.seed for r in other} & {r.seed for r in runs}


def test_grid_is_a_cartesian_product(tmp_path):
    text = STUDY + '\n[grid.schedule]\nperiod = [5, 10, 20]\n'
    runs = expand(load_study(write(tmp_path / "s.toml", text)), tmp_path)
    assert len(runs) == 2 * 3 * 3
    cells = {(r.cell.params["condition"], r.cell.params["schedule.period"]) for r in runs}
    assert cells == {(c, p) for c in ("fixed", "mvg") for p in (5, 10, 20)}
    assert all(r.config.schedule.period == r.cell.params["schedule.period"] for r in runs)
    assert runs[0].cell.label == "condition=fixed, schedule.period=5"


# --- execution -----------------------------------------------------------------------------

def test_one_and_two_workers_agree(studies):
    _, one, two, outcome = studies
    assert outcome.total == N_RUNS and outcome.finished == N_RUNS and outcome.failed == 0 and outcome.skipped == 0
    assert rows(one) == rows(two)
    r1, r2 = records(one), records(two)
    assert r1.num_rows == r2.num_rows == sum(r["generations_run"] for r in rows(one)) == N_RUNS * GENS
    assert same_table(r1, r2)
    for out in (one, two):
        assert (out / "study.toml").read_text() == STUDY
        # one part: 6 runs are one batch; no run folders, no per-run files
        assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(
            ["study.toml", "study.json", "study.lock", "parts.json", "runs.parquet", "qm-cache.json",
             *(f"{kind}/{p['name']}.parquet" for p in json.loads((out / "parts.json").read_text())["parts"]
               for kind in ("records", "summaries"))])
        assert len(json.loads((out / "parts.json").read_text())["parts"]) == 1
        assert set(documents(out, [r["run_id"] for r in rows(out)], "best")) == {r["run_id"] for r in rows(out)}


def test_tables(studies):
    _, one, _, _ = studies
    table = rows(one)
    assert {r["status"] for r in table} <= {"finished", "solved"}
    summaries = documents(one, [r["run_id"] for r in table], "summary")
    for r in table:
        assert r["condition"] == r["cell"] and r["generation_cap"] == GENS and r["error"] is None
        assert np.isfinite(r["final_q"])
        summary = json.loads(summaries[r["run_id"]])
        assert summary["config"]["seed"] == r["seed"]
        assert r["final_qm"] == ("NaN" if summary["modularity"]["qm"] is None else summary["modularity"]["qm"])
        assert json.loads(r["first_solved"]) == summary["first_solved"]
        assert r["solved.G1"] == summary["first_solved"].get("G1")
    # one read call gives the whole study, run_id and the swept keys included
    data = ds.dataset(one / "records").to_table()
    assert {"run_id", "cell", "condition", "seed", "generation", "best_fitness", "qm"} <= set(data.column_names)
    assert set(data.column("condition").to_pylist()) == {"fixed", "mvg"}
    assert data.num_rows == N_RUNS * GENS


def test_shared_cache_file(studies):
    _, one, two, _ = studies
    for out in (one, two):
        cache = DegreeCache(out / "qm-cache.json")
        assert len(cache) > 0 and all(k[1] == 7 for k in cache.entries())
        summary = json.loads(next(iter(documents(out, [rows(out)[0]["run_id"]], "summary").values())))
        assert summary["config"]["modularity"]["cache"] == str((out / "qm-cache.json").resolve())


def test_resume_skips_finished_runs(studies, tmp_path, monkeypatch):
    path, one, _, _ = studies
    out = tmp_path / "resumed"
    shutil.copytree(one, out)
    before = rows(out)
    victim = before[1]["run_id"]
    drop(out, [victim])
    ran = []
    real = engine.run
    monkeypatch.setattr(engine, "run", lambda config, *a, **k: ran.append(config.seed) or real(config, *a, **k))
    outcome = run_study(path, out, workers=1, processes=False, progress=False)
    assert (outcome.skipped, outcome.finished, outcome.failed) == (N_RUNS - 1, 1, 0)
    assert before[1]["seed"] in ran and not {r["seed"] for r in before if r["run_id"] != victim} & set(ran)
    assert rows(out) == before and same_table(records(out), records(one))
    # nothing left to do: no cluster is started at all
    again = run_study(path, out, progress=False, scheduler="tcp://127.0.0.1:9")
    assert (again.skipped, again.finished) == (N_RUNS, 0)


def test_interrupted_run_resumes_from_its_checkpoint(studies, tmp_path, monkeypatch):
    """A run killed after its checkpoint at generation 20 resumes from it and
    gives the records of the uninterrupted study; the checkpoint is removed."""
    from evomod.engine import checkpoint

    path, one, _, _ = studies
    text = STUDY.replace("seed = 11", "seed = 11\ncheckpoint_every = 20")
    out = tmp_path / "ck"
    shutil.copytree(one, out)
    write(out / "study.toml", text)
    victim = rows(out)[0]["run_id"]
    drop(out, [victim])
    spec = next(r for r in expand(load_study(write(tmp_path / "tiny.toml", text)), out) if r.run_id == victim)
    ck = out / "checkpoints" / f"{victim}.npz"
    ck.parent.mkdir(exist_ok=True)
    real = checkpoint.save

    def crash(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # the run stops right after its first checkpoint

    with monkeypatch.context() as m:
        m.setattr(checkpoint, "save", crash)
        engine.run(spec.config, checkpoint=ck, checkpoint_every=20)
    assert checkpoint.load(ck, spec.config)["generation"] == 20
    restored, restore = [], checkpoint.restore
    monkeypatch.setattr(checkpoint, "restore",
                        lambda meta, *a: restored.append(meta["generation"]) or restore(meta, *a))
    outcome = run_study(tmp_path / "tiny.toml", out, workers=1, processes=False, progress=False)
    assert (outcome.skipped, outcome.finished) == (N_RUNS - 1, 1) and restored == [20]
    assert not ck.exists()
    assert same_table(records(out), records(one))


def test_failing_run_is_recorded_and_retried(studies, tmp_path, monkeypatch):
    path, one, _, _ = studies
    out = tmp_path / "failing"
    bad_seed = rows(one)[2]["seed"]
    real_run = engine.run

    def flaky(config, *args, **kwargs):
        if config.seed == bad_seed:
            raise RuntimeError("boom in the engine")
        return real_run(config, *args, **kwargs)

    monkeypatch.setattr(engine, "run", flaky)
    outcome = run_study(path, out, workers=2, processes=False, progress=False)
    assert (outcome.finished, outcome.failed) == (N_RUNS - 1, 1)
    table = {r["seed"]: r for r in rows(out)}
    failed = table[bad_seed]
    assert failed["status"] == "failed"
    assert "Traceback" in failed["error"] and "RuntimeError: boom in the engine" in failed["error"]
    assert documents(out, [failed["run_id"]], "best") == {} and not (out / "failed").exists()
    assert all(r["status"] != "failed" for s, r in table.items() if s != bad_seed)
    assert main(["report", str(out)]) == 0  # a report with a failed run
    monkeypatch.setattr(engine, "run", real_run)
    outcome = run_study(path, out, workers=1, processes=False, progress=False)
    assert (outcome.skipped, outcome.finished, outcome.failed) == (N_RUNS - 1, 1, 0)
    assert rows(out) == rows(one) and same_table(records(out), records(one))


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    (STUDY.replace('"schedule.goals" = ["G1"]', '"schedule.gaols" = ["G1"]'), "schedule.gaols"),
    (STUDY + '\n[grid.selection]\nelitee = [1, 2]\n', "selection.elitee"),
    (STUDY.split("[grid]")[0] + "[grid]\n", "grid is empty"),
    (STUDY.split("[grid]")[0], "grid is empty"),
    (STUDY + '\n"selection.pm" = 0.5\n', "must be a list"),
    (STUDY + '\n"selection.pm" = []\n', "empty list"),
    (STUDY + '\n"seed" = [1, 2]\n', "'seed' cannot be set"),
    (STUDY + '\n"population" = [40, 40]\n', "twice"),
    (STUDY.replace("seeds = 3", "seeds = 0"), "seeds"),
    (STUDY.replace('base = "ka2005-logic-mvg"', 'base = "no-such-preset"'), "no-such-preset"),
    (STUDY + "\nbogus = 1\n", "bogus"),
])
def test_bad_study_files(tmp_path, capsys, text, words):
    path = write(tmp_path / "bad.toml", text)
    assert main(["study", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert words in one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def test_other_study_into_the_same_out_is_refused(studies, tmp_path, capsys):
    _, one, _, _ = studies
    out = tmp_path / "kept"
    shutil.copytree(one, out)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    other = write(tmp_path / "other.toml", STUDY.replace("seeds = 3", "seeds = 4"))
    assert main(["study", str(other), "--out", str(out), "-q"]) == 2
    line = one_line_error(capsys)
    assert "study.toml differs" in line and str(out) in line
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


def test_unreachable_scheduler_and_missing_sbatch(studies, tmp_path, capsys, monkeypatch):
    path, one, _, _ = studies
    out = tmp_path / "kept"
    shutil.copytree(one, out)
    drop(out, [rows(out)[0]["run_id"]])  # something to run
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    started = time.perf_counter()
    assert main(["study", str(path), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9", "-q"]) == 2
    assert time.perf_counter() - started < 30
    assert "cannot connect" in one_line_error(capsys)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["study", str(path), "--out", str(out), "--cluster", "slurm", "--jobs", "2", "-q"]) == 2
    assert "sbatch" in one_line_error(capsys)
    assert main(["study", str(path), "--out", str(tmp_path / "new"), "--cluster", "pbs", "-q"]) == 2
    assert "qsub" in one_line_error(capsys)
    assert not (tmp_path / "new").exists()
    bin_dir = tmp_path / "bin"  # sbatch is there but the controller is down
    bin_dir.mkdir()
    for name, body in (("sbatch", "exit 0"), ("sinfo", "echo 'Unable to contact slurm controller' >&2; exit 1")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert main(["study", str(path), "--out", str(out), "--cluster", "slurm", "-q"]) == 2
    assert "Unable to contact slurm controller" in one_line_error(capsys)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    for args in (["--jobs", "0"], ["--workers", "2", "--scheduler", "tcp://x:1"], ["--jobs", "2"]):
        assert main(["study", str(path), "--out", str(tmp_path / "n2"), "-q", *args]) == 2
        one_line_error(capsys)


# --- report --------------------------------------------------------------------------------

def test_report(studies, capsys):
    _, _, two, _ = studies
    assert main(["report", str(two)]) == 0
    capsys.readouterr()
    for name in ("report.md", "report.json", "report-fitness.png", "report-qm.png", "report-solve.png"):
        assert (two / name).stat().st_size > 0
    data = json.loads((two / "report.json").read_text())
    table = rows(two)
    by_cell = {}
    for r in table:
        solve = r["generation_cap"] if r["generations_to_solve"] is None else r["generations_to_solve"]
        by_cell.setdefault(r["cell"], []).append((solve, np.nan if r["final_qm"] == "NaN" else r["final_qm"]))
    fixed, mvg = np.array(by_cell["fixed"], float), np.array(by_cell["mvg"], float)
    tests = {t["metric"]: t for t in data["tests"]}
    assert set(tests) == {"generations_to_solve", "final_qm"}
    want = mannwhitneyu(fixed[:, 0], mvg[:, 0], alternative="two-sided")
    assert (tests["generations_to_solve"]["a"], tests["generations_to_solve"]["b"]) == ("fixed", "mvg")
    assert tests["generations_to_solve"]["u"] == want.statistic
    assert tests["generations_to_solve"]["p"] == want.pvalue
    x, y = fixed[:, 1][np.isfinite(fixed[:, 1])], mvg[:, 1][np.isfinite(mvg[:, 1])]
    assert np.isnan(fixed[:, 1]).any() or np.isnan(mvg[:, 1]).any()  # the NaN runs are left out
    want = mannwhitneyu(x, y, alternative="two-sided")
    assert tests["final_qm"]["p"] == want.pvalue and (tests["final_qm"]["n_a"], tests["final_qm"]["n_b"]) == (
        len(x), len(y))
    assert {c["label"]: c["success_rate"] for c in data["conditions"]} == {
        k: np.mean([r["status"] == "solved" for r in table if r["cell"] == k]) for k in ("fixed", "mvg")}
    text = (two / "report.md").read_text()
    assert "Mann-Whitney" in text and "generation cap" in text and "report-solve.png" in text
    assert f"{want.pvalue:.4g}" in text


def test_report_plots_info_flow_and_coverage_where_runs_logged_them(studies, tmp_path, capsys):
    _, _, two, _ = studies  # logged neither: no such plots
    assert main(["report", str(two)]) == 0
    assert not (two / "report-info-flow.png").exists() and "info-flow" not in (two / "report.md").read_text()
    text = STUDY.replace("seeds = 3", "seeds = 2").replace(
        '"modularity.every" = 5', '"modularity.every" = 10\n"modularity.info_flow" = true\n'
        '"modularity.coverage" = true')
    out = tmp_path / "flow"
    run_study(write(tmp_path / "flow.toml", text), out, workers=1, processes=False, progress=False)
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    for name in ("report-info-flow.png", "report-coverage.png"):
        assert (out / name).stat().st_size > 0 and name in (out / "report.md").read_text()
    logged = records(out).column("info_flow").to_numpy()
    assert np.isfinite(logged).sum() == 4 * (GENS // 10)


def test_mann_whitney_matches_scipy():
    from evomod.analysis.report import Condition, mann_whitney

    rng = np.random.default_rng(5)
    conds = [Condition(i, f"c{i}", 100, 7, 7, 5, 0, 0, np.minimum(rng.integers(10, 140, 7), 100).astype(float),
                       rng.normal(0.3 * i, 0.1, 6)) for i in range(3)]
    tests = mann_whitney(conds)
    assert len(tests) == 3 * 2  # every pair, two metrics
    for t in tests:
        a, b = (next(c for c in conds if c.label == t[k]) for k in ("a", "b"))
        attr = "to_solve" if t["metric"] == "generations_to_solve" else "final_qm"
        want = mannwhitneyu(getattr(a, attr), getattr(b, attr), alternative="two-sided")
        assert (t["u"], t["p"]) == (want.statistic, want.pvalue)


def test_report_of_a_non_study(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a study directory" in one_line_error(capsys)


def test_shipped_example_expands_and_runs(tmp_path):
    """examples/sweep-mvg.toml: fixed vs MVG, 4 seeds each, 2,000 generations;
    run here scaled down to 30 generations."""
    import tomllib
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "sweep-mvg.toml"
    study = load_study(example)
    runs = expand(study, tmp_path / "full")
    assert len(runs) == 8 and {r.config.generations for r in runs} == {2000}
    assert sorted({(r.cell.label, r.config.schedule.name, tuple(r.config.schedule.goals)) for r in runs}) == [
        ("fixed", "fixed", ("G1",)), ("mvg", "mvg", ("G1", "G2"))]
    data = tomllib.loads(example.read_text())
    data["overrides"].update({"generations": 30, "population": 100, "selection.elite": 20})
    outcome = run_study(data, tmp_path / "small", workers=1, processes=False, progress=False)
    assert (outcome.finished, outcome.failed) == (8, 0)
    assert pq.read_table(tmp_path / "small" / "records").num_rows == 8 * 30

"""evomod command line, in-process through ``evomod.cli.main`` and once in a
subprocess for real exit codes."""

import json
import os
import subprocess
import sys
import tomllib

import numpy as np
import pyarrow.parquet as pq
import pytest

from evomod import config as C
from evomod.cli import main
from evomod.testing import reference as ref

G1_ROWS, G2_ROWS = ref.kashtan_alon_goals()
SMALL = ["--set", "population=100", "--set", "selection.elite=30"]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run from an empty directory, so a stray default ``runs/`` would show."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(capsys):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evomod")
    return lines[0]


def g1_genome():
    # XOR(x,y) in gates 0..3, XOR(z,w) in gates 4..7, AND in gates 8, 9 (see test_reference)
    def xor(a, b, base):
        return [a, b, a, base, b, base, base + 1, base + 2]
    return xor(0, 1, 4) + xor(2, 3, 8) + [7, 11, 12, 12] + [13]


def genome_file(path, genome, gates=10, goal=None, **extra):
    data = {"format": "evomod-genome/1",
            "representation": {"name": "nand", "gates": gates, "outputs": 1, "feedforward": False},
            "inputs": ["x", "y", "z", "w"], "genome": genome,
            "goal": goal if goal is not None else {"name": "G1", "expressions": ["(x ^ y) & (w ^ z)"]}}
    data.update(extra)
    path.write_text(json.dumps(data))
    return path


# --- run ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["run", "--generations", "50", "--out", str(out), "-q"]) == 0
    return out


def test_run_writes_records(default_run):
    table = pq.read_table(default_run / "records.parquet")
    assert table.column_names == ["generation", "goal", "best_fitness", "mean_fitness",
                                  "best_performance", "n_effective", "connections", "wiring", "q", "qm",
                                  "info_flow", "coverage", "hierarchy", "subproblems"]
    assert table.num_rows == 50
    cols = table.to_pydict()
    assert cols["generation"] == list(range(50))
    assert cols["goal"] == ["G1"] * 20 + ["G2"] * 20 + ["G1"] * 10
    assert all(0 <= p <= 1 for p in cols["best_performance"])
    assert all(m <= b + 1e-12 for m, b in zip(cols["mean_fitness"], cols["best_fitness"]))
    assert all(0 <= n <= 12 for n in cols["n_effective"])


def test_run_writes_summary(default_run):
    summary = json.loads((default_run / "summary.json").read_text())
    for key in ("seed", "status", "first_solved", "versions", "config"):
        assert key in summary
    assert summary["seed"] == 0 and summary["status"] == "finished"
    assert set(summary["first_solved"]) == {"G1", "G2"}
    assert {"evomod", "python", "numpy", "numba"} <= set(summary["versions"])
    assert C.validate(summary["config"]) == C.load(None, generations=50)


def test_run_writes_best_genome(default_run):
    best = json.loads((default_run / "best.json").read_text())
    assert best["format"] == "evomod-genome/1"
    genome = best["genome"]
    assert len(genome) == 25 and all(0 <= a < 16 for a in genome)
    rows = G1_ROWS if best["goal"]["name"] == "G1" else G2_ROWS
    assert best["goal"]["name"] == "G1"  # generation 49 is in the third period
    assert best["performance"] == ref.performance(genome, rows, 4, 12, 1, 13)
    assert best["fitness"] == pytest.approx(ref.fitness(genome, rows, 4, 12, 1, 13))
    table = pq.read_table(default_run / "records.parquet").to_pydict()
    assert best["fitness"] == table["best_fitness"][-1]


def test_run_prints_summary(in_tmp, capsys):
    out = in_tmp / "r"
    assert main(["run", "--generations", "5", "--out", str(out), "-q", *SMALL]) == 0
    text = capsys.readouterr().out
    assert "5 generations" in text and "records.parquet" in text


def test_seed_and_set_are_honoured(in_tmp):
    out = in_tmp / "r"
    assert main(["run", "ka2005-logic-g2", "--seed", "7", "--generations", "30", "--out", str(out), "-q",
                 "--set", "selection.pm=0.5", *SMALL]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 7
    cfg = summary["config"]
    assert cfg["seed"] == 7 and cfg["generations"] == 30
    assert cfg["selection"]["pm"] == 0.5 and cfg["population"] == 100 and cfg["selection"]["elite"] == 30
    assert cfg["schedule"]["name"] == "fixed" and cfg["schedule"]["goals"] == ["G2"]
    assert pq.read_table(out / "records.parquet").to_pydict()["goal"] == ["G2"] * 30


def test_run_from_toml_file_and_into_empty_dir(in_tmp):
    cfg_file = in_tmp / "exp.toml"
    cfg_file.write_text('generations = 12\npopulation = 40\n[selection]\nelite = 10\n'
                        '[schedule]\nname = "fixed"\ngoals = ["G1"]\n')
    out = in_tmp / "empty"
    out.mkdir()
    assert main(["run", str(cfg_file), "--out", str(out), "-q"]) == 0
    assert pq.read_table(out / "records.parquet").num_rows == 12
    assert json.loads((out / "summary.json").read_text())["config"]["population"] == 40


def test_same_seed_same_files(in_tmp):
    for name in ("a", "b"):
        assert main(["run", "--generations", "25", "--out", str(in_tmp / name), "-q", *SMALL]) == 0
    ta = pq.read_table(in_tmp / "a" / "records.parquet").to_pydict()
    tb = pq.read_table(in_tmp / "b" / "records.parquet").to_pydict()
    assert ta.keys() == tb.keys()
    for name in ta:  # NaN marks Q_m undefined: equal to itself here
        assert np.array_equal(np.asarray(ta[name]), np.asarray(tb[name]),
                              equal_nan=name in ("q", "qm", "wiring", "info_flow", "coverage", "hierarchy",
                                                 "subproblems")), name
    assert json.loads((in_tmp / "a" / "best.json").read_text()) == \
        json.loads((in_tmp / "b" / "best.json").read_text())


# --- show ----------------------------------------------------------------------------------

def table_lines(text):
    return [ln for ln in text.splitlines() if "|" in ln and ln[:1] in "01"]


def test_show_saved_best(default_run, capsys):
    assert main(["show", str(default_run / "best.json")]) == 0
    text = capsys.readouterr().out
    best = json.loads((default_run / "best.json").read_text())
    genome = best["genome"]
    n_eff = len(ref.effective_gates(genome, 4, 12, 1))
    gate_lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("g") and "NAND(" in ln]
    assert len(gate_lines) == n_eff
    assert "out0 = " in text
    rows = table_lines(text)
    assert len(rows) == 16
    outputs, settled = ref.evaluate_circuit(genome, 4, 12, 1, 13)
    for r, line in enumerate(rows):
        bits, outs = line.split("|")[0].split(), line.split("|")[1].split()
        assert bits == [str((r >> (3 - k)) & 1) for k in range(4)]
        assert int(outs[0]) == outputs[r][0]
    correct = round(ref.performance(genome, G1_ROWS, 4, 12, 1, 13) * 16)
    assert f"{correct}/16 rows correct" in text


def test_show_hand_built_g1(in_tmp, capsys):
    path = genome_file(in_tmp / "g1.json", g1_genome())
    assert main(["show", str(path)]) == 0
    text = capsys.readouterr().out
    assert "10 effective gates" in text
    assert "16/16 rows correct" in text and "wrong" not in text
    rows = table_lines(text)
    assert len(rows) == 16
    assert [int(ln.split("|")[1]) for ln in rows] == [r[0] for r in G1_ROWS]
    assert "g9 = NAND(g8, g8)" in text and "out0 = g9" in text
    assert "g0 = NAND(x, y)" in text


def test_show_unsettled_rows(in_tmp, capsys):
    # 1-gate self-loop oscillator: never settles, every row wrong.
    path = in_tmp / "osc.json"
    path.write_text(json.dumps({"format": "evomod-genome/1",
                                "representation": {"name": "nand", "gates": 1},
                                "inputs": ["a"], "genome": [1, 1, 1],
                                "goal": {"name": "A", "expressions": ["a"]}}))
    assert main(["show", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.count("(not settled)") == 2
    assert "0/2 rows correct" in text


# --- presets ---------------------------------------------------------------------------------

def test_presets_list(capsys):
    assert main(["presets"]) == 0
    text = capsys.readouterr().out
    families = ("ka2005", "clune2013", "serial", "bool-", "hxor", "kashtan2007", "mengistu2016")
    listed = [ln.split()[0] for ln in text.splitlines() if ln.startswith(families)]
    boolean = {f"bool-{n}" for n in ("mux6", "mux11", "parity4", "parity5", "parity6", "parity7", "parity8",
                                     "majority5", "majority7", "fulladder", "adder2")}
    assert set(listed) == set(C.preset_names()) == {
        "ka2005-logic-g1", "ka2005-logic-g2", "ka2005-logic-mvg", "ka2005-logic-rmvg", "ka2005-retina-fixed",
        "ka2005-retina-mvg", "ka2005-retina3-fixed", "ka2005-retina3-mvg", "clune2013-pa", "clune2013-pcc",
        "clune2013-pa-mvg", "clune2013-pcc-mvg",
        "serial-fixed", "serial-mvg-first", "serial-mvg-second", "ka2005-6input-fixed", "ka2005-6input-mvg",
        "kashtan2007-fixed", "kashtan2007-mvg", "kashtan2007-rvg", "mengistu2016-pa", "mengistu2016-pcc",
        "hxor-pa", "hxor-pcc"} | boolean


@pytest.mark.parametrize("name", ["ka2005-logic-g1", "ka2005-logic-rmvg"])
def test_presets_show_toml(name, capsys, in_tmp):
    assert main(["presets", name]) == 0
    text = capsys.readouterr().out
    raw = tomllib.loads(text)
    assert C.validate(raw) == C.load(name)
    # the printed file can be run as is
    path = in_tmp / "p.toml"
    path.write_text(text)
    assert C.load(str(path)) == C.load(name)


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "run" in capsys.readouterr().out


# --- bad input: exit 2, one line, nothing written ------------------------------------------------

def assert_nothing_written(root, allowed=()):
    assert sorted(p.name for p in root.iterdir()) == sorted(allowed)


@pytest.mark.parametrize("argv,needle", [
    (["run", "--set", "selection.pm=2"], "selection.pm"),
    (["run", "no-such-preset"], "no-such-preset"),
    (["run", "--set", "selection.pmm=0.5"], "selection.pmm"),
    (["run", "--set", "nonsense"], "--set"),
    (["run", "--seed", "-1"], "seed"),
    (["run", "--generations", "0"], "generations"),
    (["run", "missing.toml"], "missing.toml"),
    (["presets", "no-such-preset"], "no-such-preset"),
    (["show", "nowhere.json"], "nowhere.json"),
])
def test_bad_config_exit_2(argv, needle, in_tmp, capsys):
    out = in_tmp / "out"
    if argv[0] == "run":
        argv = argv + ["--out", str(out), "-q"]
    assert main(argv) == 2
    line = one_line_error(capsys)
    assert needle in line
    assert not out.exists()
    assert_nothing_written(in_tmp)


def test_unknown_flag_exit_2(in_tmp, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--bogus", "--out", str(in_tmp / "out")])
    assert info.value.code == 2
    assert "--bogus" in one_line_error(capsys)
    assert_nothing_written(in_tmp)


def test_existing_out_dir_untouched(in_tmp, capsys):
    out = in_tmp / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert main(["run", "--generations", "5", "--out", str(out), "-q", *SMALL]) == 2
    assert "taken" in one_line_error(capsys)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "precious"
    assert_nothing_written(in_tmp, ["taken"])
    # a file in the way is refused too
    blocker = in_tmp / "file"
    blocker.write_text("x")
    assert main(["run", "--generations", "5", "--out", str(blocker), "-q", *SMALL]) == 2
    one_line_error(capsys)
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("content", [
    "{not json",
    "",
    "\x00\xff garbage",
    json.dumps([1, 2, 3]),
    json.dumps({"format": "something-else"}),
])
def test_show_corrupt_file(content, in_tmp, capsys):
    path = in_tmp / "best.json"
    path.write_text(content)
    assert main(["show", str(path)]) == 2
    assert "best.json" in one_line_error(capsys)


@pytest.mark.parametrize("genome", [
    g1_genome()[:-1] + [14],        # address 14 = N + G: out of range
    [-1] + g1_genome()[1:],          # negative
    g1_genome()[:-1],                # one locus short
    g1_genome()[:-1] + [1.5],        # not an integer
    g1_genome()[:-1] + ["13"],       # not an integer
])
def test_show_bad_genome(genome, in_tmp, capsys):
    path = genome_file(in_tmp / "bad.json", genome)
    assert main(["show", str(path)]) == 2
    assert "genome" in one_line_error(capsys)


@pytest.mark.parametrize("extra", [
    {"representation": {"name": "nand", "gates": "10"}},
    {"representation": {"name": "tree", "gates": 10}},
    {"representation": {"name": "nand", "gates": 10, "settle_steps": 3}},
    {"inputs": []},
    {"inputs": "xyzw"},
])
def test_show_bad_header(extra, in_tmp, capsys):
    path = genome_file(in_tmp / "bad.json", g1_genome(), **extra)
    assert main(["show", str(path)]) == 2
    one_line_error(capsys)


def test_show_feedforward_genome_must_respect_order(in_tmp, capsys):
    # Valid with feedback, but gate 0 may read only inputs (< 4) when feed-forward.
    path = genome_file(in_tmp / "ff.json", g1_genome(),
                       representation={"name": "nand", "gates": 10, "feedforward": True})
    assert main(["show", str(path)]) == 0  # g1_genome reads only earlier gates
    capsys.readouterr()
    genome = g1_genome()
    genome[0] = 5  # gate 0 reads gate 1
    path = genome_file(in_tmp / "ff2.json", genome,
                       representation={"name": "nand", "gates": 10, "feedforward": True})
    assert main(["show", str(path)]) == 2
    assert "genome" in one_line_error(capsys)


def test_show_goal_not_an_object(in_tmp, capsys):
    path = genome_file(in_tmp / "bad.json", g1_genome(), goal="G1")
    assert main(["show", str(path)]) == 2
    one_line_error(capsys)


def test_run_invalid_input_name_exit_2(in_tmp, capsys):
    argv = ["run", "ka2005-logic-rmvg", "--generations", "3", "--out", str(in_tmp / "o"), "-q",
            "--set", 'task.inputs=["x", "y", "z", "not"]', "--set", "task.goals={}", *SMALL]
    assert main(argv) == 2
    one_line_error(capsys)
    assert_nothing_written(in_tmp)


@pytest.mark.parametrize("kind", [
    "run-directory",
    "run-directory.toml",
    "run-binary.toml",
    "show-directory",
    "show-binary.json",
])
def test_unreadable_sources_exit_2(kind, in_tmp, capsys):
    command, _, name = kind.partition("-")
    target = in_tmp / name
    if name.startswith("directory"):
        target.mkdir()
    else:
        target.write_bytes(b"\xff\xfe\x00 not text")
    argv = [command, str(target)] + (["--out", str(in_tmp / "o"), "-q"] if command == "run" else [])
    assert main(argv) == 2
    one_line_error(capsys)
    assert not (in_tmp / "o").exists()


# --- real process ------------------------------------------------------------------------------------

def test_subprocess_exit_codes(in_tmp):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    ok = subprocess.run([sys.executable, "-m", "evomod.cli", "run", "--generations", "5",
                         "--out", str(in_tmp / "r"), "-q", *SMALL],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert pq.read_table(in_tmp / "r" / "records.parquet").num_rows == 5
    bad = subprocess.run([sys.executable, "-m", "evomod.cli", "run", "--bogus"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "--bogus" in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "evomod.cli", "run", "--set", "selection.pm=2",
                          "--out", str(in_tmp / "x")], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert not (in_tmp / "x").exists()


# --- bench selection ----------------------------------------------------------------------------

def test_bench_selection_writes_report_tables_and_export(in_tmp, capsys):
    """A fixed-goal and a varying-goal task: the report, per-task figures, tables and the
    IOHprofiler export (fixed goals only), consistent with the studies' own tables."""
    from evomod.bench.ioh import read_folder

    out = in_tmp / "bench"
    assert main(["bench", "selection", "--runs", "2", "--budget", "30", "--tasks", "bool-fulladder,ka2005-logic",
                 "--strategies", "elite,lexicase,tournament", "--no-info-flow", "--out", str(out), "-q"]) == 0
    text = (out / "selection.md").read_text()
    for heading in ("## Findings", "## Pre-registered claim", "## Across tasks", "### bool-fulladder",
                    "### ka2005-logic-mvg"):
        assert heading in text
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and ln.count("/2 |") == 1]
    assert len(rows) == 6  # 2 tasks x 3 strategies, each "solved/2"
    assert "not tested" in text  # no multiplexer or parity task
    assert (out / "figures" / "bool-fulladder.png").stat().st_size > 0
    assert (out / "figures" / "ka2005-logic-mvg.png").stat().st_size > 0
    assert (out / "figures" / "cd.png").stat().st_size > 0
    bench_runs = pq.read_table(out / "tables" / "runs.parquet").to_pylist()
    assert len(bench_runs) == 12
    for task in ("bool-fulladder", "ka2005-logic-mvg"):
        for row in pq.read_table(out / task / "runs.parquet").to_pylist():
            mine = next(r for r in bench_runs if r["task"] == task and r["strategy"] == row["strategy"]
                        and r["seed"] == row["seed"])
            solve = row["generations_to_solve"]
            assert mine["generations"] == (None if solve is None else solve + 1)
            qm = row["final_qm"]
            assert mine["final_qm"] == (None if qm is None or np.isnan(qm) else pytest.approx(qm))
    exported = {r["algorithm"]: r for f in sorted((out / "ioh").iterdir()) for r in read_folder(f)}
    assert set(exported) == {"elite", "lexicase", "tournament"}
    assert {r["function_name"] for f in (out / "ioh").iterdir() for r in read_folder(f)} == {"bool-fulladder"}
    assert "lexicase vs tournament" in capsys.readouterr().out.lower()


def test_bench_selection_skips_what_cannot_run():
    from evomod.bench.selection import compatible

    assert "selection 'elite' uses one objective" in compatible("elite", "clune2013-pcc")
    assert compatible("stochastic_nsga2", "clune2013-pcc") == ""


@pytest.mark.parametrize("argv, key", [
    (["--strategies", "best"], "selection.name"),
    (["--tasks", "nope"], "--tasks"),
    (["--runs", "0"], "--runs"),
    (["--budget", "0"], "--budget"),
    (["--suite", "boolean", "--tasks", "bool-mux6"], "--tasks"),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--scheduler"),
])
def test_bench_selection_bad_input(in_tmp, capsys, argv, key):
    assert main(["bench", "selection", "--out", str(in_tmp / "b"), "-q", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and (key in err)
    assert not (in_tmp / "b").exists()


def test_show_draws_a_circuit_in_rows_by_depth(in_tmp, capsys):
    from evomod.io.genome_file import read_genome

    path = genome_file(in_tmp / "g1.json", g1_genome())
    data = read_genome(path)
    drawing = data["rep"].drawing(data["genome"], data["inputs"])
    A, names = data["rep"].to_graph(data["genome"], data["inputs"], directed=True)
    assert drawing["names"] == names
    assert sorted((i, j) for i, j, _ in drawing["edges"]) == sorted(zip(*map(list, A.nonzero())))
    row = dict(zip(names, drawing["positions"][:, 1]))
    # XOR(x, y) = NAND(NAND(x, g0), NAND(y, g0)) with g0 = NAND(x, y): depths 1, 2, 2, 3
    assert [row[n] for n in ("x", "y", "z", "w", "g0", "g1", "g2", "g3")] == [0, 0, 0, 0, 1, 2, 2, 3]
    assert (row["g8"], row["g9"], row["out0"]) == (4, 5, 6)  # AND = NAND, then NOT, then the output
    assert main(["show", str(path), "--draw", str(in_tmp / "g1.png")]) == 0
    assert (in_tmp / "g1.png").stat().st_size > 5000


def test_the_command_line_does_not_load_dask_until_a_study_runs():
    import subprocess
    import sys

    code = ("import sys; from evomod.cli import build_parser; build_parser(); "
            "print('distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- modularity beyond Q -------------------------------------------------------------------

def test_modularity_info_flow_of_the_modular_g1_circuit(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--measure", "info-flow", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"exchange", "score", "labels"} <= set(out)
    k = len(out["exchange"])
    assert k == 2 and len(out["labels"]) == len(out["names"]) == 4 + 10 + 1
    assert out["exchange"][0][0] == out["exchange"][1][1] == 0
    assert out["total"] == pytest.approx(sum(map(sum, out["exchange"])), abs=1e-5)
    assert out["score"] == pytest.approx(1 - out["total"] / out["baseline"], abs=1e-5)
    # modules are exactly the ones whose labels say so
    assert sorted(sum(out["modules"], [])) == sorted(out["names"])
    assert main(["modularity", str(path), "--measure", "info-flow"]) == 0
    text = capsys.readouterr().out
    assert "score" in text and "M0" in text and "best-Q partition" in text


def test_modularity_info_flow_of_a_given_partition(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    # the two XOR modules with their inputs, the combining gates apart
    labels = [0, 0, 1, 1] + [0] * 4 + [1] * 4 + [2, 2, 2]
    assert main(["modularity", str(path), "--measure", "info-flow", "--json",
                 "--labels", ",".join(map(str, labels))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["labels"] == labels
    # the XOR modules exchange nothing with each other; each sends its XOR s (1 bit) to the
    # combiner, whose state is a function of NAND(s, other XOR): I = H(NAND) - H(NAND | s)
    assert out["exchange"][0][1] == out["exchange"][1][0] == 0
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    assert out["exchange"][0][2] == pytest.approx(h - 0.5, abs=1e-6) == out["exchange"][1][2]
    assert out["exchange"][2][0] == out["exchange"][2][1] == 0


@pytest.mark.parametrize("labels, message", [
    ("0,1", "--labels: got 2 labels, the graph has 15 nodes"),
    ("0,0,2,2" + ",0" * 11, "--labels: module 1 is empty"),
    ("a,b", "--labels a,b: must be comma-separated module numbers"),
])
def test_modularity_bad_partition_is_a_one_line_error(tmp_path, capsys, labels, message):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--measure", "info-flow", "--labels", labels]) == 2
    assert message in one_line_error(capsys)


def test_modularity_partition_flags_need_a_measure_and_enough_nodes(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--labels", "0,1"]) == 2
    assert "--labels and --modules go with --measure" in one_line_error(capsys)
    assert main(["modularity", str(path), "--measure", "info-flow", "--modules", "1"]) == 2
    assert "--modules 1: must be >= 2" in one_line_error(capsys)
    assert main(["modularity", str(path), "--measure", "info-flow", "--modules", "40"]) == 2
    assert "modules: 40 modules need 40 nodes on wires" in one_line_error(capsys)


def test_modularity_functional_checks(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--measure", "functional", "--json",
                 "--labels", "0,0,1,1,0,0,0,0,1,1,1,1,2,2,2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["coverage"] == 1.0 and out["nmi"] == pytest.approx(1.0)
    assert out["mutation"]["inside"] > out["mutation"]["across"]
    assert main(["modularity", str(path), "--measure", "functional"]) == 0
    assert "sub-goal coverage" in capsys.readouterr().out


def test_first_run_note_when_numba_has_no_compiled_kernels(tmp_path):
    code = ("from evomod import config; from evomod.cli.run import _kernels_not_compiled; "
            "print(_kernels_not_compiled(config.load(None)), _kernels_not_compiled(config.load('clune2013-pa')))")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "empty")}
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert fresh.stdout.split() == ["True", "True"]  # an empty cache: the note is printed
    main(["run", "--generations", "3", "--set", "population=20", "--set", "selection.elite=5",
          "--out", str(tmp_path / "run")])
    from evomod.cli.run import _kernels_not_compiled

    assert not _kernels_not_compiled(C.load(None))  # compiled by that run: no note


# --- n-cut, importance, coherence ---------------------------------------------------------

MODULAR_LABELS = "0,0,1,1,0,0,0,0,1,1,1,1,2,2,2"  # the two XOR modules with their inputs, the AND apart


def test_modularity_importance_of_the_modular_g1_circuit(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--measure", "importance", "--json", "--labels", MODULAR_LABELS]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["partition"] == "given by --labels" and out["performance"] == 1.0
    found = {(s["module"], s["layer"]): s for s in out["subclusters"]}
    # (see tests/test_subclusters.py) {g1, g2} fixed at 1: the 4 rows where G1 = 1 go wrong, 5/6 of the pairs
    assert found[(0, 2)]["nodes"] == ["g1", "g2"] and found[(0, 2)]["value"] == 0.25
    assert found[(0, 2)]["percentile"] == pytest.approx(5 / 6, abs=1e-6)
    assert found[(2, 4)]["percentile"] is None  # g8 is its whole layer
    assert out["score"] == pytest.approx((0.5 + 5 / 6 + 0.5) / 3, abs=1e-6) and out["tested"] == 6
    assert main(["modularity", str(path), "--measure", "importance", "--labels", MODULAR_LABELS]) == 0
    text = capsys.readouterr().out
    assert "intact performance 1.0000" in text and "g1 g2" in text and "score" in text


def test_modularity_coherence_and_the_ncut_partition(tmp_path, capsys):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), "--measure", "coherence", "--json", "--labels", MODULAR_LABELS,
                 "--unit", "module", "--n-random", "300"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unit"] == "module" and out["kind"] == "input"
    # each XOR module's gates read its two inputs only: 2 of the 210 four-gate sets reach cosine 1
    assert [s["percentile"] for s in out["subclusters"][:2]] == pytest.approx([209 / 210] * 2, abs=1e-6)
    assert main(["modularity", str(path), "--measure", "ncut", "--json", "--clusters", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 3 and out["chosen_by"] == "given" and len(out["labels"]) == 15
    assert 0 < out["quality"] < 1 and out["quality"] == pytest.approx(1 - out["ncut"] / 3, abs=1e-5)
    assert main(["modularity", str(path), "--measure", "coherence", "--partition", "ncut", "--clusters", "3",
                 "--features", "output"]) == 0
    assert "n-cut spectral partition, k = 3" in capsys.readouterr().out
    assert main(["modularity", str(path), "--measure", "ncut"]) == 0
    assert "quality 1 - Ncut/k" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--measure", "q", "--partition", "ncut"], "--partition goes with --measure importance or coherence"),
    (["--measure", "importance", "--clusters", "3"], "--clusters goes with --measure ncut or --partition ncut"),
    (["--measure", "ncut", "--clusters", "1"], "--clusters 1: must be >= 2"),
    (["--measure", "ncut", "--clusters", "20"], "k = 20 must be in 2..14"),
    (["--measure", "ncut", "--labels", "0,1"], "--labels goes with --measure info-flow"),
    (["--measure", "coherence", "--labels", MODULAR_LABELS, "--partition", "ncut"], "give one partition"),
])
def test_modularity_subcluster_flags_are_checked(tmp_path, capsys, flags, message):
    path = genome_file(tmp_path / "best.json", g1_genome())
    assert main(["modularity", str(path), *flags]) == 2
    assert message in one_line_error(capsys)

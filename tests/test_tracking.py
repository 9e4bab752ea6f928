"""Q and Q_m logged during runs: columns, frequency, summary partition, and
values that do not depend on the cache's history."""

import json

import networkx as nx
import numpy as np
import pytest
from conftest import config_with
from networkx.algorithms.community import modularity as nx_modularity

from evomod import config as C
from evomod import modularity
from evomod.cli import main
from evomod.engine import run
from evomod.engine.tracking import ModularityTracker


def small(**over):
    return config_with({"population": 100, "generations": 60, "selection": {"elite": 30},
                        "modularity": {"n_random": 40}}, **over)


def rep_of(cfg):
    return C.representation_of(cfg)


@pytest.fixture(scope="module")
def logged():
    return run(small(seed=3))


def test_every_generation_is_measured_by_default(logged):
    cols = logged.records.columns()
    assert np.isfinite(cols["q"]).all()
    defined = np.isfinite(cols["qm"])
    assert defined.mean() > 0.5  # undefined only for one-realisation degree sequences
    assert (cols["qm"][defined] <= 1 + 1e-12).all()


def test_final_row_and_summary_describe_the_final_best(logged):
    cfg, mod = logged.config, logged.modularity
    A, names = rep_of(cfg).to_graph(logged.best_genome, cfg.task.inputs)
    assert mod["nodes"] == names and len(mod["labels"]) == len(names)
    cols = logged.records.columns()
    assert cols["q"][-1] == mod["q"]
    # the partition's Q, recomputed by networkx, is the Q reported
    G = nx.from_numpy_array(A)
    parts = [{i for i, lab in enumerate(mod["labels"]) if lab == c} for c in set(mod["labels"])]
    assert nx_modularity(G, parts) == pytest.approx(mod["q"], abs=1e-9)
    assert sorted(sum(mod["modules"], [])) == sorted(names)
    # the null-model terms are those of the degree sequence alone
    assert mod["q_rand"] == modularity.q_rand(A, n_random=40)
    assert mod["q_max"] == pytest.approx(max(modularity.q_max(A), mod["q"]))
    if mod["qm"] is not None:
        assert mod["qm"] == pytest.approx((mod["q"] - mod["q_rand"]) / (mod["q_max"] - mod["q_rand"]))
    assert mod["graphs_measured"] >= 1 and 0 <= mod["cache_hit_rate"] <= 1
    assert mod["randomisations"] % 40 == 0


def test_every_k_and_off():
    cols = run(small(seed=3, modularity={"every": 7})).records.columns()
    measured = np.flatnonzero(np.isfinite(cols["q"]))
    assert measured.tolist() == list(range(0, 60, 7))
    off = run(small(seed=3, modularity={"every": 0}))
    assert np.isnan(off.records.columns()["q"]).all()
    assert off.modularity["qm"] is None and "every = 0" in off.modularity["reason"]
    assert len(off.modularity["labels"]) == len(off.modularity["nodes"])


def test_logging_does_not_change_evolution(logged):
    off = run(small(seed=3, modularity={"every": 0}))
    a, b = logged.records.columns(), off.records.columns()
    for name in ("best_fitness", "mean_fitness", "n_effective", "goal"):
        assert np.array_equal(a[name], b[name]), name


def test_records_do_not_depend_on_a_shared_cache(tmp_path, logged):
    path = tmp_path / "qm.json"
    run(small(seed=4, modularity={"cache": str(path)}))  # another run fills the file first
    assert len(modularity.DegreeCache(path)) > 0
    warm = run(small(seed=3, modularity={"cache": str(path)}))
    assert warm.modularity["cache_hit_rate"] > logged.modularity["cache_hit_rate"]
    a, b = logged.records.columns(), warm.records.columns()
    for name in ("q", "qm"):
        assert np.array_equal(a[name], b[name], equal_nan=True), name


def test_tracker_measures_each_graph_once():
    cfg = small()
    rep = rep_of(cfg)
    spec = rep.spec
    tracker = ModularityTracker(cfg.modularity, lambda g: rep.to_graph(g)[0],
                                np.random.SeedSequence(0))
    genome = np.zeros(spec.n_loci, dtype=np.int16)
    genome[: 2 * spec.n_gates : 2] = 0  # every gate reads input 0 twice
    genome[2 * spec.n_gates] = spec.n_inputs  # the output reads gate 0: one effective gate
    first = tracker.measure(genome)
    assert tracker.measure(genome) is first
    other = genome.copy()
    other[2 * spec.n_gates - 1] = 1  # rewires the last gate, which nothing reads
    assert tracker.measure(other) is first and tracker.graphs_measured == 1
    direct = modularity.qm(rep.to_graph(genome)[0], False, 40, tracker.seed)
    assert direct == first


def test_cli_modularity_json_matches_the_library(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--generations", "30", "--out", str(out), "-q", "--set", "population=100",
                 "--set", "selection.elite=30", "--set", "modularity.n_random=30"]) == 0
    capsys.readouterr()
    genome = json.loads((out / "best.json").read_text())
    assert genome["modularity"] == {"directed": False, "n_random": 30, "method": "search"}
    for flags, directed in (([], False), (["--directed"], True)):
        assert main(["modularity", str(out / "best.json"), "--json", *flags]) == 0
        got = json.loads(capsys.readouterr().out)
        cfg = C.load(None)
        A, names = rep_of(cfg).to_graph(np.array(genome["genome"]), genome["inputs"], directed)
        want = modularity.qm(A, directed, 30, 0)
        assert set(got) >= {"q", "qm", "q_rand", "q_max", "labels"}
        assert got["q"] == want.q and got["labels"] == want.labels.tolist()
        assert got["nodes"] == names and got["directed"] is directed
        assert (got["qm"] is None) == np.isnan(want.qm)


def test_cli_modularity_text_and_bad_input(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--generations", "10", "--out", str(out), "-q", "--set",
                 "modularity.n_random=20"]) == 0
    capsys.readouterr()
    assert main(["modularity", str(out / "best.json")]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Q   = ") and "modules:" in text
    assert main(["modularity", str(out / "best.json"), "--n-random", "0"]) == 2
    data = json.loads((out / "best.json").read_text())
    data["modularity"] = {"directed": "yes"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["modularity", str(bad)]) == 2
    assert "modularity.directed = 'yes'" in capsys.readouterr().err


def test_bad_modularity_config():
    with pytest.raises(C.ConfigError, match="modularity.every"):
        small(modularity={"every": -1})
    with pytest.raises(C.ConfigError, match="modularity.n_random"):
        small(modularity={"n_random": 0})
    with pytest.raises(C.ConfigError, match="allowed here: every, directed, qm, method, n_random, cache"):
        small(modularity={"algorithm": "louvain"})
    with pytest.raises(C.ConfigError, match="modularity.method = 'louvain': .*'search' or 'bisection'"):
        small(modularity={"method": "louvain"})


def test_q_without_the_null_model_logs_the_same_q(logged):
    plain = run(small(seed=3, modularity={"qm": False}))
    a, b = logged.records.columns(), plain.records.columns()
    assert np.array_equal(a["q"], b["q"]) and np.isnan(b["qm"]).all()
    assert plain.modularity["labels"] == logged.modularity["labels"]
    assert plain.modularity["qm"] is None and "modularity.qm = false" in plain.modularity["reason"]
    assert plain.modularity["randomisations"] == 0


@pytest.mark.parametrize("preset", sorted(C.preset_names()))
def test_every_preset_logs_qm_every_generation(preset):
    m = C.load(preset).modularity
    assert (m.every, m.qm) == (1, True)
    if preset.startswith("clune2013"):  # Clune et al. measured the directed wiring graph
        assert m.directed


def test_a_clune_preset_logs_directed_qm():
    cfg = C.load("clune2013-pcc", ["population=60", "selection.mu=30", "modularity.n_random=40"],
                 generations=4, seed=1)
    cols = run(cfg).records.columns()
    assert np.isfinite(cols["q"]).all()
    qm = cols["qm"][np.isfinite(cols["qm"])]
    assert qm.size > 0 and (qm <= 1 + 1e-12).all()

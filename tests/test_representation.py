"""The engine's genome-type interface: copying rows, costs, tasks, the layered
network representation in runs, and `evomod show` drawing networks."""

import itertools

import networkx as nx
import numpy as np
import pytest
from conftest import config_with

from evomod import config as C
from evomod.cli import main
from evomod.costs import mean_hamming
from evomod.engine import run
from evomod.modularity.search import best_bisection
from evomod.problems import retina
from evomod.problems.goals import input_tables
from evomod.registry import ConfigError
from evomod.representations.base import reproduce
from evomod.representations.layered import wiring as W
from evomod.testing import reference


def rng_state(seed=0):
    from evomod import rng

    return rng.new_state(np.random.SeedSequence(seed))


# --- copying rows -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["elite", "random"])
def test_reproduce_copies_every_array_like_fancy_indexing(kind):
    rep = C.representation_of(C.load("clune2013-pa"))
    pop = rep.random_population(50, rng_state(1))
    rep.evaluate(pop)
    before = [a.copy() for a in pop.arrays()]
    rng = np.random.default_rng(2)
    if kind == "elite":  # rows 0-9 overwrite rows 40-49: in place
        parents = np.arange(50)
        parents[40:] = rng.permutation(10)
    else:  # a row both copied and overwritten: needs the spare arrays
        parents = rng.integers(0, 50, 50)
    new, spare = reproduce(parents, pop, pop.spare())
    assert (new is pop) == (kind == "elite")
    for old, now in zip(before, new.arrays()):
        assert np.array_equal(now, old[parents])


# --- costs --------------------------------------------------------------------------------

def test_mean_hamming_against_pairwise_distances():
    rng = np.random.default_rng(3)
    tables = rng.integers(0, 2**63, (30, 2, 4), dtype=np.int64).astype(np.uint64)
    out = np.empty(30)
    mean_hamming(tables, 2 * 256, out)
    bits = np.unpackbits(tables.view(np.uint8), axis=None).reshape(30, -1)
    pairwise = (bits[:, None, :] != bits[None, :, :]).sum(axis=2)
    assert np.allclose(out, pairwise.sum(axis=1) / 29 / 512)


@pytest.mark.parametrize("layout", ["line", "grid"])
def test_nand_costs_against_the_reference_circuit(layout):
    cfg = C.load(None, ["objectives.locality_exponent=2", f"objectives.gate_layout={layout}"])
    rep = C.representation_of(cfg)
    pop = rep.random_population(40, rng_state(4))
    rep.evaluate(pop)
    conn = rep.cost("connections", pop, cfg.objectives)
    loc = rep.cost("locality", pop, cfg.objectives)
    n, g = rep.spec.n_inputs, rep.spec.n_gates
    for i, genome in enumerate(pop.genomes.tolist()):
        eff = reference.effective_gates(genome, n, g, 1)
        assert conn[i] == 2 * len(eff) + 1
        wires = [(genome[2 * k + s], n + k) for k in eff for s in range(2)] + [(genome[2 * g], n + g)]
        side = 5  # 4 inputs + 12 gates + 1 output = 17 addresses: a 5 x 5 grid
        where = (lambda a: (a, 0)) if layout == "line" else (lambda a: (a % side, a // side))
        assert loc[i] == pytest.approx(sum((where(a)[0] - where(b)[0]) ** 2 + (where(a)[1] - where(b)[1]) ** 2
                                           for a, b in wires))


def test_network_costs_match_the_layered_kernels():
    cfg = C.load("clune2013-pcc", ["objectives.weights={locality = 0.1}"])
    rep = C.representation_of(cfg)
    pop = rep.random_population(40, rng_state(5))
    rep.evaluate(pop)
    _, wiring = W.costs(pop.genomes, rep.spec, optimal=True)  # checked against numpy in test_layered
    n_conn = np.count_nonzero(pop.genomes[:, : rep.spec.n_slots], axis=1)
    assert np.array_equal(rep.cost("connections", pop, cfg.objectives), n_conn)
    assert np.array_equal(rep.cost("wiring", pop, cfg.objectives), wiring)
    s = rep.spec
    loc = rep.cost("locality", pop, cfg.objectives)
    for i, genome in enumerate(pop.genomes):
        kept = W.prune(genome, s)
        length = [np.hypot(s.node_x[s.slot_src[k]] - s.node_x[s.slot_dst[k]],
                           s.node_y[s.slot_src[k]] - s.node_y[s.slot_dst[k]])
                  for k in np.flatnonzero(genome[: s.n_slots]) if kept[s.slot_dst[k]]]
        assert loc[i] == pytest.approx(sum(length))
        assert pop.size[i] == kept.sum()


def test_weighted_and_separate_objectives():
    from evomod.costs import objective_columns

    cfg = C.load("clune2013-pcc", ["objectives.weights={connections = 0.01, diversity = 0.5}"])
    rep = C.representation_of(cfg)
    pop = rep.random_population(20, rng_state(6))
    rep.evaluate(pop)
    fitness = np.linspace(0, 1, 20)
    out = np.empty((20, 2))
    objective_columns(rep, pop, cfg.objectives, fitness, out)
    div = np.empty(20)
    mean_hamming(pop.tables, 256, div)
    conn = pop.extra["connections"]
    assert np.allclose(out[:, 0], fitness - 0.01 * conn + 0.5 * div)
    assert np.array_equal(out[:, 1], -pop.extra["wiring"])


# --- the retina task in runs ----------------------------------------------------------------

def float_outputs(genome, spec):
    """Clune's rule literally: float64 tanh(20 x) layer by layer, output > 0."""
    levels = np.where(np.unpackbits(input_tables(8).view(np.uint8), bitorder="little")
                      .reshape(8, -1)[:, :256], spec.input_values[1], spec.input_values[0]).astype(float)
    values = {v: levels[v] for v in range(spec.n_inputs)}
    bias = genome[spec.n_slots:]
    for v in range(spec.n_inputs, spec.n_nodes):
        pre = np.full(256, float(bias[v - spec.n_inputs]))
        for k in np.flatnonzero(genome[: spec.n_slots]):
            if spec.slot_dst[k] == v:
                pre += genome[k] * values[spec.slot_src[k]]
        values[v] = np.tanh(20 * pre) if spec.activation == "tanh20" else (pre > 0).astype(float)
    return values[spec.n_nodes - 1] > 0


@pytest.mark.parametrize("preset", ["clune2013-pa-mvg", "ka2005-retina-mvg"])
def test_retina_run_records_match_an_independent_evaluation(preset):
    over = {"generations": 45, "population": 60, "modularity": {"every": 0}}
    over["selection"] = {"mu": 30} if preset.startswith("clune") else {"elite": 15}
    cfg = config_with(C.read_raw(preset), **over)
    result = run(cfg)
    cols = result.records.columns()
    assert result.goal_names == ["L-AND-R", "L-OR-R"]
    assert cols["goal"][19] == 0 and cols["goal"][20] == 1 and cols["goal"][44] == 0
    rep = C.representation_of(cfg)
    out = float_outputs(result.best_genome, rep.spec)
    goal = retina.retina_goals()[result.final_goal]
    want = np.unpackbits(goal.view(np.uint8), bitorder="little")[:256].astype(bool)
    assert result.best_performance == pytest.approx((out == want).mean())
    _, wiring = W.costs(result.best_genome, rep.spec, rep.optimal)
    assert cols["connections"][-1] == np.count_nonzero(result.best_genome[: rep.spec.n_slots])
    assert cols["wiring"][-1] == pytest.approx(wiring[0])
    assert result.modularity["directed"] == preset.startswith("clune")


def test_retina_goal_counts_through_the_task():
    task = C._tasks.build(C.load("clune2013-pa").task)
    ones = {k: int(np.unpackbits(v.view(np.uint8)).sum()) for k, v in task.goals.items()}
    assert ones == {"L-AND-R": 64, "L-OR-R": 192}


# --- bad input --------------------------------------------------------------------------

def retina_without(*keys, **representation):
    """The ka2005-retina-fixed preset without some [representation] keys, others replaced."""
    raw = C.read_raw("ka2005-retina3-fixed")
    for key in keys:
        del raw["representation"][key]
    raw["representation"].update(representation)
    return raw


@pytest.mark.parametrize("source, over, key, words", [
    ("ka2005-retina3-fixed", ["representation.weights=[-1, 0, 1]"], "representation.weights", "must not contain 0"),
    ("ka2005-retina3-fixed", ["representation.weights=[0, 1]"], "representation.weights", "must not contain 0"),
    ("ka2005-retina3-fixed", ["representation.weights=[1, 200]"], "representation.weights", "int8 range"),
    ("ka2005-retina3-fixed", ["representation.weights=[1, 1]"], "representation.weights", "distinct"),
    ("ka2005-retina3-fixed", ["representation.weights=[]"], "representation.weights", "at least 1 item"),
    ("ka2005-retina3-fixed", ["representation.biases=[-300, 0]"], "representation.biases", "int8 range"),
    (retina_without("x", "y", layers=[6, 4, 2, 1]), [], "representation.layers", "the task has 8 inputs"),
    ("ka2005-retina3-fixed", ["representation.layers=[8]"], "representation.layers", "at least an input"),
    ("ka2005-retina3-fixed", ["representation.layers=[8, 0, 1]"], "representation.layers", "at least one node"),
    (retina_without("y"), [], "representation.y", "give both x and y"),
    (retina_without("x"), [], "representation.x", "give both x and y"),
    ("ka2005-retina3-fixed", ["representation.x=[[0, 1, 2, 3, 4, 5, 6, 7], [0, 1]]"], "representation.x",
     "coordinates for 2 layers"),
    ("ka2005-retina3-fixed", ["representation.x=[[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2], [0, 1], [0]]"],
     "representation.x", "layer 1 has 4 nodes but 3"),
    ("ka2005-retina3-fixed", ["representation.y=[0, 1, 2]"], "representation.y", "3 values for 4 layers"),
    ("ka2005-retina3-fixed", ["representation.initial_connections=[5, 5]"], "representation.initial_connections",
     "0 <= low < high"),
    ("ka2005-retina3-fixed", ["representation.initial_connections=[9, 3]"], "representation.initial_connections",
     "0 <= low < high"),
    ("ka2005-retina3-fixed", ["representation.fan_in=[3, 3]"], "representation.fan_in", "one cap per non-input"),
    ("ka2005-retina3-fixed", ["representation.fan_in=[3, -1, 2]"], "representation.fan_in", ">= 0"),
    ("ka2005-retina3-fixed", ["representation.input_values=[1, 1]"], "representation.input_values", "distinct"),
    ("ka2005-retina3-fixed", ["representation.activation=\"relu\""], "representation.activation", "tanh20"),
    ("ka2005-retina3-fixed", ["objectives.separate=[\"wiring\"]", "selection.name=\"elite\"",
                             "selection.elite=100"], "objectives.separate", "uses one objective"),
    ("ka2005-retina3-fixed", ["objectives.weights={cables = 1.0}"], "objectives.weights", "not a cost"),
])
def test_bad_network_configs_name_the_key(source, over, key, words):
    with pytest.raises(ConfigError) as e:
        C.load(source, over)
    assert e.value.key == key
    assert words in str(e.value) and str(e.value).startswith(key)
    assert "\n" not in str(e.value)


def test_nand_has_no_wiring_cost():
    with pytest.raises(ConfigError, match="allowed: connections, diversity, locality"):
        C.load(None, ["objectives.weights={wiring = 1.0}"])


# --- best 2-way split and show ------------------------------------------------------------

def best_two_way_by_enumeration(A, directed):
    from evomod.modularity import q

    n = A.shape[0]
    return max(q(A, np.array((0,) + bits), directed) for bits in itertools.product((0, 1), repeat=n - 1))


@pytest.mark.parametrize("seed", range(6))
def test_best_bisection_is_near_the_exhaustive_best_split(seed):
    G = nx.gnm_random_graph(9, 16, seed=seed, directed=True)
    A = nx.to_numpy_array(G)
    labels, value = best_bisection(A, True)
    from evomod.modularity import q

    assert value == pytest.approx(q(A, labels, True))
    assert value >= best_two_way_by_enumeration(A, True) - 0.02


def hand_built_modular_network(spec):
    """Left inputs feed h1.0, right inputs h1.1; each through its own layer-2
    and layer-3 node, which meet only at the output."""
    genome = np.zeros(spec.n_loci, dtype=np.int8)
    names = spec.node_names()
    node = {name: v for v, name in enumerate(names)}
    wires = [(f"in{i}", "h1.0") for i in range(4)] + [(f"in{i}", "h1.1") for i in range(4, 8)]
    wires += [("h1.0", "h2.0"), ("h1.1", "h2.3"), ("h2.0", "h3.0"), ("h2.3", "h3.1"),
              ("h3.0", "out0"), ("h3.1", "out0")]
    for a, b in wires:
        k = np.flatnonzero((spec.slot_src == node[a]) & (spec.slot_dst == node[b]))[0]
        genome[k] = 1
    return genome


def test_show_draws_a_network_and_finds_the_left_right_split(tmp_path, capsys):
    cfg = config_with(C.read_raw("clune2013-pcc"), generations=2, population=20,
                      selection={"mu": 10}, modularity={"every": 0})
    result = run(cfg)
    rep = C.representation_of(cfg)
    result.best_genome = hand_built_modular_network(rep.spec)
    from evomod.io.run_dir import write_run

    write_run(result, tmp_path / "run")
    assert main(["show", str(tmp_path / "run" / "best.json"), "--draw", str(tmp_path / "net.svg")]) == 0
    text = capsys.readouterr().out
    assert "separates the left inputs from the right inputs" in text
    assert "h1.0 = tanh20(+1*p0 +1*p1 +1*p2 +1*p3 +0)" in text
    svg = (tmp_path / "net.svg").read_text()
    assert svg.startswith("<?xml") and "</svg>" in svg
    assert main(["show", str(tmp_path / "run" / "best.json"), "--draw", str(tmp_path / "net.txt")]) == 2
    assert "--draw" in capsys.readouterr().err
    # without --draw nothing is written, and the split is still reported
    before = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert main(["show", str(tmp_path / "run" / "best.json")]) == 0
    assert "separates the left inputs" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == before
    assert rep.left_right_split(np.zeros(rep.spec.n_loci, np.int8))["separates"] is False

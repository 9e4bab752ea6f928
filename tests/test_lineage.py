"""The lineage's problems and measures (Kashtan & Alon 2005's 6-input goals,
Kashtan, Noor & Alon 2007, Mengistu et al. 2016) against hand-computed facts:
goal truth tables against their literal definitions, global reaching
centrality on hand graphs, the sub-problem test and hierarchy on a
hand-wired AND-XOR-AND network."""

import itertools

import numpy as np
import pytest

from evomod import config
from evomod.measures.hierarchy import global_reaching_centrality, node_layers, separates, subproblems_solved
from evomod.problems import tasks
from evomod.problems.goals import unpack


def rows(n):
    """Every input row, first input most significant (the truth-table order)."""
    return list(itertools.product((0, 1), repeat=n))


def table(preset, goal):
    cfg = config.load(preset)
    task = tasks.build(cfg.task)
    n = len(task.inputs)
    return np.stack([unpack(t, n) for t in task.goals[goal]])


# --- goals against their literal definitions ------------------------------------------------

def test_and_xor_and_and_h_xor_truth_tables():
    axa = [bool(((a & b) ^ (c & d)) & ((e & f) ^ (g & h))) for a, b, c, d, e, f, g, h in rows(8)]
    aea = [bool(((a & b) == (c & d)) & ((e & f) == (g & h))) for a, b, c, d, e, f, g, h in rows(8)]
    assert table("mengistu2016-pa", "AND-XOR-AND").tolist() == [axa]
    assert table("mengistu2016-pa", "AND-EQ-AND").tolist() == [aea]
    assert sum(axa) == 36  # each AND true on 1/4 of rows, each XOR on 3/8, the final AND on 9/64
    hxor = [[bool(a ^ b ^ c ^ d) for a, b, c, d, *_ in rows(8)], [bool(e ^ f ^ g ^ h) for *_, e, f, g, h in rows(8)]]
    assert table("hxor-pa", "H-XOR").tolist() == hxor


def test_ka2005_six_input_goals():
    ops = {"&": lambda u, v: u & v, "|": lambda u, v: u | v}
    want = {"G1": "|&&", "G2": "&|&", "G3": "&&|", "G4": "&&&"}  # the operator of each output
    for goal, signs in want.items():
        expected = []
        for k, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
            column = []
            for x, y, z, w, q, r in rows(6):
                sub = [x ^ y, z ^ w, q ^ r]  # A, B, C
                column.append(bool(ops[signs[k]](sub[i], sub[j])))
            expected.append(column)
        assert table("ka2005-6input-mvg", goal).tolist() == expected, goal


def test_kashtan2007_goals_and_their_partners():
    literal = {"AND2": lambda a, b, c: a & b, "OR2": lambda a, b, c: a | b, "AOR": lambda a, b, c: a & (b | c),
               "MUX": lambda a, b, c: b if a else c, "AND3": lambda a, b, c: a & b & c}
    for name, f in literal.items():
        for goal, flip in ((name, 0), (name + "-eq", 1)):
            want = [bool(f((x ^ y) ^ flip, z ^ w, q ^ r)) for x, y, z, w, q, r in rows(6)]
            assert table("kashtan2007-mvg", goal).tolist() == [want], goal


# --- global reaching centrality on hand graphs ----------------------------------------------

def tree_8421():
    """Inputs 0-7 -> 8-11 -> 12-13 -> 14, a binary tree (15 nodes)."""
    A = np.zeros((15, 15))
    for child, parent in [(i, 8 + i // 2) for i in range(8)] + [(8 + i, 12 + i // 2) for i in range(4)] + \
            [(12, 14), (13, 14)]:
        A[child, parent] = 1
    return A


def test_grc_of_hand_graphs():
    # reversed, the root reaches all 14 others (LRC 1), the two middle nodes 6/14 each, the four
    # lower ones 2/14, the leaves 0: GRC = (2 * 8/14 + 4 * 12/14 + 8 * 1) / 14 = 176/196
    assert global_reaching_centrality(tree_8421()) == pytest.approx(176 / 196)
    # as wired, a leaf reaches its 3 ancestors (3/14, the most): (4 * 1/14 + 2 * 2/14 + 3/14) / 14 = 11/196
    assert global_reaching_centrality(tree_8421(), reverse=False) == pytest.approx(11 / 196)
    chain = np.zeros((3, 3))
    chain[0, 1] = chain[1, 2] = 1  # reversed: 2 reaches 1 and 0, 1 reaches 0: (0 + 1/2 + 1) / 2
    assert global_reaching_centrality(chain) == pytest.approx(0.75)
    cycle = np.roll(np.eye(4), 1, axis=1)  # every node reaches every other one
    assert global_reaching_centrality(cycle) == pytest.approx(0.0)


def test_grc_ignores_weights_and_unwired_nodes():
    A = tree_8421()
    weighted = A * np.where(np.arange(15) % 2, 2.0, -1.0)[:, None]
    assert global_reaching_centrality(weighted) == pytest.approx(176 / 196)
    padded = np.zeros((17, 17))
    padded[1:16, 1:16] = A  # two unwired nodes (e.g. unused inputs) are not part of the graph
    assert global_reaching_centrality(padded) == pytest.approx(176 / 196)
    assert np.isnan(global_reaching_centrality(np.zeros((3, 3))))


def test_separates():
    assert separates([-1, 0, 1, 1], [False, False, True, True])
    assert separates([1, 1, -1, 0], [False, False, True, True])  # the other way round
    assert not separates([-1, 1, 1, 1], [False, False, True, True])
    assert not separates([1, 1], [True, True])  # a constant sub-function is no split


# --- a hand-wired AND-XOR-AND network --------------------------------------------------------

def network(connections, biases, preset="mengistu2016-pcc"):
    """(rep, genome) of a layered network with ``connections`` {(src, dst): weight}
    and ``biases`` {node: bias} (node numbers: inputs 0-7, then each layer in turn)."""
    cfg = config.load(preset)
    rep = config.representation_of(cfg)
    s = rep.spec
    genome = np.zeros(s.n_loci, dtype=np.int8)
    slot = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(s.slot_src, s.slot_dst))}
    for (a, b), w in connections.items():
        genome[slot[a, b]] = w
    for v, bias in biases.items():
        genome[s.n_slots + v - s.n_inputs] = bias
    return rep, genome


def and_xor_and(u_bias=1):
    """Layer 1 (8-11): the four ANDs; layer 2 (12-15): a AND NOT b for both orders of each
    pair of ANDs; layer 3 (16, 17): the two XORs as ORs of those (bias 1; -1 makes them ANDs,
    constant false); output 18: their AND. With inputs -1/+1, sign(u + v - 1) is AND and
    sign(u + v + 1) is OR."""
    c, b = {}, {}
    for k in range(4):
        c[2 * k, 8 + k] = c[2 * k + 1, 8 + k] = 1
        b[8 + k] = -1
    for pair, (p, q) in enumerate([(8, 9), (10, 11)]):
        for j, (yes, no) in enumerate([(p, q), (q, p)]):
            node = 12 + 2 * pair + j
            c[yes, node], c[no, node], b[node] = 1, -1, -1
            c[node, 16 + pair] = 1
        b[16 + pair] = u_bias
        c[16 + pair, 18] = 1
    b[18] = -1
    return c, b


def evaluate(rep, genome):
    pop = rep.population(genome)
    rep.evaluate(pop)
    return pop.tables[0]


def test_hand_network_solves_and_xor_and_and_every_sub_problem():
    rep, genome = network(*and_xor_and())
    target = tasks.build(config.load("mengistu2016-pcc").task).goals["AND-XOR-AND"]
    assert np.array_equal(evaluate(rep, genome), target)
    subs = [[bool(a & b) for a, b, *_ in rows(8)], [bool(c & d) for _, _, c, d, *_ in rows(8)],
            [bool(e & f) for *_, e, f, _, _ in rows(8)], [bool(g & h) for *_, g, h in rows(8)],
            [bool((a & b) ^ (c & d)) for a, b, c, d, *_ in rows(8)],
            [bool((e & f) ^ (g & h)) for *_, e, f, g, h in rows(8)]]
    layers = node_layers(rep, genome)
    assert layers.tolist() == [0] * 8 + [1] * 4 + [2] * 4 + [3] * 2 + [4]
    assert subproblems_solved(rep.program(genome), layers, subs) == [True] * 6
    # hierarchy: reversed, the output reaches all 18 others, each XOR 2 + 2 + 4 = 8 (LRC 8/18), each
    # layer-2 node its 2 ANDs and 4 inputs (6/18), each AND 2 inputs (2/18), inputs nothing:
    # GRC = (2 * 10/18 + 4 * 12/18 + 4 * 16/18 + 8 * 1) / 18
    want = (2 * 10 + 4 * 12 + 4 * 16 + 8 * 18) / 18 / 18
    assert global_reaching_centrality(rep.to_graph(genome, directed=True)[0]) == pytest.approx(want)


def test_sub_problem_solved_by_a_pair_of_nodes():
    """With layer 3 turned into ANDs (constant false), no single node computes an XOR;
    the two layer-2 nodes feeding each layer-3 node still do, by their sum."""
    rep, genome = network(*and_xor_and(u_bias=-1))
    xor01 = [bool((a & b) ^ (c & d)) for a, b, c, d, *_ in rows(8)]
    layers = node_layers(rep, genome)
    assert subproblems_solved(rep.program(genome), layers, [xor01]) == [True]
    assert subproblems_solved(rep.program(genome), None, [xor01]) == [False]  # single nodes only


def test_pruned_hidden_nodes_do_not_count():
    """AND node 11 wired from inputs 6, 7 but towards nothing is pruned: inputs 6, 7
    drop out of the graph, and the AND of x6, x7 is no longer solved."""
    c, b = and_xor_and()
    del c[11, 14], c[11, 15]
    rep, genome = network(c, b)
    A, names = rep.to_graph(genome, directed=True)
    assert len(names) == 18  # 8 inputs, 3 ANDs, 4 + 2 hidden, the output
    # 16 wired nodes; reversed, the output reaches 15 (LRC 1), XOR 16 reaches 8, XOR 17 reaches
    # 14, 15, 10 and inputs 4, 5 (5), nodes 12, 13 reach 6, nodes 14, 15 reach 3, ANDs 2, inputs 0:
    # GRC = (7 + 10 + 2 * 9 + 2 * 12 + 3 * 13 + 6 * 15) / 15 / 15
    assert global_reaching_centrality(A) == pytest.approx((7 + 10 + 18 + 24 + 39 + 90) / 225)
    g_and = [bool(g & h) for *_, g, h in rows(8)]
    assert subproblems_solved(rep.program(genome), node_layers(rep, genome), [g_and]) == [False]


def test_h_xor_networks_have_two_outputs():
    cfg = config.load("hxor-pcc", ["population=40", "selection.mu=20", "modularity.every=5"], generations=10)
    from evomod.engine.loop import run

    result = run(cfg)
    rep = config.representation_of(cfg)
    assert rep.n_outputs == 2 and result.records.columns()["best_performance"].max() <= 1.0
    # performance counts (row, output) pairs: 512 of them
    pop = rep.population(result.best_genome)
    rep.evaluate(pop)
    target = tasks.build(cfg.task).goals["H-XOR"]
    right = sum(bin(int(~(pop.tables[0, k, w] ^ target[k, w]) & 0xFFFFFFFFFFFFFFFF)).count("1")
                for k in range(2) for w in range(4))
    assert result.best_performance == pytest.approx(right / 512)
    assert result.modularity["hierarchy"] is None or 0.0 <= result.modularity["hierarchy"] <= 1.0


# --- verdict rules of the lineage's claims ---------------------------------------------------

def test_speedup_fit_recovers_a_known_exponent_and_leaves_censored_goals_out():
    from evomod.replicate.stats import speedup_fit

    rng = np.random.default_rng(1)
    t_fixed = np.array([200.0, 2000.0, 20000.0, 60000.0])
    speedup = (t_fixed / 200.0) ** 0.7  # S = 1 at the easiest goal, alpha = 0.7
    fixed = [t * np.exp(rng.normal(0, 0.3, 41)) for t in t_fixed]
    varying = [t / s * np.exp(rng.normal(0, 0.3, 41)) for t, s in zip(t_fixed, speedup)]
    ones = [np.ones(41)] * 4
    fit = speedup_fit(fixed, varying, ones, ones, resamples=2000)
    assert fit["used"] == [0, 1, 2, 3]
    # the fit on the sample medians, by hand: least squares of log(S) on log(T_fixed)
    tf, tv = np.array([np.median(v) for v in fixed]), np.array([np.median(v) for v in varying])
    x, y = np.log(tf), np.log(tf / tv)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert fit["alpha"] == pytest.approx(slope) and abs(slope - 0.7) < 0.1
    assert fit["ci"][0] < 0.7 < fit["ci"][1] and fit["ci"][1] - fit["ci"][0] < 0.3
    half = np.r_[np.ones(20), np.zeros(21)]  # 20 of 41 solved: the median is censored
    fit = speedup_fit(fixed, varying, [ones[0], ones[0], ones[0], half], ones, resamples=200)
    assert fit["used"] == [0, 1, 2]
    fit = speedup_fit(fixed[:2], varying[:2], ones[:2], ones[:2], resamples=200)
    assert np.isnan(fit["alpha"])  # two goals: no fit


def values_for(t_fixed, speedup, n=30, noise=0.2, seed=0):
    rng = np.random.default_rng(seed)
    values = {}
    for i, (t, s) in enumerate(zip(t_fixed, speedup)):
        values[f"FG-{i}"] = {"T": t * np.exp(rng.normal(0, noise, n)), "ok": np.ones(n)}
        values[f"MVG-{i}"] = {"T": t / s * np.exp(rng.normal(0, noise, n)), "ok": np.ones(n)}
    return values


def test_exponent_verdicts():
    from evomod.replicate.experiments import Claim
    from evomod.replicate.stats import judge_across

    t = np.array([100.0, 1000.0, 10000.0])
    claim = Claim("T", "FG-0", "alpha = 0.7", "exponent", 0.7, over=("FG-0/MVG-0", "FG-1/MVG-1", "FG-2/MVG-2"),
                  against="ok")
    assert judge_across(claim, values_for(t, (t / 100) ** 0.7))[0].verdict == "reproduced"
    assert judge_across(claim, values_for(t, (t / 100) ** 0.3))[0].verdict == "partly"
    assert judge_across(claim, values_for(t, np.ones(3)))[0].verdict == "not reproduced"
    assert judge_across(claim, values_for(t, (t / 100) ** 0.7, n=5))[0].verdict == "too few runs"


def test_correlation_verdicts():
    from evomod.replicate.experiments import Claim
    from evomod.replicate.stats import judge_across

    rng = np.random.default_rng(2)
    h = rng.random(40)
    claim = Claim("sub", "A", "r = 0.96", "correlation", 0.96, over=("A", "B"), against="h")

    def split(sub):
        return {"A": {"sub": sub[:20], "h": h[:20]}, "B": {"sub": sub[20:], "h": h[20:]}}

    close = h + rng.normal(0, 0.08, 40)
    verdict, measured = judge_across(claim, split(close))
    assert verdict.verdict == "reproduced" and f"r = {np.corrcoef(close, h)[0, 1]:.3g}" in measured
    assert judge_across(claim, split(h + rng.normal(0, 0.4, 40)))[0].verdict == "partly"
    assert judge_across(claim, split(-h))[0].verdict == "not reproduced"


# --- per-run measures on hand-built traces -----------------------------------------------------

def trace(perf, switch_at, first_solved=None, goals=("A", "B")):
    import json

    from evomod.replicate.measures import RunView

    gen = np.arange(len(perf))
    row = {"run_id": "r", "generation_cap": len(perf), "generations_to_solve": None,
           "first_solved": json.dumps(first_solved or {})}
    view = RunView("/nonexistent", row, switch_at)
    view.__dict__["records"] = {"generation": gen, "best_performance": np.array(perf, dtype=float)}
    view.__dict__["summary"] = {"config": {"schedule": {"goals": list(goals)}}}
    return view


def test_generations_to_target_and_adaptation_to_perfect():
    from evomod.replicate.lineage_measures import adaptation_to_perfect, generations_to_target, target_solved

    run = trace([0.5] * 10, None, {"A": None, "B": 4})  # B solved, the target A never: the cap
    assert generations_to_target(run) == 10.0 and target_solved(run) == 0.0
    run = trace([0.5] * 10, None, {"A": 7, "B": 4})
    assert generations_to_target(run) == 7.0 and target_solved(run) == 1.0
    perfect_then_back = [0.9, 1.0, 1.0, 0.5, 0.7, 1.0, 1.0]  # switch at 3: perfect again 2 generations on
    assert adaptation_to_perfect(trace(perfect_then_back, 3)) == 2.0
    assert adaptation_to_perfect(trace([1.0, 1.0, 1.0, 0.5, 0.7, 0.9], 3)) == 3.0  # never: generations left
    assert np.isnan(adaptation_to_perfect(trace([0.9, 0.9, 0.99, 0.5, 1.0], 3)))  # not perfect before: undefined


def test_hierarchy_logged_every_measurement_and_for_the_final_best():
    from evomod.engine.loop import run

    cfg = config.load("mengistu2016-pcc", ["population=60", "selection.mu=30", "modularity.every=10"], seed=2,
                      generations=41)
    result = run(cfg)
    cols = result.records.columns()
    measured = np.flatnonzero(np.isfinite(cols["subproblems"]))
    assert measured.tolist() == list(range(0, 41, 10))
    assert np.allclose(cols["subproblems"][measured] * 6, np.round(cols["subproblems"][measured] * 6))
    rep = config.representation_of(cfg)
    h = global_reaching_centrality(rep.to_graph(result.best_genome, directed=True)[0])
    assert result.modularity["hierarchy"] == pytest.approx(h) and cols["hierarchy"][40] == pytest.approx(h)
    off = run(config.load("mengistu2016-pcc", ["population=60", "selection.mu=30", "modularity.hierarchy=false"],
                          seed=2, generations=5))
    assert np.isnan(off.records.columns()["hierarchy"]).all() and "hierarchy" not in off.modularity

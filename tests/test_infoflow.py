"""Counterfactual information exchange (evomod.measures.infoflow) and the node
programs it runs on (evomod.representations.program), against hand-computed values and a
literal re-implementation of the definition."""

from collections import Counter
from math import log2

import numpy as np
import pytest

from evomod import config as C
from evomod.measures import infoflow
from evomod.representations import program as signals
from evomod.representations.nand.kernels import CircuitSpec
from evomod.representations.nand.representation import NandCircuits
from evomod.testing import reference


def H(*p):
    return -sum(q * log2(q) for q in p if q > 0)


def circuit(n_inputs, wires, outputs, feedforward=True):
    """Program of a circuit given as gate source pairs (addresses as in the genome)."""
    spec = CircuitSpec(n_inputs, len(wires), len(outputs), feedforward=feedforward)
    genome = np.array([a for pair in wires for a in pair] + list(outputs))
    rep = NandCircuits(spec)
    return signals.from_circuit(genome, spec, rep.to_graph(genome)[1])


# --- node programs ------------------------------------------------------------

def test_program_outputs_match_the_literal_circuit_rule_incl_feedback():
    rng = np.random.default_rng(3)
    spec = CircuitSpec(3, 6, 2)
    rep = NandCircuits(spec)
    cyclic = 0
    for _ in range(300):
        genome = np.array([rng.integers(0, h) for h in spec.locus_high()])
        prog = signals.from_circuit(genome, spec, rep.to_graph(genome)[1])
        cyclic += prog.steps > 0
        outputs, _ = reference.evaluate_circuit(genome.tolist(), 3, 6, 2)
        got = prog.values()[:, -2:]
        assert got.tolist() == [list(o) for o in outputs]
    assert cyclic > 20  # feedback circuits were exercised


def test_program_outputs_match_the_network_kernel():
    cfg = C.load("clune2013-pa")
    rep = C.representation_of(cfg)
    state = np.random.SeedSequence(5)
    from evomod import rng as _rng

    pop = rep.random_population(40, _rng.new_state(state))
    rep.evaluate(pop)
    for i in range(40):
        names = rep.to_graph(pop.genomes[i])[1]
        prog = signals.from_network(pop.genomes[i], rep.spec, names)
        vals = prog.values()
        for k in range(rep.n_outputs):
            bits = np.unpackbits(pop.tables[i, k].view(np.uint8), bitorder="little")[: prog.n_rows]
            assert ((vals[:, -rep.n_outputs + k] > 0) == bits.astype(bool)).all()


# --- exchange: hand-built cases -----------------------------------------------

# x, y inputs; g0 = NAND(x, y); g1 = NAND(x, g0); out = g1   (addresses: x 0, y 1, g0 2, g1 3)
ABC = dict(n_inputs=2, wires=[(0, 1), (0, 2)], outputs=[3])


def test_seed_a_b_c_example_gets_the_hand_value_where_observational_measures_get_zero():
    prog = circuit(**ABC)
    A, B, Cm = [0, 0, 1, 2, 2], 1, 2  # modules: inputs | g0 | g1 and the output
    E = infoflow.exchange(prog, A)
    # do(g0 = s), s ~ P(g0) = (1/4, 3/4), x uniform: c = NAND(x, s);
    # P(c = 0) = 3/4 * 1/2, H(c | s) = 3/4 * 1 bit
    assert E[B, Cm] == pytest.approx(H(3 / 8, 5 / 8) - 3 / 4, abs=1e-12)
    # the seed's point: B and C are functions of A, so I(B:C) - I(A:B:C) = I(B:C|A) = 0
    vals = prog.values()
    joint = Counter((r[0], r[1], r[2], tuple(r[3:])) for r in vals.tolist())
    assert all(c == 1 for c in joint.values())  # given the input, (B, C) is fixed: I(B:C|A) = 0
    assert E[Cm, B] == 0.0 and E[B, 0] == 0.0  # nothing flows back


def test_relay_gate_passes_exactly_its_entropy():
    # g0 = NAND(x, y) in module 0 with the inputs; g1 = NAND(g0, g0) relays it (a NOT)
    prog = circuit(2, [(0, 1), (2, 2)], [3])
    E = infoflow.exchange(prog, [0, 0, 0, 1, 1])
    assert E[0, 1] == pytest.approx(H(1 / 4, 3 / 4), abs=1e-12)
    assert E[1, 0] == 0.0


def test_disjoint_sub_circuits_exchange_nothing_and_score_one():
    # g0 = NAND(x, y), g1 = NAND(z, w), outputs read each
    prog = circuit(4, [(0, 1), (2, 3)], [4, 5])
    split = [0, 0, 1, 1, 0, 1, 0, 1]
    assert not infoflow.exchange(prog, split).any()
    flow = infoflow.information_flow(prog, split)
    assert flow.score == 1.0 and flow.baseline > 0
    found = infoflow.search(prog, 2)
    assert found.score == 1.0
    assert len(set(found.labels[[0, 1, 4, 6]])) == 1 and found.labels[0] != found.labels[2]


def test_common_cause_is_not_exchange():
    # g0 = NAND(x, y), g1 = NAND(x, y): equal signals (observational MI = H(g0)), no wire between them
    prog = circuit(2, [(0, 1), (0, 1)], [2, 3])
    E = infoflow.exchange(prog, [0, 0, 1, 2, 1, 2])
    assert E[1, 2] == 0.0 and E[2, 1] == 0.0
    assert E[0, 1] == pytest.approx(H(1 / 4, 3 / 4))


def test_sign_neuron_relay_passes_one_bit():
    rep = C.representation_of(C.load("clune2013-pa"))
    spec = rep.spec
    genome = np.zeros(spec.n_loci, dtype=np.int8)
    # a chain of weight-1 connections from input 0 through the first node of every layer
    # (biases 0): each node's value is the input's sign, and the input is 1 bit
    for l in range(spec.n_layers - 1):
        a, b = spec.layer_start[l], spec.layer_start[l + 1]
        genome[next(s for s in range(spec.n_slots) if spec.slot_src[s] == a and spec.slot_dst[s] == b)] = 1
    A, names = rep.to_graph(genome)
    prog = signals.from_network(genome, spec, names)
    assert prog.n_nodes == spec.n_inputs + spec.n_layers - 2 + spec.n_outputs
    labels = np.zeros(prog.n_nodes, dtype=int)
    labels[spec.n_inputs:] = 1
    E = infoflow.exchange(prog, labels)
    assert E[0, 1] == pytest.approx(1.0) and E[1, 0] == 0.0


# --- exchange: the definition, re-implemented literally --------------------------

def literal_exchange(genome, n_inputs, n_gates, labels_of_address, a, b):
    """The definition over addresses (inputs, gates; outputs are the gates they
    read), by enumeration in plain Python, for feed-forward circuits."""
    rows = [reference.input_values(r, n_inputs) for r in range(2 ** n_inputs)]

    def run(inputs, forced, cut):
        vals = list(inputs) + [0] * n_gates
        for g in range(n_gates):
            srcs = [genome[2 * g], genome[2 * g + 1]]
            vs = [forced[s] if (s, g) in cut else vals[s] for s in srcs]
            vals[n_inputs + g] = 1 - (vs[0] & vs[1])
        return vals

    gates = [g for g in range(n_gates) if labels_of_address.get(n_inputs + g) is not None]
    cut = {(s, g) for g in gates for s in (genome[2 * g], genome[2 * g + 1])
           if labels_of_address.get(s) == a and labels_of_address[n_inputs + g] == b}
    if not cut:
        return 0.0
    sent = sorted({s for s, _ in cut})
    received = sorted(v for v, m in labels_of_address.items() if m == b)
    base = [run(x, {}, set()) for x in rows]
    p_s = Counter(tuple(v[s] for s in sent) for v in base)
    joint = Counter()
    for s_val, count in p_s.items():
        forced = dict(zip(sent, s_val))
        for x in rows:
            v = run(x, forced, cut)
            joint[(s_val, tuple(v[r] for r in received))] += count / len(rows) / len(rows)
    p_c = Counter()
    for (_, c), p in joint.items():
        p_c[c] += p
    return sum(p * log2(p / (p_s[s] / len(rows) * p_c[c])) for (s, c), p in joint.items())


def test_exchange_matches_a_literal_implementation_on_random_circuits():
    rng = np.random.default_rng(11)
    n, g = 3, 6
    spec = CircuitSpec(n, g, 1, feedforward=True)
    rep = NandCircuits(spec)
    checked = 0
    for _ in range(60):
        genome = np.array([rng.integers(0, h) for h in spec.locus_high()])
        A, names = rep.to_graph(genome)
        prog = signals.from_circuit(genome, spec, names)
        k = 3
        labels = rng.integers(0, k, prog.n_nodes)
        labels[:k] = np.arange(k)
        if len(set(labels)) < k:
            continue
        E = infoflow.exchange(prog, labels)
        # graph nodes -> addresses; the output node is left out of the literal version,
        # so give it a module of its own reading nothing back
        address = list(range(n)) + [n + int(name[1:]) for name in names[n:-1]]
        by_address = {addr: int(labels[i]) for i, addr in enumerate(address)}
        out_label = labels[-1]
        for a in range(k):
            for b in range(k):
                if a == b or b == out_label:
                    continue
                assert E[a, b] == pytest.approx(literal_exchange(genome, n, g, by_address, a, b), abs=1e-9)
                checked += 1
    assert checked > 60


# --- score, search, sampling, bad partitions ----------------------------------------

def test_baseline_is_the_mean_over_every_same_size_partition_when_few():
    prog = circuit(**ABC)
    labels = [0, 0, 1, 1, 1]
    flow = infoflow.information_flow(prog, labels, n_random=1000)
    from itertools import combinations

    totals = []
    for first in combinations(range(5), 2):
        lab = [0 if v in first else 1 for v in range(5)]
        totals.append(infoflow.exchange(prog, lab).sum())
    assert flow.baseline == pytest.approx(np.mean(totals))
    assert flow.score == pytest.approx(1 - flow.total / np.mean(totals))


def test_search_never_does_worse_than_its_start_and_exhaustive_is_best():
    prog = circuit(4, [(0, 1), (2, 3), (4, 5), (6, 6)], [7])
    exhaustive = infoflow.search(prog, 2)
    climbed = infoflow.search(prog, 2, exhaustive_limit=0, restarts=6)
    assert climbed.score <= exhaustive.score + 1e-12
    start = np.array([0, 0, 1, 1, 0, 1, 0, 0, 0])
    from_start = infoflow.search(prog, 2, start=start, exhaustive_limit=0, restarts=0)
    assert from_start.score >= infoflow.information_flow(prog, start).score - 1e-12


def test_sampled_rows_when_exact_would_be_too_costly():
    prog = circuit(4, [(0, 1), (2, 3), (4, 5), (6, 6)], [7])
    labels = [0, 0, 1, 1, 0, 1, 0, 0, 0]
    exact = infoflow.information_flow(prog, labels)
    sampled = infoflow.information_flow(prog, labels, max_evaluations=100)
    assert exact.exact and not sampled.exact
    assert np.isfinite(sampled.score)


@pytest.mark.parametrize("labels, message", [
    ([0, 0, 1], "got 3 labels, the graph has 5 nodes"),
    ([0, 0, 2, 2, 2], "module 1 is empty"),
    ([0, 0, -1, 1, 1], "module numbers"),
])
def test_bad_partitions_get_a_clear_error(labels, message):
    prog = circuit(**ABC)
    with pytest.raises(infoflow.PartitionError, match=message):
        infoflow.information_flow(prog, labels)


# --- record columns -------------------------------------------------------------------

def test_run_logs_info_flow_and_coverage_at_modularity_generations(tmp_path):
    import json

    import pyarrow.parquet as pq

    from evomod.engine import run
    from evomod.io.genome_file import read_genome
    from evomod.io.run_dir import write_run
    from evomod.measures import functional

    cfg = C.load("ka2005-logic-mvg", ["population=200", "selection.elite=60", "modularity.every=50",
                                      "modularity.info_flow=true", "modularity.coverage=true",
                                      "modularity.n_random=50"], generations=301)
    out = write_run(run(cfg), tmp_path / "run")
    cols = pq.read_table(out / "records.parquet").to_pydict()
    measured = [g for g, v in zip(cols["generation"], cols["info_flow"]) if v == v]
    assert measured == list(range(0, 301, 50))
    assert [g for g, v in zip(cols["generation"], cols["coverage"]) if v == v] == measured
    assert all(-1 <= v <= 1 for v in cols["info_flow"] if v == v)
    # the last generation was measured: the summary's partition is the logged one, and coverage
    # recomputed from best.json by another path agrees
    summary = json.loads((out / "summary.json").read_text())
    assert summary["modularity"]["info_flow"]["score"] == pytest.approx(cols["info_flow"][-1], abs=1e-6)
    data = read_genome(out / "best.json")
    program = data["rep"].program(data["genome"], data["inputs"])
    goals = functional.goal_subgoals(data["goal"]["expressions"], data["inputs"])
    assert functional.coverage(program, goals)["coverage"] == cols["coverage"][-1]
    flow = infoflow.information_flow(program, summary["modularity"]["info_flow"]["labels"], n_random=100)
    assert flow.total == pytest.approx(summary["modularity"]["info_flow"]["total"], abs=1e-5)
    # off by default: the columns stay NaN
    plain = run(C.load("ka2005-logic-mvg", ["population=200", "selection.elite=60", "modularity.every=50"],
                       generations=60))
    assert np.isnan(plain.records.columns()["info_flow"]).all()
    assert "info_flow" not in plain.modularity


@pytest.mark.slow
def test_replication_measures_beyond_q_are_the_direct_computations(quick_replication):
    import json

    from evomod.io.genome_file import read_genome
    from evomod.measures import functional
    from evomod.replicate import collect, get
    from evomod.replicate.measures import BEYOND_Q

    out = quick_replication("ka2005-logic")
    values = collect(out, get("ka2005-logic"), names=list(BEYOND_Q))
    import pyarrow.parquet as pq

    from evomod.study.results import documents

    run_id = sorted(pq.read_table(out / "runs.parquet").column("run_id").to_pylist())[0]
    summary = json.loads(documents(out, [run_id], "summary")[run_id])
    cond = next(c["label"] for c in json.loads((out / "study.json").read_text())["cells"]
                if run_id.startswith(c["key"]))
    data = read_genome(out / run_id / "best.json", text=documents(out, [run_id], "best")[run_id])
    labels = summary["modularity"]["labels"]
    program = data["rep"].program(data["genome"], data["inputs"])
    checks = functional.check(data["genome"], data["rep"], data["inputs"], data["goal"]["expressions"], labels)
    first = {name: v[0] for name, v in values[cond].items()}
    assert first["final_info_flow_q"] == pytest.approx(infoflow.information_flow(program, labels).score)
    assert first["final_info_flow"] == pytest.approx(infoflow.search(program, 2, start=labels).score)
    assert first["final_task_nmi"] == pytest.approx(checks["nmi"])
    assert first["mutation_inside"] == pytest.approx(checks["mutation"]["inside"])
    assert first["final_coverage"] == pytest.approx(checks["coverage"])


def test_sampled_rows_of_a_ten_input_circuit_estimate_the_exact_value():
    # 1,024 rows: past the default budget, 256 rows stand in; a relay of NAND(in0, in1) passes H(1/4, 3/4)
    prog = circuit(10, [(0, 1), (10, 10)], [11])
    labels = [0] * 10 + [0, 1, 1]
    exact = infoflow.exchange(prog, labels)[0, 1]
    assert exact == pytest.approx(H(1 / 4, 3 / 4), abs=1e-12)
    sampled = infoflow.information_flow(prog, labels, n_random=5)
    assert not sampled.exact and sampled.exchange[0, 1] == pytest.approx(exact, abs=0.05)


def test_a_partition_scores_the_same_measured_alone_or_found_by_the_search():
    prog = circuit(4, [(0, 1), (2, 3), (4, 5), (6, 6), (0, 7), (2, 8)], [8, 9])
    found = infoflow.search(prog, 2, exhaustive_limit=0, restarts=3, n_random=20)
    alone = infoflow.information_flow(prog, found.labels, n_random=20)
    assert alone.score == found.score and alone.baseline == found.baseline

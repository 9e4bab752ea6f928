"""Broadness measures (evomod.measures.robustness) on hand-built circuits
and networks whose single mutations are counted on paper."""

import json

import numpy as np
import pytest

from evomod import config as C
from evomod.cli import main
from evomod.measures import robustness as R
from evomod.problems.goals import parse


def circuit(gates, goal):
    return C.representation_of(C.load("ka2005-logic-g1", [f"representation.gates={gates}", "task.inputs=['x', 'y']",
                                                          f"task.goals={{G1 = '{goal}'}}"]))


# g0 = NAND(x, y), g1 = NAND(x, x) unused, out = g0; addresses x 0, y 1, g0 2, g1 3.
# Every locus can take 3 other addresses: 15 single mutations. By hand, per locus:
#   g0.a -> y: ~y (3/4); -> g0: feedback, settles only where y = 0 (2/4); -> g1: NAND(~x, y) (2/4)
#   g0.b -> x: ~x (3/4); -> g0: settles only where x = 0 (2/4); -> g1: NAND(x, ~x) = 1 (3/4)
#   g1.a, g1.b: any address, g1 stays unused: 6 neutral mutants (4/4)
#   out -> x (1/4); -> y (1/4); -> g1 = ~x (3/4)
TWO_GATES = np.array([0, 1, 0, 0, 2])
BY_HAND = [0.75, 0.5, 0.5, 0.75, 0.5, 0.75, 1, 1, 1, 1, 1, 1, 0.25, 0.25, 0.75]


def test_single_mutations_of_a_two_gate_circuit_by_hand():
    rep, target = circuit(2, "~(x & y)"), parse("~(x & y)", ["x", "y"])[None, :]
    mutants, loci = R.neighbours(rep, TWO_GATES)
    assert len(mutants) == 15 and np.bincount(loci).tolist() == [3] * 5
    assert all((m != TWO_GATES).sum() == 1 for m in mutants)  # each changes exactly one locus
    assert R.performances(rep, mutants, target).tolist() == BY_HAND
    r = R.robustness(rep, TWO_GATES, target, walks=200, steps=3)
    assert r["performance"] == 1.0 and r["mutations"] == 15
    assert r["neutrality"] == pytest.approx(6 / 15)
    assert r["neutrality_effective"] == 0.0  # only mutations of the unused gate are neutral
    assert r["mean_mutant_all"] == pytest.approx(11 / 15)
    assert r["mean_mutant"] == pytest.approx(5 / 9)  # loci of g0 and the output
    assert np.isnan(r["neutrality_steps"])


def test_random_single_mutations_are_uniform_over_the_neighbourhood():
    rep, target = circuit(2, "~(x & y)"), parse("~(x & y)", ["x", "y"])[None, :]
    walks = R.random_walks(rep, TWO_GATES, target, walks=3000, steps=1, seed=1)
    # the mean of a uniform draw from BY_HAND is 11/15, with a standard error of ~0.005
    assert walks[:, 0].mean() == pytest.approx(11 / 15, abs=0.025)
    assert (walks[:, 0] == 1).mean() == pytest.approx(6 / 15, abs=0.04)


def test_basin_counts_walks_that_never_fall_below_95_percent():
    rep, target = circuit(2, "~(x & y)"), parse("~(x & y)", ["x", "y"])[None, :]
    r = R.robustness(rep, TWO_GATES, target, walks=500, steps=2, seed=3)
    after = r["after"]
    assert after[0]["basin"] == pytest.approx(after[0]["perfect"])  # 4 rows: >= 95% means perfect
    assert after[1]["basin"] <= after[0]["basin"] and r["basin_95"] == after[1]["basin"]
    assert all(0 <= a["mean"] <= 1 and sorted(a["quantiles"]) == a["quantiles"] for a in after)


def network(fan_in=()):
    sets = ["representation.name=layered", "representation.layers=[2, 1]", "representation.weights=[-1, 1]",
            "representation.biases=[-1, 0, 1]", "task.inputs=['a', 'b']", "task.goals={G1 = 'a'}",
            "schedule.name=fixed", "schedule.goals=['G1']", "selection.pm=1.0"]
    if fan_in:
        sets.append(f"representation.fan_in={list(fan_in)}")
    return C.representation_of(C.load("ka2005-logic-g1", sets))


def test_single_mutations_of_a_one_neuron_network_by_hand():
    # out = tanh20(1 * a + 0 * b + 0) > 0, i.e. out = a (inputs -1 / +1): perfect on goal 'a'.
    rep, target = network(), parse("a", ["a", "b"])[None, :]
    genome = np.array([1, 0, 0], dtype=np.int8)  # slot a->out = 1, slot b->out empty, bias 0
    mutants, loci = R.neighbours(rep, genome)
    # weight of a: -1 (out = not a: 0/4) or removed (pre = 0, out false: 2/4); b added with -1 (pre = a - b:
    # true only for a = 1, b = 0: 3/4) or +1 (a + b > 0 only for both on: 3/4); bias -1 (a - 1 > 0 never: 2/4)
    # or +1 (a + 1 > 0 iff a on: 4/4, the one neutral mutant)
    expected = {(0, -1): 0.0, (0, 0): 0.5, (1, -1): 0.75, (1, 1): 0.75, (2, -1): 0.5, (2, 1): 1.0}
    got = {(int(locus), int(m[locus])): p for m, locus, p in zip(mutants, loci, R.performances(rep, mutants, target))}
    assert got == expected
    r = R.robustness(rep, genome, target, walks=100, steps=2)
    assert r["neutrality"] == pytest.approx(1 / 6) and r["mean_mutant"] == pytest.approx(3.5 / 6)
    assert r["neutrality_steps"] == 0.0  # the one step, 1 -> -1, inverts the output
    assert np.isnan(r["neutrality_effective"])


def test_fan_in_caps_and_weight_steps_limit_the_neighbourhood():
    capped = network(fan_in=[1])
    genome = np.array([1, 0, 0], dtype=np.int8)
    _, loci = R.neighbours(capped, genome)
    assert np.bincount(loci, minlength=3).tolist() == [2, 0, 2]  # the output is full: b cannot be added
    wide = C.representation_of(C.load("ka2005-logic-g1", [
        "representation.name=layered", "representation.layers=[2, 1]", "representation.weights=[-2, -1, 1, 2]",
        "task.inputs=['a', 'b']", "task.goals={G1 = 'a'}", "schedule.name=fixed", "schedule.goals=['G1']"]))
    steps = R.weight_steps(wide, np.array([1, -2, 0], dtype=np.int8))
    assert sorted(map(tuple, steps.tolist())) == [(-1, -2, 0), (1, -1, 0), (2, -2, 0)]


def test_robustness_command(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", "--generations", "40", "--out", str(run), "-q", "--set", "population=60",
                 "--set", "selection.elite=20", "--set", "modularity.every=0"]) == 0
    capsys.readouterr()
    assert main(["robustness", str(run / "best.json"), "--json", "--walks", "50", "--steps", "2"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-finite {c}"))
    assert out["mutations"] == 25 * 15 and len(out["after"]) == 2 and out["neutrality_steps"] is None
    assert main(["robustness", str(run / "best.json"), "--walks", "20"]) == 0
    assert "single mutations" in capsys.readouterr().out
    assert main(["robustness", str(run / "best.json"), "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err
    assert main(["robustness", str(tmp_path / "missing.json")]) == 2

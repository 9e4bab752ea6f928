"""The exact solver of evomod feasible, against facts computed without it.

Independent facts: every network of small architectures enumerated here with
bit masks (no code shared with the solver); hand-built networks; evomod's own
numba kernel of the layered representation; the retina object rule.
"""

import itertools
import json
import random

import numpy as np
import pytest

pytest.importorskip("ortools")

from evomod.cli import main  # noqa: E402
from evomod.problems import goals as G  # noqa: E402
from evomod.problems.retina import retina_goals  # noqa: E402
from evomod.representations.layered import feasible as fz  # noqa: E402

LIMIT = dict(time_limit=60, workers=1)
PRESET_BIASES = (-2, -1, 0, 1, 2)


# --- brute force: every truth table a network can compute --------------------------------

def _neuron_tables(srcs, cap, biases, full):
    """Truth tables (bit masks over rows) of one threshold neuron reading <= `cap` of `srcs`."""
    out = set()
    for k in range(min(cap, len(srcs)) + 1):
        for sub in itertools.combinations(range(len(srcs)), k):
            for signs in itertools.product((-1, 1), repeat=k):
                by_sum = {}
                for bits in itertools.product((0, 1), repeat=k):
                    m = full
                    for bit, i in zip(bits, sub):
                        m &= srcs[i] if bit else ~srcs[i] & full
                    s = sum(w * b for w, b in zip(signs, bits))
                    by_sum[s] = by_sum.get(s, 0) | m
                for b in biases:
                    out.add(sum(m for s, m in by_sum.items() if s + b > 0))
    return out


def _inputs(n):
    """Input masks in evomod's row order: input k is bit n-1-k of row r."""
    return [sum(1 << r for r in range(1 << n) if (r >> (n - 1 - k)) & 1) for k in range(n)]


def _brute_best(n, hidden, cap_h, cap_o, biases, goal_mask):
    """Best correct rows of any n-`hidden`-1 network, by enumerating all of them."""
    rows, full = 1 << n, (1 << (1 << n)) - 1
    best = 0
    for combo in itertools.combinations_with_replacement(sorted(_neuron_tables(_inputs(n), cap_h, biases, full)),
                                                         hidden):
        for out in _neuron_tables(list(combo), cap_o, biases, full):
            best = max(best, rows - bin((out ^ goal_mask) & full).count("1"))
    return best


def _mask(goal):
    return sum(1 << r for r, g in enumerate(goal) if g)


# --- hand-checkable cases ----------------------------------------------------------------

def test_two_input_goals_by_hand():
    """XOR: one threshold neuron gets 3 of 4 rows (a line cuts off at most... 3 of XOR's 4 points),
    two hidden neurons get all 4; AND is one neuron (x + y - 1 > 0)."""
    xor, and_ = [0, 1, 1, 0], [0, 0, 0, 1]
    one = fz.Architecture((2, 1), (2,), (-1, 0, 1))
    r = fz.solve(one, [xor], **LIMIT)
    assert (r.status, r.value, r.bound) == ("OPTIMAL", 3, 3)
    assert fz.solve(one, [and_], **LIMIT).value == 4
    r = fz.solve(fz.Architecture((2, 2, 1), (2, 2), (-1, 0, 1)), [xor], **LIMIT)
    assert (r.value, r.bound) == (4, 4)
    assert fz.evaluate(fz.Architecture((2, 2, 1), (2, 2), (-1, 0, 1)), r.network)[0].tolist() == [0, 1, 1, 0]
    # fan-in 1 at the output: the output copies or negates one hidden neuron (a single threshold): 3/4
    assert fz.solve(fz.Architecture((2, 2, 1), (2, 1), (-1, 0, 1)), [xor], **LIMIT).value == 3


def test_two_input_enumeration_every_goal():
    """All 16 two-input goals on a 2-1 network: 14 reachable exactly (the threshold functions), XOR and
    XNOR at 3/4 -- the optimum by enumeration of every network."""
    arch = fz.Architecture((2, 1), (2,), PRESET_BIASES)
    tables = _neuron_tables(_inputs(2), 2, PRESET_BIASES, 0xF)
    for t in range(16):
        goal = [(t >> r) & 1 for r in range(4)]
        expected = max(4 - bin(t ^ u).count("1") for u in tables)
        r = fz.solve(arch, [goal], **LIMIT)
        assert r.optimal and r.value == expected
    assert len(tables) == 14


@pytest.mark.parametrize("seed", range(5))
def test_three_inputs_match_brute_force(seed):
    rng = random.Random(seed)
    goal = [rng.random() < 0.5 for _ in range(8)] if seed else [bin(r).count("1") % 2 for r in range(8)]
    arch = fz.Architecture((3, 2, 1), (2, 2), (-1, 0, 1))
    r = fz.solve(arch, [goal], **LIMIT)
    assert r.optimal and r.value == _brute_best(3, 2, 2, 2, (-1, 0, 1), _mask(goal))
    assert fz.solve(arch, [goal], symmetry=False, cells=False, **LIMIT).value == r.value


@pytest.mark.parametrize("cap_o", [1, 2])
def test_spare_hidden_neurons_match_brute_force(cap_o):
    """More hidden neurons than the output can read: some must stay unused (a case that once broke the
    symmetry breaking)."""
    goal = [random.Random(11).random() < 0.5 for _ in range(8)]
    arch = fz.Architecture((3, 3, 1), (2, cap_o), (-1, 0, 1))
    assert fz.solve(arch, [goal], **LIMIT).value == _brute_best(3, 3, 2, cap_o, (-1, 0, 1), _mask(goal))


def test_four_inputs_match_brute_force():
    goal = [random.Random(7).random() < 0.3 for _ in range(16)]
    arch = fz.Architecture((4, 2, 1), (3, 2), PRESET_BIASES)
    assert fz.solve(arch, [goal], **LIMIT).value == _brute_best(4, 2, 3, 2, PRESET_BIASES, _mask(goal))


def test_deeper_network_cells_agree_with_rows():
    """The cell model (layers above the first over layer 1's value combinations) and the row model agree."""
    goal = [random.Random(3).random() < 0.5 for _ in range(16)]
    arch = fz.Architecture((4, 2, 2, 1), (2, 2, 2), (-1, 0, 1))
    a = fz.solve(arch, [goal], cells=True, **LIMIT)
    b = fz.solve(arch, [goal], cells=False, symmetry=False, **LIMIT)
    assert a.optimal and b.optimal and a.value == b.value


# --- the retina ----------------------------------------------------------------------------

LEFT = {15, 7, 5, 13, 1, 11, 4, 14}   # pixels 0-3 as bits 0-3 (papers.md section 2)


def _is_object(h):
    """papers.md section 2: >= 3 pixels on, or 1-2 on and all in the outer column."""
    return bin(h).count("1") >= 3 or (h != 0 and h & 0b1010 == 0)


def test_object_rule():
    assert {h for h in range(16) if _is_object(h)} == LEFT


HALF_W, HALF_B = fz._HALF_W, fz._HALF_B  # the package's hand-built half network, checked here


def _pixel_net(w, b, v):
    vals = [(v >> i) & 1 for i in range(len(w[0][0]))]
    for wl, bl in zip(w, b):
        vals = [int(sum(x * y for x, y in zip(row, vals)) + c > 0) for row, c in zip(wl, bl)]
    return vals


def test_half_network_is_the_object_rule():
    assert all(_pixel_net(HALF_W, HALF_B, h)[0] == _is_object(h) for h in range(16))


_witness = fz.retina_witness


def test_witness_solves_both_retina_goals_with_one_hidden_network():
    goals = {k: G.unpack(v[0], 8) for k, v in retina_goals().items()}
    arch = fz.Architecture((8, 8, 4, 2, 2), (3, 3, 3, 2), PRESET_BIASES)
    net = _witness((-1, 0))
    fz.check_network(arch, net)
    outs = fz.evaluate(arch, net)
    assert fz.correct_rows(outs[0], goals["L-AND-R"]) == 256
    assert fz.correct_rows(outs[1], goals["L-OR-R"]) == 256


def test_evaluate_matches_evomod_kernel():
    """An imperfect 8-8-4-2-1 network gives the same rows under evomod's numba kernel."""
    from evomod.representations.layered import kernels as K

    arch = fz.Architecture((8, 8, 4, 2, 1), (4, 3, 3, 2), PRESET_BIASES)
    net = _witness((-1,))
    net.weights[0][0][5] = 1  # a fourth input: the network is no longer perfect
    spec = K.LayeredSpec(layers=arch.layers, weights=(-1, 1), biases=arch.biases, activation="step",
                         input_values=(0, 1), fan_in=arch.fan_in)
    ka = spec.kernel_args()
    start = [int(x) for x in ka["layer_start"]]  # global index of each layer's first node
    genome = np.zeros(spec.n_loci, dtype=np.int8)
    for s, (src, dst) in enumerate(zip(ka["slot_src"], ka["slot_dst"])):
        t = max(k for k in range(len(arch.layers)) if start[k] <= src)
        genome[s] = net.weights[t][int(dst) - start[t + 1]][int(src) - start[t]]
    genome[ka["n_slots"]:] = [b for layer in net.biases for b in layer]
    out = np.zeros((1, 1, 4), dtype=np.uint64)
    K.evaluate(genome[None, :], ka["net"], G.input_tables(8), 256, np.ones(1, dtype=np.bool_), out)
    mine = fz.evaluate(arch, net)[0]
    assert G.unpack(out[0, 0], 8).tolist() == mine.tolist()
    assert 0 < fz.correct_rows(mine, G.unpack(retina_goals()["L-AND-R"][0], 8)) < 256


def test_single_neuron_on_retina_matches_enumeration():
    goal = G.unpack(retina_goals()["L-AND-R"][0], 8)
    r = fz.solve(fz.Architecture((8, 1), (3,), PRESET_BIASES), [goal], **LIMIT)
    full = (1 << 256) - 1
    best = max(256 - bin(t ^ _mask(goal)).count("1") for t in _neuron_tables(_inputs(8), 3, PRESET_BIASES, full))
    assert r.optimal and r.value == best


def test_architecture_of_rejects_what_is_not_modelled():
    from evomod import config

    arch = fz.architecture_of(config.load("ka2005-retina3-fixed").representation)
    assert (arch.layers, arch.fan_in, arch.biases) == ((8, 4, 2, 1), (3, 3, 2), PRESET_BIASES)
    with pytest.raises(ValueError, match="activation"):
        fz.architecture_of(config.load("clune2013-pa").representation)
    with pytest.raises(ValueError, match="weights"):
        fz.architecture_of(config.load("ka2005-retina3-fixed", ["representation.weights=[-2,-1,1,2]"])
                           .representation)


# --- the command ------------------------------------------------------------------------------

XOR_TOML = """population = 20
[task]
name = "logic"
inputs = ["x", "y"]
[task.goals]
X = "x ^ y"
A = "x & y"
[representation]
name = "layered"
layers = [2, 2, 1]
weights = [-1, 1]
biases = [-1, 0, 1]
activation = "step"
input_values = [0, 1]
fan_in = [2, 2]
mutation = "point"
initial_connections = [0, 3]
[selection]
name = "elite"
elite = 5
[schedule]
name = "fixed"
goals = ["X"]
"""


def test_command_json(tmp_path, capsys):
    cfg = tmp_path / "xor.toml"
    cfg.write_text(XOR_TOML)
    assert main(["feasible", str(cfg), "--goal", "X", "--goal", "A", "--shared", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(a["question"], a["status"], a["best"], a["bound"]) for a in out["answers"]] == [
        ("X", "OPTIMAL", 4, 4), ("A", "OPTIMAL", 4, 4), ("X + A (shared hidden layers)", "OPTIMAL", 4, 4)]
    assert main(["feasible", str(cfg), "--set", "representation.layers=[2,1]", "--set",
                 "representation.fan_in=[2]"]) == 0
    assert "X: best 3/4 rows (75.0%), proven optimal" in capsys.readouterr().out
    # a 2-1 network: XOR reaches 3/4 at best (above), AND all 4 rows
    assert main(["feasible", str(cfg), "--set", "representation.layers=[2,1]", "--set",
                 "representation.fan_in=[2]", "--goal", "X", "--goal", "A", "--target", "0.8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "X: no network reaches >= 4/4 rows (proven)" in lines[1]
    assert "A: yes: a network reaches >= 4/4 rows" in lines[2]


def test_command_bad_input_is_one_line(tmp_path, capsys):
    cfg = tmp_path / "xor.toml"
    cfg.write_text(XOR_TOML)
    for argv, key in ((["feasible", str(cfg), "--goal", "Q"], "--goal Q"),
                      (["feasible", "clune2013-pa"], "representation.activation"),
                      (["feasible", "ka2005-retina-fixed", "--variant", "nope"], "allowed: thresholds-wide"),
                      (["feasible", str(cfg), "--shared"], "--shared"),
                      (["feasible", str(cfg), "--target", "1.5"], "--target")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and key in err


def test_docstring_examples():
    import doctest

    result = doctest.testmod(fz, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0


def test_retina_report_section_puts_the_solver_beside_evolution(tmp_path, monkeypatch):
    """The four-layer default admits the modular witness (256/256); the three-layer variant does not,
    and the solver's answer for it is never above the rows that exist."""
    import json

    from evomod.replicate import retina_feasibility as RF
    from evomod.replicate.experiments import KA_RETINA

    monkeypatch.setattr(RF, "TIME_LIMIT", 1.0)
    values = {"fixed": {"final_performance": np.array([0.84375, 0.8125])}, "MVG": {"final_performance": np.array([])}}
    for variant, witness in (("", [256, 256]), ("three-layer", None)):
        (tmp_path / "replicate.json").write_text(json.dumps({"variant": variant, "quick": False}))
        lines, data = RF.section(tmp_path, KA_RETINA, values)
        text = "\n".join(lines)
        assert data["witness"] == witness
        assert data["layers"] == ([8, 8, 4, 2, 1] if not variant else [8, 4, 2, 1])
        assert "fixed: best 216/256, median 212/256 (2 runs)" in text
        for answer in data["solver"].values():
            assert answer["best"] is None or 0 <= answer["best"] <= answer["bound"] <= 256
        assert len(data["solver"]) == 3

"""Noisy scoring (``fitness.noise``): the flip masks, the noisy kernel path,
determinism, and noise-free records."""

import numpy as np
import pytest
from conftest import config_with
from scipy.stats import binomtest
from test_checkpoint import Crash, crash_after_saves, same_records

from evomod import config as C
from evomod.engine import checkpoint, noise, run
from evomod.problems.goals import input_tables, parse, row_mask, unpack
from evomod.registry import ConfigError
from evomod.rng import seeded_state

SMALL = {"population": 80, "generations": 150, "selection": {"elite": 20}, "modularity": {"every": 0},
         "schedule": {"name": "fixed", "goals": ["G1"]}}


@pytest.mark.parametrize("p", [0.01, 0.1, 0.5])
def test_flip_rate_matches_p(p):
    valid = row_mask(4)  # 16 rows in one word: the other 48 bits must stay clear
    out = np.zeros((4, 1), np.uint64)
    state, ones, draws = seeded_state(7), 0, 2000
    for _ in range(draws):
        noise.flip_mask(state, p, valid, out)
        assert not (out & ~valid).any()
        ones += int(sum(bin(int(v)).count("1") for v in out.ravel()))
    n = draws * 4 * 16
    assert binomtest(ones, n, p).pvalue > 1e-3  # the flip rate is p


def test_p_zero_flips_nothing():
    out = np.ones((2, 2), np.uint64)
    noise.flip_mask(seeded_state(1), 0.0, row_mask(7), out)
    assert not out.any()


def test_a_nand_gate_on_noisy_inputs_reads_the_flipped_bits():
    # one gate, g0 = NAND(x, y), read by the output; inputs x, y (4 rows)
    rep = C.representation_of(C.load("ka2005-logic-g1", ["task.inputs=['x','y']", "task.goals={G1='x & y'}",
                                                          "representation.gates=1"]))
    pop = rep.population(np.array([[0, 1, 2]]))
    flips = np.array([[0b0001], [0b0110]], np.uint64)  # x flipped on row 0; y on rows 1 and 2
    noise.evaluate_on(rep, pop, input_tables(2) ^ flips)
    x, y = unpack(input_tables(2)[0], 2), unpack(input_tables(2)[1], 2)
    x_seen, y_seen = x ^ np.array([1, 0, 0, 0], bool), y ^ np.array([0, 1, 1, 0], bool)
    assert (unpack(pop.tables[0, 0], 2) == ~(x_seen & y_seen)).all()
    assert (rep.inputs == input_tables(2)).all()  # the clean columns are back


def test_zero_noise_gives_the_noise_free_records():
    quiet = run(config_with(SMALL, seed=5))
    zero = run(config_with(SMALL, seed=5, fitness={"noise": {"inputs": 0.0, "labels": 0.0}}))
    same_records(quiet, zero)


def test_noisy_runs_are_deterministic_and_seeded():
    cfg = config_with(SMALL, seed=5, fitness={"noise": {"inputs": 0.05, "labels": 0.02}})
    a, b = run(cfg), run(cfg)
    same_records(a, b)
    other = run(config_with(SMALL, seed=6, fitness={"noise": {"inputs": 0.05, "labels": 0.02}}))
    assert not np.array_equal(a.records.columns()["best_fitness"], other.records.columns()["best_fitness"])


def test_noise_changes_what_selection_sees_but_records_are_noise_free():
    cfg = config_with(SMALL, seed=2, fitness={"noise": {"inputs": 0.1}})
    result = run(cfg)
    cols = result.records.columns()
    rep = C.representation_of(cfg)
    pop = rep.population(result.best_genome[None, :])
    rep.evaluate(pop)
    target = parse("(x ^ y) & (z ^ w)", ["x", "y", "z", "w"])
    right = (unpack(pop.tables[0, 0], 4) == unpack(target, 4)).mean()
    assert cols["best_performance"][-1] == result.best_performance == right  # the clean score
    # the fitness selection saw is noisy: over 150 generations it differs from the clean performance
    assert (cols["best_fitness"] != cols["best_performance"] - 0.2 * np.maximum(cols["n_effective"] - 11, 0)).any()


def test_noisy_run_resumes_to_the_uninterrupted_records(tmp_path, monkeypatch):
    cfg = config_with({**SMALL, "generations": 120}, seed=3, fitness={"noise": {"inputs": 0.05}})
    whole = run(cfg)
    path = tmp_path / "run.ckpt.npz"
    with monkeypatch.context() as m:
        crash_after_saves(m, 1)
        with pytest.raises(Crash):
            run(cfg, checkpoint=path, checkpoint_every=50)
    assert checkpoint.load(path, cfg)["generation"] == 50
    same_records(whole, run(cfg, checkpoint=path, checkpoint_every=50))


def test_bad_noise_is_one_line_naming_the_key():
    with pytest.raises(ConfigError, match=r"fitness\.noise\.inputs") as err:
        C.load("ka2005-logic-g1", ["fitness.noise.inputs=0.7"])
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="allowed here: inputs, labels"):
        C.load("ka2005-logic-g1", ["fitness.noise.flips=0.1"])

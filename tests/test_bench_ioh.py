"""IOHprofiler export: the direct writer against ioh's own logger, and the schema check."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pytest

from evomod.bench import ioh as X


def _fake_runs(seed, population, generations):
    """Best performance per generation on 64 cases, sometimes falling (a generational EA can lose its best)."""
    rnd = random.Random(seed)
    y, out = rnd.randint(20, 40) / 64, []
    for _ in range(generations):
        if rnd.random() < 0.3:
            y = min(1.0, y + rnd.randint(1, 4) / 64)
        elif rnd.random() < 0.1:
            y = max(0.0, y - 1 / 64)
        out.append(y)
        if y == 1.0:  # stop_on_solve
            break
    return out


def _replay_with_ioh(ioh, root, name, dimension, runs, population):
    """Feed each run's evaluations to ioh's Analyzer: generation t calls the problem S times; the
    generation's best is its last call (generation 0: its first), the others score 0."""
    seq, pos = [], [0]

    def f(_x):
        pos[0] += 1
        return seq[pos[0] - 1]

    ioh.problem.wrap_integer_problem(f, name, ioh.OptimizationType.MAX, lb=0, ub=1)
    problem = ioh.get_problem(name, 1, dimension, ioh.ProblemClass.INTEGER)
    logger = ioh.logger.Analyzer(root=str(root), folder_name="golden", algorithm_name="golden",
                                 algorithm_info="")
    problem.attach_logger(logger)
    x = np.zeros(dimension, dtype=int)
    for best in runs:
        seq.clear()
        pos[0] = 0
        for t, y in enumerate(best):
            seq.extend([y] + [0.0] * (population - 1) if t == 0 else [0.0] * (population - 1) + [y])
        for _ in seq:
            problem(x)
        problem.reset()
    logger.close()
    return root / "golden"


def test_writer_matches_ioh_logger(tmp_path):
    ioh = pytest.importorskip("ioh")
    population, dimension = 8, 35
    runs = [_fake_runs(s, population, 40) for s in range(5)]
    ours = X.write_folder(tmp_path / "ours", "lexicase", "S=8", {
        "bool-mux6": (dimension, [X.generational_run(b, population, seed=s) for s, b in enumerate(runs)])})
    golden = _replay_with_ioh(ioh, tmp_path, "evomod-replay-mux6", dimension, runs, population)
    mine, theirs = X.read_folder(ours), X.read_folder(golden)  # ioh's own output passes the check too
    assert len(mine) == len(theirs) == 5
    for a, b in zip(mine, theirs):
        assert a["rows"] == [(e, round(y, 10)) for e, y in b["rows"]]
        assert a["run"]["evals"] == b["run"]["evals"]
        assert a["run"]["best"]["evals"] == b["run"]["best"]["evals"]
        assert a["run"]["best"]["y"] == pytest.approx(b["run"]["best"]["y"])
        assert a["dimension"] == b["dimension"] == dimension
    meta = json.loads(next(ours.glob("*.json")).read_text())
    assert meta["function_id"] == 1 and meta["run_attributes"] == ["seed"]
    assert [r["seed"] for r in meta["scenarios"][0]["runs"]] == list(range(5))


def test_rows_by_hand():
    # S = 10; bests 0.5, 0.5, 0.75, 0.7: gen 0 at evaluation 1, the rise at the end of gen 2 (30),
    # the last evaluation (40) with its own value
    run = X.generational_run([0.5, 0.5, 0.75, 0.7], 10, seed=3)
    assert run.rows == [(1, 0.5), (30, 0.75), (40, 0.7)]
    assert (run.evals, run.best) == (40, (30, 0.75))
    assert X.generational_run([1.0], 100).rows == [(1, 1.0), (100, 1.0)]


@pytest.mark.parametrize("damage", ["drop_first_row", "drop_header", "wrong_evals", "old_version"])
def test_schema_check_rejects_broken_folders(tmp_path, damage):
    good = X.write_folder(tmp_path, "tournament", "", {
        "bool-parity4": (41, [X.generational_run(_fake_runs(s, 4, 30), 4) for s in range(3)])})
    X.read_folder(good)
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    dat, meta_file = next(bad.glob("data_f*/*.dat")), next(bad.glob("*.json"))
    lines = dat.read_text().splitlines()
    meta = json.loads(meta_file.read_text())
    if damage == "drop_first_row":
        dat.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    elif damage == "drop_header":
        dat.write_text("\n".join(lines[:1] + [ln for ln in lines[1:] if not ln.startswith("eval")]) + "\n")
    elif damage == "wrong_evals":
        meta["scenarios"][0]["runs"][0]["evals"] += 1
    else:
        meta["version"] = "0.3.2"
    if damage in ("wrong_evals", "old_version"):
        meta_file.write_text(json.dumps(meta))
    with pytest.raises(X.FormatError):
        X.read_folder(bad)


def test_function_ids_and_names(tmp_path):
    assert X.function_id("bool-mux6") == 1
    assert 1000 <= X.function_id("my-task") < 10000 and X.function_id("my-task") == X.function_id("my-task")
    with pytest.raises(ValueError):
        X.write_folder(tmp_path, "elite", "", {"bad_name": (3, [X.generational_run([0.5], 2)])})

"""Fuzz: hostile configs, --set values, TOML files, best.json files, checkpoints and study files.

Every input is a valid one, mutated (a key dropped, a value retyped, NaN or
infinity, a huge or negative number, deep nesting, truncated bytes, flipped
bytes, another representation's table). Invariants, for every case:

- the call ends within a time bound (an alarm turns a hang into a failure);
- it succeeds with valid output (every JSON written parses under a strict
  parser: no NaN or Infinity), or it fails with exit code 2 and exactly one
  line on stderr, no traceback (in-process: a ``ConfigError``, nothing else);
- a file given as input, and anything already in the working folder, is
  byte-identical afterwards; nothing appears outside ``--out``.

Budget: ``EVOMOD_FUZZ_EXAMPLES`` examples per test (default 12, which keeps
this file near half a minute on 2 cores); e.g. ``EVOMOD_FUZZ_EXAMPLES=500`` for a
longer search. ``--hypothesis-show-statistics`` prints how many cases ran.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import signal
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evomod import config as C
from evomod.cli import main
from evomod.registry import ConfigError

EXAMPLES = int(os.environ.get("EVOMOD_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SECONDS = 60  # a bound no valid tiny run comes near; a hang fails here
SMALL = ["--set", "population=30", "--set", "selection.elite=10", "--set", "modularity.n_random=20"]


@contextlib.contextmanager
def time_bound(seconds: int = SECONDS):
    def hang(signum, frame):
        raise AssertionError(f"no answer within {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def strict_loads(text: str):
    """json.loads refusing NaN, Infinity and -Infinity (not JSON)."""
    def refuse(token):
        raise AssertionError(f"non-JSON constant {token} written")

    return json.loads(text, parse_constant=refuse)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_cli(argv, capsys, folder: Path, out: Path | None = None) -> int:
    """Run ``evomod ARGV`` in-process and check the invariants; returns the exit code."""
    before = snapshot(folder)
    with time_bound():
        code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert code in (0, 2), (argv, code, captured.err)
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("evomod"), (argv, captured.err)
        assert "Traceback" not in captured.err
    after = snapshot(folder)
    for name, data in before.items():  # what was there is untouched
        assert after.get(name) == data, (argv, name)
    new = set(after) - set(before)
    if out is None or code == 2:
        assert not new, (argv, new)
    else:
        prefix = out.relative_to(folder).as_posix() + "/"
        assert all(n.startswith(prefix) for n in new), (argv, new)
        for name in new:
            if name.endswith(".json"):
                strict_loads(after[name].decode("utf-8"))
    return code


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fresh_out(folder: Path) -> Path:
    k = 0
    while (folder / f"out{k}").exists():
        k += 1
    return folder / f"out{k}"


# --- values --------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2, 10**9, 10**12, -(10**9)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e-308, 0.5]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", "nand", "layered", "elite", "lexicase", "G1", "../x", "x" * 500]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=8)


def toml_value(value) -> str:
    """``value`` written as a TOML value (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_text(raw: dict) -> str:
    """A nested mapping as a TOML document (top-level scalars first, then one table per section)."""
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for k, v in raw.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(k)}]")
            lines += [f"{json.dumps(kk)} = {toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def config_keys() -> list[str]:
    """Every dotted key of the default config and of a Clune preset (both representations)."""
    keys = set()
    for name in (C.DEFAULT_PRESET, "clune2013-pcc", "ka2005-retina-mvg"):
        def walk(table, prefix=""):
            for k, v in table.items():
                if isinstance(v, dict) and k not in ("goals", "args", "weights"):
                    walk(v, f"{prefix}{k}.")
                else:
                    keys.add(f"{prefix}{k}")
        walk(C.to_dict(C.load(name)))
    # the run's size stays small: generations and population are set by the test
    return sorted(keys - {"generations", "population"})


KEYS = config_keys()


def mutate(raw: dict, data) -> dict:
    """One mutation of a nested mapping: drop, retype or replace a leaf, or nest it deep."""
    out = copy.deepcopy(raw)
    paths = []

    def walk(table, prefix):
        for k, v in table.items():
            paths.append((*prefix, k))
            if isinstance(v, dict):
                walk(v, (*prefix, k))

    walk(out, ())
    path = data.draw(st.sampled_from(paths))
    parent = out
    for k in path[:-1]:
        parent = parent[k]
    how = data.draw(st.sampled_from(["drop", "value", "nest", "swap-table", "add"]))
    if how == "drop":
        del parent[path[-1]]
    elif how == "value":
        parent[path[-1]] = data.draw(VALUES)
    elif how == "nest":
        value = parent[path[-1]]
        for _ in range(data.draw(st.integers(1, 60))):
            value = [value]
        parent[path[-1]] = value
    elif how == "swap-table":  # another representation's (or selection's) table in its place
        other = C.to_dict(C.load("clune2013-pcc"))
        parent[path[-1]] = other.get(path[-1], other["representation"])
    else:
        parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(VALUES)
    return out


# --- configs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", [C.DEFAULT_PRESET, "clune2013-pcc", "ka2005-retina-fixed", "bool-mux6"])
@FUZZ
@given(data=st.data())
def test_mutated_configs_validate_or_raise_config_error(preset, data):
    raw = mutate(C.to_dict(C.load(preset)), data)
    with time_bound():
        try:
            C.validate(raw)
        except ConfigError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 2000


@FUZZ
@given(key=st.sampled_from(KEYS), value=VALUES)
def test_set_values_run_or_are_one_line(key, value, work, capsys):
    out = fresh_out(work)
    argv = ["run", "--generations", "2", "-q", *SMALL, "--set", f"{key}={toml_value(value)}", "--out", out]
    check_cli(argv, capsys, work, out)


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))),
       cut=st.integers(0, 4000))
def test_toml_files_run_or_are_one_line(text, cut, work, capsys):
    """Garbage, and a preset's own text cut short or with garbage spliced in."""
    preset = C.to_toml(C.load(C.DEFAULT_PRESET))
    for k, body in enumerate((text, preset[:cut], preset[:cut] + text + preset[cut:])):
        path = work / f"c{k}.toml"
        path.write_text(body, encoding="utf-8", errors="surrogatepass")
        out = fresh_out(work)
        check_cli(["run", path, "--generations", "2", "-q", *SMALL, "--out", out], capsys, work, out)


@FUZZ
@given(data=st.data())
def test_mutated_config_files_run_or_are_one_line(data, work, capsys):
    raw = mutate(C.to_dict(C.load(C.DEFAULT_PRESET, ["population=30", "selection.elite=10",
                                                      "modularity.n_random=20"], generations=2)), data)
    path = work / "c.toml"
    path.write_text(toml_text(raw), encoding="utf-8")
    try:
        tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError:
        pass  # a table nested in an array of the emitter's making; still a file the CLI must survive
    out = fresh_out(work)
    if isinstance(raw.get("population"), int) and raw["population"] > 10_000:
        return  # a valid huge population is a legitimate (slow) run, not a fault
    check_cli(["run", path, "-q", "--out", out], capsys, work, out)


# --- best.json ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def genomes(tmp_path_factory):
    """A best.json of a circuit and of a network."""
    folder = tmp_path_factory.mktemp("genomes")
    files = {}
    for name, extra in (("nand", []), ("clune2013-pa", ["--set", "selection.mu=15"])):
        argv = ["run", *([name] if name != "nand" else []), "--generations", "3", "-q",
                "--set", "population=30", "--set", "modularity.n_random=20", *extra]
        if name == "nand":
            argv += ["--set", "selection.elite=10"]
        assert main(argv + ["--out", str(folder / name)]) == 0
        files[name] = json.loads((folder / name / "best.json").read_text())
    return files


@FUZZ
@given(data=st.data(), which=st.sampled_from(["nand", "clune2013-pa"]),
       command=st.sampled_from([["show"], ["modularity"], ["modularity", "--measure", "functional"],
                                ["modularity", "--measure", "info-flow"]]))
def test_mutated_genome_files_are_read_or_one_line(data, which, command, genomes, work, capsys):
    raw = mutate(genomes[which], data)
    text = json.dumps(raw, allow_nan=True)
    if data.draw(st.booleans()):
        text = text[: data.draw(st.integers(0, len(text)))]
    path = work / "g.json"
    path.write_text(text)
    if command[-1] == "info-flow" and which != "nand":
        return  # a network's info-flow takes seconds a case: covered in tests/test_infoflow.py
    check_cli([command[0], path, *command[1:]], capsys, work)


# --- checkpoints ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ck")
    argv = ["run", "--generations", "40", "-q", *SMALL, "--checkpoint", str(folder / "s.npz"),
            "--checkpoint-every", "20", "--out", str(folder / "r")]
    from evomod.engine import checkpoint as _ck

    cfg = C.load(None, ["population=30", "selection.elite=10", "modularity.n_random=20"], generations=40)
    real_save = _ck.save
    kept = {}

    def keep(path, *args, **kwargs):  # the run deletes its checkpoint once complete: keep a copy
        real_save(path, *args, **kwargs)
        kept["bytes"] = Path(path).read_bytes()

    _ck.save = keep
    try:
        assert main(argv) == 0
    finally:
        _ck.save = real_save
    assert cfg.generations == 40 and kept
    return Blob(kept["bytes"])


class Blob(bytes):
    """Bytes that print short (Hypothesis prints its arguments on failure)."""

    def __repr__(self):
        return f"<checkpoint, {len(self)} bytes>"


@FUZZ
@given(data=st.data())
def test_damaged_checkpoints_resume_or_are_one_line(data, checkpoint_bytes, work, capsys):
    blob = bytearray(checkpoint_bytes)
    how = data.draw(st.sampled_from(["truncate", "flip", "zero", "append"]))
    if how == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            blob[data.draw(st.integers(0, len(blob) - 1))] ^= data.draw(st.integers(1, 255))
    elif how == "zero":
        start = data.draw(st.integers(0, len(blob) - 1))
        end = min(len(blob), start + data.draw(st.integers(1, 512)))
        blob[start:end] = bytes(end - start)
    else:
        blob += data.draw(st.binary(min_size=1, max_size=64))
    path = work / "s.npz"
    path.write_bytes(bytes(blob))
    out = fresh_out(work)
    code = None
    before = snapshot(work)
    with time_bound():
        code = main(["run", "--generations", "40", "-q", *SMALL, "--checkpoint", str(path),
                     "--checkpoint-every", "20", "--out", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert snapshot(work) == before  # the damaged file is left for the user to look at
    else:  # a change numpy's zip reader does not see (e.g. appended bytes): the run resumed and completed
        strict_loads((out / "summary.json").read_text())


# --- study files --------------------------------------------------------------------------------

STUDY = {"description": "fuzz", "base": "ka2005-logic-mvg", "seeds": 2, "seed": 1,
         "overrides": {"generations": 5, "population": 30, "selection.elite": 10},
         "grid": {"selection.pm": [0.5, 0.7]}}


@FUZZ
@given(data=st.data())
def test_mutated_study_files_load_or_raise_config_error(data, work):
    from evomod.study import expand, load_study

    raw = mutate(STUDY, data)
    with time_bound():
        try:
            study = load_study(raw)
        except ConfigError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 2000
            return
        if study.seeds * max(1, int(np.prod([len(a.overrides) for a in study.axes]))) > 10_000:
            return  # a legitimately huge (valid) study: expanding it is the scale tests' business
        try:
            runs = expand(study, work / "s")
        except ConfigError as exc:
            assert "\n" not in str(exc)
            return
    assert all(r.run_id for r in runs)

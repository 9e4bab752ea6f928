"""Shared helpers.

The numba kernels' argument lists are internal and may grow (e.g. scratch or
cache arrays added for speed). Tests call them through ``kernel_call``, which
passes arguments by parameter name, so a new parameter shows up as one clear
failure here instead of a TypeError in every test.
"""

import inspect

import numpy as np
import pytest

from evomod.problems.goals import input_tables, row_mask

# The start of a child script that SIGKILLs itself at its KILL_AT-th os.replace or os.fsync
# (0: never) and counts those calls; the writer fault tests append what the child runs.
KILL_AT_NTH_WRITE = r"""
import os, signal, sys
kill_at, count_file = int(os.environ["KILL_AT"]), os.environ.get("COUNT_FILE")
calls = [0]
def patched(real):
    def call(*args, **kwargs):
        calls[0] += 1
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
os.replace, os.fsync = patched(os.replace), patched(os.fsync)
"""


def kernel_call(fn, **available):
    """Call a numba kernel with the arguments its signature names."""
    py = getattr(fn, "py_func", fn)
    names = list(inspect.signature(py).parameters)
    missing = [n for n in names if n not in available]
    if missing:
        pytest.fail(f"{py.__name__} takes parameters the tests do not know: {missing}; "
                    "teach tests/conftest.py how to fill them")
    return fn(*[available[n] for n in names])


def evaluate_population(genomes, n, g, k, t, todo=None, out_tables=None, settled=None,
                        n_effective=None, effective=None):
    """Run ``circuits.evaluate``; returns a dict of every array it was given."""
    from evomod.representations.nand import kernels as circuits

    size = genomes.shape[0]
    w = ((1 << n) + 63) // 64
    arrays = dict(
        genomes=genomes, circuits=circuits.CircuitArrays(n, g, k, t, input_tables(n), row_mask(n)),
        todo=np.ones(size, dtype=np.bool_) if todo is None else todo,
        out_tables=np.zeros((size, k, w), dtype=np.uint64) if out_tables is None else out_tables,
        settled=np.zeros((size, w), dtype=np.uint64) if settled is None else settled,
        n_effective=np.zeros(size, dtype=np.int64) if n_effective is None else n_effective,
        effective=np.zeros(size, dtype=np.uint64) if effective is None else effective,
    )
    kernel_call(circuits.evaluate, **arrays)
    return arrays


def mutate_population(genomes, keep, pm, high, state, stale, n_gates, effective=None):
    """Run ``circuits.mutate``. ``effective`` (per-row bit set of effective
    gates, as ``evaluate`` writes it) defaults to "every gate effective", under
    which no mutation can be skipped as neutral."""
    from evomod.representations.nand import kernels as circuits

    if effective is None:
        effective = np.full(genomes.shape[0], np.uint64(2**64 - 1), dtype=np.uint64)
    kernel_call(circuits.mutate, genomes=genomes, keep=keep, pm=pm, high=high, state=state,
                stale=stale, effective=effective, n_gates=n_gates)


def config_with(base: dict, **over):
    """A validated config: ``base`` with ``over`` merged in (tables merged key by key)."""
    from evomod import config

    raw = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in over.items():
        if isinstance(value, dict):
            raw.setdefault(key, {}).update(value)
        else:
            raw[key] = value
    return config.validate(raw)


@pytest.fixture(scope="session")
def quick_replication(tmp_path_factory):
    """``quick_replication(name)``: the directory of ``evomod replicate NAME
    --quick``, run once per test session."""
    from evomod.cli import main

    root = tmp_path_factory.mktemp("replicate")
    done = {}

    def get(name):
        if name not in done:
            out = root / name
            assert main(["replicate", name, "--quick", "--out", str(out), "-q"]) == 0
            done[name] = out
        return done[name]
    return get

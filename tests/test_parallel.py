"""engine.parallel = true: the prange kernels give the serial run's records."""

import numpy as np
import pytest

from evomod import config as C
from evomod.engine import run
from evomod.registry import ConfigError


def _records(preset, overrides, generations, parallel, threads=0):
    cfg = C.load(preset, [*overrides, f"engine.parallel={str(parallel).lower()}", f"engine.threads={threads}"],
                 generations=generations, seed=5)
    return run(cfg).records.columns()


def _same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name


@pytest.mark.slow
@pytest.mark.parametrize("preset, overrides, generations", [
    # NAND circuits with feedback, Q_m logged; the elite step copies rows in place
    ("ka2005-logic-mvg", ["population=600", "selection.elite=150"], 120),
    # threshold networks with crossover; the retina task
    ("ka2005-retina-mvg", ["population=400", "selection.elite=100", "modularity.every=5"], 60),
    # Clune's networks under stochastic NSGA-II: every row copied to a spare population
    ("clune2013-pcc", ["population=300", "selection.mu=150", "modularity.every=0"], 15),
])
def test_parallel_run_gives_the_serial_records(preset, overrides, generations):
    serial = _records(preset, overrides, generations, False)
    _same(serial, _records(preset, overrides, generations, True, threads=2))
    _same(serial, _records(preset, overrides, generations, True, threads=1))


def test_engine_table_is_validated():
    with pytest.raises(ConfigError, match="engine.threads"):
        C.load(None, ["engine.threads=-1"])
    with pytest.raises(ConfigError, match="engine.parallel"):
        C.load(None, ["engine.parallel=3"])
    with pytest.raises(ConfigError, match="unknown key 'engine.workers'"):
        C.load(None, ["engine.workers=2"])

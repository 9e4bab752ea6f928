"""The shipped Q_rand / Q_max table is a pure memo: its entries are what the
null model computes now, and runs with or without it log the same values."""

import networkx as nx
import numpy as np
import pytest

from evomod import config as C
from evomod import modularity
from evomod.engine import run
from evomod.modularity import table as nulltable
from evomod.modularity.nullmodel import NULL_VERSION


@pytest.fixture(scope="module")
def table():
    return nulltable.load()


def test_table_is_shipped_for_the_current_null_model(table):
    assert len(table) >= 100
    assert {(k[0], k[1], k[2]) for k in table} == {(False, 1000, NULL_VERSION)}
    # Q_rand is a mean: where every realisation is equally modular it can sit
    # a rounding error above Q_max
    assert all(0 <= qr <= qx + 1e-9 and qx < 1 for qr, qx in table.values() if not np.isnan(qr))


def test_entries_are_what_the_null_model_computes(table):
    keys = sorted((k for k, v in table.items() if not np.isnan(v[0])), key=lambda k: (len(k[3]), k[3]))
    for key in (keys[0], keys[len(keys) // 2], keys[-1]):
        degrees = list(key[3])
        # an independent realisation of the sequence (networkx's Havel-Hakimi)
        A = nx.to_numpy_array(nx.havel_hakimi_graph(degrees))
        fresh = modularity.DegreeCache()
        modularity.qm(A, n_random=1000, cache=fresh)
        assert fresh.entries() == {key: table[key]}


def test_runs_log_the_same_values_without_the_table(monkeypatch):
    cfg = C.validate({"population": 100, "generations": 25, "selection": {"elite": 30}, "seed": 2})
    with_table = run(cfg)
    assert with_table.modularity["cache_hit_rate"] > 0
    monkeypatch.setattr(nulltable, "load", lambda: {})
    without = run(cfg)
    assert without.modularity["cache_hit_rate"] < with_table.modularity["cache_hit_rate"]
    a, b = with_table.records.columns(), without.records.columns()
    for name in ("q", "qm"):
        assert np.array_equal(a[name], b[name], equal_nan=True), name

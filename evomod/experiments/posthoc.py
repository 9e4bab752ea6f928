"""Measures of a final best (or any genome) that the seeds' experiments take after the runs.

``reach``: how far input information gets (how many inputs the output
depends on, and how many nodes depend on some input); ``input_nmi``: the
agreement of a partition's modules on the inputs with a split of the
inputs; ``qm_of``: Q_m of a genome with the run's settings (networks log Q
alone during a run). Everything here reads a run through ``RunView``.
"""

from __future__ import annotations

import math

import numpy as np


def dependence(values: np.ndarray, n_inputs: int) -> np.ndarray:
    """bool (n_inputs, n_nodes): node v depends on input i (some row where
    flipping input i changes v's value). ``values`` int8 (2**N, n), rows in
    truth-table order (input 0 most significant).

    Examples
    --------
    >>> v = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=np.int8)  # a, b, NAND(a, b)
    >>> dependence(v, 2).astype(int).tolist()
    [[1, 0, 1], [0, 1, 1]]
    """
    rows = np.arange(values.shape[0])
    out = np.zeros((n_inputs, values.shape[1]), dtype=bool)
    for i in range(n_inputs):
        partner = rows ^ (1 << (n_inputs - 1 - i))
        out[i] = (values != values[partner]).any(axis=0)
    return out


def reach(rep, genome, inputs) -> dict:
    """``input_reach``: the fraction of the inputs the (first) output depends
    on; ``node_reach``: the fraction of the kept gates or neurons that depend
    on some input (the rest are constant); ``dependence``: the mean fraction
    of the inputs a kept gate or neuron depends on; ``constant``: 1 if the
    output is constant."""
    program = rep.program(genome, inputs)
    n = rep.n_inputs
    dep = dependence(program.values(), n)
    out_node = program.n_nodes - rep.n_outputs
    inner = np.arange(n, out_node)
    return {"input_reach": float(dep[:, out_node].mean()),
            "node_reach": float(dep[:, inner].any(axis=0).mean()) if inner.size else math.nan,
            "dependence": float(dep[:, inner].mean()) if inner.size else math.nan,
            "constant": float(not dep[:, out_node].any())}


def input_nmi(labels, names, split: list[set]) -> float:
    """NMI between the modules ``labels`` gives the inputs named in ``split``
    and the split itself (a list of sets of input names); NaN when the
    partition puts every input in one module and the split has two parts
    is 0 (NMI of a constant labelling)."""
    from evomod.measures.functional import agreement

    where = {name: k for k, part in enumerate(split) for name in part}
    members = [i for i, name in enumerate(names) if name in where]
    if len(members) < 2:
        return math.nan
    return agreement(np.asarray(labels)[members], [where[names[i]] for i in members])["nmi"]


def final_partition(view) -> dict:
    """The final best's best-Q partition and its numbers, as the run measured them (summary.json)."""
    mod = view.summary["modularity"]
    return {"labels": mod["labels"], "nodes": mod["nodes"], "q": mod.get("q"), "qm": mod.get("qm"),
            "q_rand": mod.get("q_rand"), "q_max": mod.get("q_max")}


def qm_of(rep, genome, directed: bool, method: str, n_random: int, seed: int = 0, cache=None):
    """``modularity.qm`` of a genome's graph (``QmResult``)."""
    from evomod import modularity as _mod

    A, _ = rep.to_graph(genome, None, directed)
    return _mod.qm(A, directed, n_random, seed, cache, method)


def run_qm(view, n_random: int) -> dict:
    """Q_m of a run's final best with the run's own Q settings: from
    summary.json when the run computed it, else computed here (networks)."""
    part = final_partition(view)
    if part["qm"] is not None or part["q_rand"] is not None:
        return {"qm": _num(part["qm"]), "q_rand": _num(part["q_rand"]), "q_max": _num(part["q_max"])}
    from evomod.modularity import DegreeCache

    mod_cfg = view.summary["config"]["modularity"]
    best = view.best
    cache = DegreeCache(view.out / "posthoc-qm-cache.json")
    r = qm_of(best["rep"], best["genome"], mod_cfg["directed"], mod_cfg["method"], n_random, cache=cache)
    cache.save()
    return {"qm": _num(r.qm), "q_rand": _num(r.q_rand), "q_max": _num(r.q_max)}


def _num(x) -> float:
    return math.nan if x is None else float(x)

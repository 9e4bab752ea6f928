"""Broadness of a solution: how much of its mutational neighbourhood still solves the task.

A *single mutation* changes one locus of the genome to another value it may
take: for a NAND circuit, one input address of a gate or the address an
output reads (any other address, as Kashtan & Alon's mutation draws); for a
layered network, one connection slot (another weight, or 0 to remove it, or
a weight in an empty slot whose target is below its fan-in cap) or one bias
(another value). Every single mutation is listed by :func:`neighbours`.

Measures (``robustness``):

* **mean mutant performance**: the mean performance over all single
  mutants (how slowly performance falls around the solution), over all
  loci (``mean_mutant_all``) and, the headline ``mean_mutant``, for
  circuits over the loci of the effective gates and the outputs only (a
  mutation of an unused gate is neutral by construction, and how many
  gates are unused is set by the circuit's size), for networks over all
  loci;
* **neutrality**: the fraction of all single mutations after which the
  performance is at least the solution's own (for a perfect solution: the
  fraction that keep it perfect); for circuits also over the loci of the
  effective gates and the outputs only (mutations of unused gates are
  neutral by construction), and for networks over *weight steps* (each
  present connection's weight moved one step along the weight list, up or
  down, as Clune et al.'s mutation moves it);
* **after k mutations**: ``walks`` random walks of ``steps`` single
  mutations, each step uniform over the current genome's single mutations;
  the mean, quantiles and fraction perfect of the performance after k
  steps, k = 1..steps;
* **basin**: the fraction of walks whose performance stays at or above 95%
  at every one of their first k steps (``basin_95`` for k = steps), an
  estimate of how far the solution's basin extends.

Performance is the engine's: the fraction of correct (row, output) pairs,
a row a circuit does not settle on counting as wrong.

Reference: the seeds' experiment 2 ("Measure the broadness of modular and
non-modular optima"); S. Wagner, *Robustness and Evolvability in Living
Systems* (2005), for neutrality as the fraction of neutral neighbours.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from evomod.bits import popcount

BASIN_LEVEL = 0.95
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@njit(cache=True)
def _fractions(tables, valid, target, n_pairs, out):
    """Fraction of correct (row, output) pairs of every individual."""
    for i in range(tables.shape[0]):
        total = 0
        for k in range(tables.shape[1]):
            for w in range(tables.shape[2]):
                total += popcount(~(tables[i, k, w] ^ target[k, w]) & valid[i, w])
        out[i] = total / n_pairs


def performances(rep, genomes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Performance of every row of ``genomes`` on the goal table ``target`` (K, W).

    Examples
    --------
    >>> from evomod import config
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=1",
    ...     "task.inputs=['x', 'y']", "task.goals={G1 = 'x & y'}"]))
    >>> from evomod.problems.goals import parse
    >>> performances(rep, np.array([[0, 1, 2], [0, 0, 0]]), parse("x & y", ["x", "y"])[None, :]).tolist()
    [0.0, 0.5]
    """
    pop = rep.population(np.asarray(genomes))
    rep.evaluate(pop)
    out = np.empty(pop.genomes.shape[0])
    _fractions(pop.tables, pop.valid, np.asarray(target, dtype=np.uint64), rep.n_rows * rep.n_outputs, out)
    return out


def options(rep, genome: np.ndarray) -> list[np.ndarray]:
    """For each locus, the values a single mutation can give it (its current value left out)."""
    genome = np.asarray(genome)
    if hasattr(rep, "spec") and hasattr(rep.spec, "locus_high"):  # NAND circuits
        high = rep.spec.locus_high()
        return [np.delete(np.arange(high[j]), genome[j]) for j in range(len(genome))]
    s = rep.spec  # layered networks
    weights, biases = np.asarray(s.weights), np.asarray(s.biases)
    counts = np.bincount(s.slot_dst[np.flatnonzero(genome[: s.n_slots])], minlength=s.n_nodes)
    out = []
    for slot in range(s.n_slots):
        w = genome[slot]
        if w != 0:
            out.append(np.concatenate([weights[weights != w], [0]]))
        elif counts[s.slot_dst[slot]] < s.node_cap[s.slot_dst[slot]]:
            out.append(weights.copy())
        else:
            out.append(weights[:0])
    out += [biases[biases != genome[j]] for j in range(s.n_slots, s.n_loci)]
    return out


def neighbours(rep, genome: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every single mutation of ``genome``: ``(mutants (M, L), locus (M,))``."""
    genome = np.asarray(genome)
    opts = options(rep, genome)
    loci = np.repeat(np.arange(len(opts)), [len(o) for o in opts])
    mutants = np.repeat(genome[None, :], len(loci), axis=0)
    mutants[np.arange(len(loci)), loci] = np.concatenate(opts) if len(loci) else []
    return mutants, loci


def weight_steps(rep, genome: np.ndarray) -> np.ndarray:
    """Networks: every present connection's weight moved one step along the
    (sorted) weight list, up and down where possible; ``(M, L)``."""
    s = rep.spec
    weights = list(s.weights)
    genome = np.asarray(genome)
    rows = []
    for slot in np.flatnonzero(genome[: s.n_slots]):
        j = weights.index(int(genome[slot]))
        for k in (j - 1, j + 1):
            if 0 <= k < len(weights):
                g = genome.copy()
                g[slot] = weights[k]
                rows.append(g)
    return np.array(rows, dtype=genome.dtype).reshape(-1, len(genome))


def _effective_loci(rep, genome) -> np.ndarray | None:
    """Circuits: the loci of the effective gates and of the outputs."""
    if not hasattr(rep.spec, "locus_high"):
        return None
    from evomod.representations.nand.kernels import effective_gates

    gates = effective_gates(genome, rep.spec)
    loci = [2 * g + side for g in gates for side in (0, 1)]
    return np.array(loci + list(range(2 * rep.spec.n_gates, rep.spec.n_loci)), dtype=np.int64)


def random_walks(rep, genome: np.ndarray, target: np.ndarray, walks: int = 1000, steps: int = 5,
                 seed: int = 0) -> np.ndarray:
    """Performance ``(walks, steps)`` along random walks of single mutations
    (each step uniform over the current genome's single mutations)."""
    rng = np.random.default_rng(seed)
    current = np.repeat(np.asarray(genome)[None, :], walks, axis=0)
    out = np.empty((walks, steps))
    for k in range(steps):
        for i in range(walks):
            opts = options(rep, current[i])
            sizes = np.array([len(o) for o in opts], dtype=float)
            if sizes.sum() == 0:
                continue
            locus = rng.choice(len(opts), p=sizes / sizes.sum())
            current[i, locus] = opts[locus][rng.integers(len(opts[locus]))]
        out[:, k] = performances(rep, current, target)
    return out


def robustness(rep, genome: np.ndarray, target: np.ndarray, walks: int = 1000, steps: int = 5,
               seed: int = 0) -> dict:
    """Every broadness measure of one genome on goal table ``target``.

    Returns
    -------
    dict
        ``performance`` (the genome's own), ``mutations`` (single mutations
        counted), ``mean_mutant`` (circuits: effective loci; networks: all),
        ``mean_mutant_all``, ``neutrality``, ``neutrality_effective``
        (circuits; NaN for networks), ``neutrality_steps`` (networks; NaN for
        circuits),
        ``after`` (per k = 1..steps: ``mean``, ``perfect`` (fraction),
        ``quantiles`` at ``QUANTILES``, ``basin`` (fraction of walks >= 95%
        at every step so far)), ``basin_95`` (``after[-1]["basin"]``),
        ``mean_after_3`` (mean performance after 3 mutations, or after the
        last step if fewer).

    Examples
    --------
    A one-gate circuit, g0 = NAND(x, y), computing NAND: each of its 3 loci
    can take 2 other addresses. g0 = NAND(y, y) or NAND(x, x) gets 3 of 4
    rows right, g0 = NAND(g0, y) or NAND(x, g0) (feedback) settles on 2 of
    them, and an output reading x or y gets 1: no mutant is perfect, and
    the mean mutant performance is (0.75 + 0.5 + 0.75 + 0.5 + 0.25 + 0.25) / 6.

    >>> from evomod import config
    >>> from evomod.problems.goals import parse
    >>> rep = config.representation_of(config.load("ka2005-logic-g1", ["representation.gates=1",
    ...     "task.inputs=['x', 'y']", "task.goals={G1 = '~(x & y)'}"]))
    >>> r = robustness(rep, np.array([0, 1, 2]), parse("~(x & y)", ["x", "y"])[None, :], walks=50, steps=2)
    >>> r["performance"], r["mutations"], r["neutrality"], r["mean_mutant"]
    (1.0, 6, 0.0, 0.5)
    """
    genome = np.asarray(genome)
    target = np.asarray(target, dtype=np.uint64)
    own = float(performances(rep, genome[None, :], target)[0])
    mutants, loci = neighbours(rep, genome)
    perf = performances(rep, mutants, target) if len(mutants) else np.empty(0)
    keep = perf >= own - 1e-12
    mean = float(perf.mean()) if len(perf) else math.nan
    out = {"performance": own, "mutations": int(len(mutants)),
           "neutrality": float(keep.mean()) if len(keep) else math.nan,
           "neutrality_effective": math.nan, "neutrality_steps": math.nan,
           "mean_mutant_all": mean, "mean_mutant": mean}
    effective = _effective_loci(rep, genome)
    if effective is not None:
        inside = np.isin(loci, effective)
        out["neutrality_effective"] = float(keep[inside].mean()) if inside.any() else math.nan
        out["mean_mutant"] = float(perf[inside].mean()) if inside.any() else math.nan
    else:
        steps_mutants = weight_steps(rep, genome)
        if len(steps_mutants):
            out["neutrality_steps"] = float((performances(rep, steps_mutants, target) >= own - 1e-12).mean())
    path = random_walks(rep, genome, target, walks, steps, seed)
    above = np.cumprod(path >= BASIN_LEVEL - 1e-12, axis=1).astype(bool)
    out["after"] = [{"k": k + 1, "mean": float(path[:, k].mean()),
                     "perfect": float((path[:, k] >= 1 - 1e-12).mean()),
                     "quantiles": [float(q) for q in np.quantile(path[:, k], QUANTILES)],
                     "basin": float(above[:, k].mean())} for k in range(steps)]
    out["basin_95"] = out["after"][-1]["basin"]
    out["mean_after_3"] = out["after"][min(3, steps) - 1]["mean"]
    return out


def goal_table(data: dict) -> np.ndarray:
    """The goal table ``(K, W)`` a saved genome (``read_genome``) was last scored on."""
    from evomod.problems import tasks
    from evomod.registry import ConfigError

    task, name = data.get("task"), data["goal"].get("name")
    if task is None:
        from evomod.problems.goals import parse

        exprs = data["goal"].get("expressions") or []
        if not exprs:
            raise ConfigError("the genome file names no task and no goal expressions", "goal")
        return np.stack([parse(e, data["inputs"]) for e in exprs])
    goals = tasks.build(task).goals
    if name not in goals:
        raise ConfigError(f"goal {name!r} is not a goal of the genome's task; allowed: {', '.join(goals)}", "goal")
    return goals[name]

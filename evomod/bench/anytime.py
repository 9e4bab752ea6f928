"""Anytime measures of runs: fixed-target runtimes, ERT, ECDFs and fixed-budget values.

A run is its per-generation ``best_performance`` (generation 0 = the initial
population), maximised. Runtime unit: *generations evaluated*, counting the
initial population as 1, so a run that first reaches a target in generation
``t`` has used ``t + 1`` generations, ``(t + 1) S`` evaluations (S = the
population: the engine evaluates every row each generation), and an
unsuccessful run has used all its ``L`` generations. Definitions follow COCO
(Hansen et al., "COCO: performance assessment", arXiv:1605.03560) and
IOHanalyzer (Wang et al. 2022, ACM TELO 2(1):3).
"""

from __future__ import annotations

import math

import numpy as np

FIXED_BUDGETS = (10, 100, 1_000, 10_000)  # generations
_EPS = 1e-12  # performances are fractions of whole cases: compare with a tolerance


def targets(solved_at: float, cases: int) -> np.ndarray:
    """Performance targets, log-spaced in distance to the final target.

    ``solved_at - 2**-j`` for j = 1, 2, ... while ``2**-j >= 1 / cases`` (one
    case of ``cases`` pass/fail cases), then ``solved_at`` itself; targets
    below 0 are dropped. COCO uses log-spaced targets the same way.

    Examples
    --------
    >>> targets(1.0, 16).tolist()
    [0.5, 0.75, 0.875, 0.9375, 1.0]
    """
    out, j = [], 1
    while 2.0 ** -j >= 1.0 / cases - _EPS:
        if solved_at - 2.0 ** -j > 0:
            out.append(solved_at - 2.0 ** -j)
        j += 1
    return np.array([*out, solved_at])


def first_hits(best, levels) -> np.ndarray:
    """Generations evaluated until the best-so-far first reaches each level (inf: never).

    Parameters
    ----------
    best : array_like
        Best performance per generation, generation 0 first.
    levels : array_like
        Targets (maximisation: reached when best-so-far >= level).

    Returns
    -------
    numpy.ndarray
        float, ``t + 1`` for the first generation ``t`` at or above each level.

    Examples
    --------
    >>> first_hits([0.5, 0.75, 0.6, 1.0], [0.5, 0.7, 1.0, 1.1]).tolist()
    [1.0, 2.0, 4.0, inf]
    """
    so_far = np.maximum.accumulate(np.asarray(best, dtype=float))
    levels = np.asarray(levels, dtype=float)
    reached = so_far[None, :] >= levels[:, None] - _EPS
    return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1.0, np.inf)


def ert(hits, used) -> float:
    """Expected running time with independent restarts (Price 1997; Auger & Hansen 2005).

    ``ERT = sum_i min(T_i, B_i) / #{i : T_i < inf}``: everything every run
    spent before reaching the target (its own budget ``B_i`` if it never did),
    over the number of runs that reached it; inf if none did. Unlike
    IOHanalyzer, which charges every failure the largest budget, each run is
    charged its own (here they share the cap).

    Examples
    --------
    >>> ert([700, 1200, 2500, np.inf], [700, 1200, 2500, 5000])
    3133.3333333333335
    """
    hits, used = np.asarray(hits, dtype=float), np.asarray(used, dtype=float)
    ok = np.isfinite(hits)
    return float(np.where(ok, hits, used).sum() / ok.sum()) if ok.any() else math.inf


def ecdf(hits, budgets) -> np.ndarray:
    """Fixed-target ECDF: the fraction of (run, target) pairs reached within each budget.

    ``hits`` is (runs, targets) of first-hitting runtimes (inf = never):
    ``ECDF(b) = #{(i, j) : T_ij <= b} / (runs * targets)`` (the runtime
    distribution aggregated over targets, as COCO and IOHanalyzer plot it).

    Examples
    --------
    >>> ecdf([[1, 5], [2, np.inf]], [1, 2, 10]).tolist()
    [0.25, 0.5, 0.75]
    """
    h = np.asarray(hits, dtype=float).reshape(-1)
    b = np.asarray(budgets, dtype=float)
    return (h[None, :] <= b[:, None]).mean(axis=1)


def fixed_budget(best, budgets, solved: bool) -> np.ndarray:
    """Best-so-far performance after each budget of generations evaluated.

    A run shorter than a budget that stopped because it solved the task
    keeps its final best-so-far; one that hit its cap earlier is not
    observed there (NaN).

    Examples
    --------
    >>> fixed_budget([0.5, 0.75, 0.7], [1, 2, 10], solved=False).tolist()
    [0.5, 0.75, nan]
    """
    so_far = np.maximum.accumulate(np.asarray(best, dtype=float))
    out = []
    for b in budgets:
        if b <= len(so_far):
            out.append(so_far[int(b) - 1])
        else:
            out.append(so_far[-1] if solved else math.nan)
    return np.array(out)


def ecdf_grid(cap: int, points: int = 60) -> np.ndarray:
    """Budgets for an ECDF plot: log-spaced whole generations from 1 to ``cap``."""
    return np.unique(np.round(np.logspace(0, math.log10(max(cap, 1)), points)))

"""Verdicts: does a measured sample reproduce a published claim?

Rules (fixed before looking at any result, the same for every claim):

* a published median is *reproduced* when it lies inside the distribution-free
  95% confidence interval of the measured median (order statistics of the
  binomial(n, 1/2) law), *not reproduced* otherwise;
* "at most v": reproduced unless the whole interval lies above v;
* a published success count k/N: Fisher's exact test of the measured k'/n
  against it; reproduced when p >= 0.05;
* a direction between two conditions (greater / less / more often): a
  one-sided test (Mann-Whitney U, or Fisher's exact test on fractions) with
  p < 0.05 reproduces it; the right direction without significance is
  *partly*; the opposite direction is *not*;
* a published ratio of medians: the direction as above, and the ratio must lie
  inside the bootstrap 95% interval of the measured ratio; a significant
  direction with another ratio is *partly*.

Fewer than ``MIN_RUNS`` runs in a sample gives *too few runs*: quick runs
check the plumbing, not the science.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from evomod.replicate.experiments import Claim

MIN_RUNS = 8
ALPHA = 0.05


@dataclass
class Verdict:
    verdict: str  # reproduced | partly | not reproduced | too few runs | supported | not supported
    test: str


def median_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free CI of the median: order statistics x_(l) and x_(n+1-l)
    (1-based), l the largest with P(B < l) <= (1 - level) / 2 for B ~ binomial(n, 1/2);
    coverage >= level once n >= 6 (fewer: the sample's range)."""
    from scipy.stats import binom

    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan
    cdf = binom.cdf(np.arange(n), n, 0.5)
    low = max(int(np.count_nonzero(cdf <= (1 - level) / 2)), 1)
    return float(x[low - 1]), float(x[n - low])


def median_iqr(x: np.ndarray) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return float(med), float(q1), float(q3)


def _mann_whitney(x, y, alternative: str) -> float:
    from scipy.stats import mannwhitneyu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(mannwhitneyu(x, y, alternative=alternative).pvalue)


def _ratio_ci(x, y, seed: int = 0) -> tuple[float, float]:
    from scipy.stats import bootstrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bootstrap((x, y), lambda a, b, axis=-1: np.median(a, axis=axis) / np.median(b, axis=axis),
                        n_resamples=2000, method="percentile", random_state=np.random.default_rng(seed),
                        vectorized=True)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _p(p: float) -> str:
    return "n/a" if math.isnan(p) else (f"{p:.2g}" if p >= 1e-4 else f"{p:.1e}")


def judge(claim: Claim, x: np.ndarray, y: np.ndarray | None = None) -> Verdict:
    """The verdict on ``claim`` from the condition's values ``x`` (and the
    ``versus`` condition's ``y``), NaNs left out."""
    from scipy.stats import fisher_exact

    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    y = None if y is None else np.asarray(y, dtype=float)
    y = None if y is None else y[np.isfinite(y)]
    short = len(x) < MIN_RUNS or (y is not None and len(y) < MIN_RUNS)
    few = Verdict("too few runs", f"n = {len(x)}" + ("" if y is None else f" vs {len(y)}") + f" < {MIN_RUNS}")
    kind = claim.kind
    if kind in ("median", "at_most"):
        if short:
            return few
        lo, hi = median_ci(x)
        inside = lo <= claim.value <= hi if kind == "median" else lo <= claim.value
        side = "" if inside else (" (measured higher)" if lo > claim.value else " (measured lower)")
        what = "inside" if kind == "median" else "at or above the lower end of"
        return Verdict("reproduced" if inside else "not reproduced" + side,
                       f"{claim.value:g} {what if inside else 'outside'} the 95% CI of the median "
                       f"[{lo:.4g}, {hi:.4g}]")
    if kind == "proportion":
        if short:
            return few
        k, n = int(x.sum()), len(x)
        p = float(fisher_exact([[k, n - k], [int(claim.value), claim.total - int(claim.value)]]).pvalue)
        return Verdict("reproduced" if p >= ALPHA else "not reproduced",
                       f"Fisher's exact test, {k}/{n} vs {int(claim.value)}/{claim.total}: p = {_p(p)}")
    if y is None:
        raise ValueError(f"claim on {claim.measure} needs the values of '{claim.versus}'")
    if short:
        return few
    if kind == "more_often":
        k1, k2 = int(x.sum()), int(y.sum())
        p = float(fisher_exact([[k1, len(x) - k1], [k2, len(y) - k2]], alternative="greater").pvalue)
        right = k1 / len(x) > k2 / len(y)
        test = f"one-sided Fisher's exact test, {k1}/{len(x)} vs {k2}/{len(y)}: p = {_p(p)}"
        return _direction(p, right, test, claim)
    alternative = "greater" if kind in ("greater", "hypothesis") else "less"
    if kind == "ratio":
        alternative = "greater" if claim.value > 1 else "less"
    p = _mann_whitney(x, y, alternative)
    mx, my = float(np.median(x)), float(np.median(y))
    right = mx > my if alternative == "greater" else mx < my
    test = f"one-sided Mann-Whitney U ({alternative}), medians {mx:.4g} vs {my:.4g}: p = {_p(p)}"
    if kind != "ratio":
        return _direction(p, right, test, claim)
    if my == 0:
        return Verdict("not reproduced", test + "; ratio undefined (median of the other condition is 0)")
    lo, hi = _ratio_ci(x, y)
    test += f"; ratio {mx / my:.3g}, bootstrap 95% CI [{lo:.3g}, {hi:.3g}]"
    if p < ALPHA and right:
        return Verdict("reproduced" if lo <= claim.value <= hi else "partly", test)
    return Verdict("not reproduced", test)


def _direction(p: float, right: bool, test: str, claim: Claim) -> Verdict:
    yes, no = ("supported", "not supported") if claim.kind == "hypothesis" else ("reproduced", "not reproduced")
    if p < ALPHA and right:
        return Verdict(yes, test)
    if right and claim.kind != "hypothesis":
        return Verdict("partly", test + " (right direction, not significant)")
    return Verdict(no, test)

"""Verdicts: does a measured sample reproduce a published claim?

Rules (fixed before looking at any result, the same for every claim):

* a published median is *reproduced* when it lies inside the distribution-free
  95% confidence interval of the measured median (order statistics of the
  binomial(n, 1/2) law), *not reproduced* otherwise;
* "at most v": reproduced unless the whole interval lies above v;
* "at least v": reproduced unless the whole interval lies below v (added
  with the reading landscape's pre-registration, before its runs);
* a published success count k/N: Fisher's exact test of the measured k'/n
  against it; reproduced when p >= 0.05;
* a direction between two conditions (greater / less / more often): a
  one-sided test (Mann-Whitney U, or Fisher's exact test on fractions) with
  p < 0.05 reproduces it; the right direction without significance is
  *partly*; the opposite direction is *not*;
* a published ratio of medians: the direction as above, and the ratio must lie
  inside the bootstrap 95% interval of the measured ratio; a significant
  direction with another ratio is *partly*.

Two rules read several conditions at once (added for the lineage's
experiments, before their studies ran):

* a published correlation r: Pearson's r of two measures over the runs of
  the pooled conditions, one-sided test of r > 0; *reproduced* when
  p < 0.05 and the published r lies in the Fisher-z 95% CI of the measured
  one, *partly* when p < 0.05 only, *not reproduced* otherwise;
* a published scaling exponent alpha of the speed-up S = T_fixed / T_varying
  ~ T_fixed^alpha (Kashtan, Noor & Alon 2007): per goal, T is the median of
  the runs' generations to the target (unsolved runs count at the cap; a
  goal whose fixed or varying median is censored, i.e. half or more of its
  runs unsolved, is left out); alpha is the least-squares slope of log S on
  log T_fixed over the goals (at least 3); its 95% CI is the percentile
  interval of 10,000 bootstrap refits, each resampling the runs of every
  condition with replacement. *Reproduced* when the published alpha lies in
  the CI and the CI lies above 0, *partly* when the CI lies above 0 only,
  *not reproduced* otherwise.

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
    coverage >= level once n >= 6 (fewer: the sample's range).

    Parameters
    ----------
    x : array_like of float
    level : float

    Returns
    -------
    (float, float)
        NaN, NaN for an empty sample.

    References
    ----------
    W. J. Conover, Practical Nonparametric Statistics, 3rd ed. (Wiley, 1999), section 3.2.

    Examples
    --------
    >>> median_ci(np.arange(1, 11))     # n = 10: P(B <= 1) = 0.011 <= 0.025 < P(B <= 2) = 0.055, so l = 2
    (2.0, 9.0)
    """
    from scipy.stats import binom

    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan
    cdf = binom.cdf(np.arange(n), n, 0.5)
    low = max(int(np.count_nonzero(cdf <= (1 - level) / 2)), 1)
    return float(x[low - 1]), float(x[n - low])


def median_iqr(x: np.ndarray) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) of the finite values (NaN, NaN, NaN if none).

    Parameters
    ----------
    x : array_like of float

    Examples
    --------
    >>> median_iqr([1.0, 2.0, 3.0, 4.0, float("nan")])
    (2.5, 1.75, 3.25)
    """
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
    ``versus`` condition's ``y``), NaNs left out; the rules are the module's.

    Parameters
    ----------
    claim : Claim
    x : array_like of float
        The per-run values of ``claim.measure`` in ``claim.condition``.
    y : array_like of float, optional
        The same in ``claim.versus`` (comparisons and ratios).

    Returns
    -------
    Verdict
        ``verdict`` (reproduced, partly, not reproduced, supported, not
        supported, too few runs) and ``test`` (the statistic, in words).

    Examples
    --------
    >>> from evomod.replicate.experiments import Claim
    >>> judge(Claim("gates", "G1", "10", "median", 10), np.array([9, 10, 10, 10, 11, 10, 10, 9, 10, 12])).verdict
    'reproduced'
    >>> judge(Claim("solved", "G1", "36/50", "proportion", 36, total=50), np.zeros(20)).verdict
    'not reproduced'
    """
    from scipy.stats import fisher_exact

    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    y = None if y is None else np.asarray(y, dtype=float)
    y = None if y is None else y[np.isfinite(y)]
    short = len(x) < MIN_RUNS or (y is not None and len(y) < MIN_RUNS)
    few = Verdict("too few runs", f"n = {len(x)}" + ("" if y is None else f" vs {len(y)}") + f" < {MIN_RUNS}")
    kind = claim.kind
    if kind in ("median", "at_most", "at_least"):
        if short:
            return few
        lo, hi = median_ci(x)
        inside = {"median": lo <= claim.value <= hi, "at_most": lo <= claim.value,
                  "at_least": claim.value <= hi}[kind]
        side = "" if inside else (" (measured higher)" if lo > claim.value else " (measured lower)")
        what = {"median": "inside", "at_most": "at or above the lower end of",
                "at_least": "at or below the upper end of"}[kind]
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


ACROSS = ("correlation", "exponent")  # kinds judged on several conditions: judge_across


def judge_across(claim: Claim, values: dict) -> tuple[Verdict, str]:
    """The verdict on a claim of kind ``correlation`` or ``exponent`` from
    ``values`` (``{condition: {measure: values}}``), and what was measured.

    Parameters
    ----------
    claim : Claim
        ``claim.over`` names the pooled conditions (correlation) or the
        ``"FIXED/VARYING"`` pairs (exponent).
    values : dict

    Returns
    -------
    (Verdict, str)
    """
    if claim.kind == "correlation":
        return _correlation(claim, values)
    if claim.kind == "exponent":
        return _exponent(claim, values)
    raise ValueError(f"claim kind {claim.kind!r} is not judged across conditions")


def _correlation(claim: Claim, values: dict) -> tuple[Verdict, str]:
    from scipy.stats import pearsonr

    x = np.concatenate([values[c][claim.measure] for c in claim.over])
    y = np.concatenate([values[c][claim.against] for c in claim.over])
    ok = np.isfinite(x) & np.isfinite(y)
    x, y, n = x[ok], y[ok], int(ok.sum())
    if n < MIN_RUNS:
        return Verdict("too few runs", f"n = {n} < {MIN_RUNS}"), f"n = {n}"
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Verdict("not reproduced", f"r undefined: a constant measure over n = {n} runs"), f"n = {n}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, p = pearsonr(x, y, alternative="greater")
    lo, hi = np.tanh(np.arctanh(np.clip(r, -0.999999, 0.999999)) + np.array([-1, 1]) * 1.959964 / math.sqrt(n - 3))
    test = f"Pearson r = {r:.3g} over {n} runs, one-sided p = {_p(p)}, Fisher-z 95% CI [{lo:.3g}, {hi:.3g}]"
    measured = f"r = {r:.3g} (n={n})"
    if p < ALPHA and r > 0:
        return Verdict("reproduced" if lo <= claim.value <= hi else "partly", test), measured
    return Verdict("not reproduced", test), measured


def speedup_fit(fixed: list, varying: list, solved_fixed: list, solved_varying: list,
                resamples: int = 10_000, seed: int = 0) -> dict:
    """Fit S = T_fixed / T_varying ~ T_fixed^alpha over goals (the rule in the module docstring).

    Parameters
    ----------
    fixed, varying : list of array_like
        Per goal, the runs' generations to the target (unsolved: the cap).
    solved_fixed, solved_varying : list of array_like
        Per goal, 1 for the runs that solved the target, 0 for the others.

    Returns
    -------
    dict
        ``t_fixed``, ``t_varying``, ``speedup`` (medians and their ratio per
        goal), ``used`` (goals in the fit), ``alpha`` and ``ci`` (NaN with
        fewer than 3 goals).

    Examples
    --------
    T_fixed = 100, 1000, 10000 and S = 1, 10^0.7, 10^1.4 give alpha = 0.7:

    >>> t = np.array([100.0, 1000.0, 10000.0]); s = 10 ** (0.7 * np.log10(t / 100))
    >>> fit = speedup_fit([np.full(9, v) for v in t], [np.full(9, v) for v in t / s],
    ...                   [np.ones(9)] * 3, [np.ones(9)] * 3, resamples=100)
    >>> round(fit["alpha"], 6), [round(v, 6) for v in fit["ci"]]
    (0.7, [0.7, 0.7])
    """
    fixed = [np.asarray(v, dtype=float) for v in fixed]
    varying = [np.asarray(v, dtype=float) for v in varying]
    tf = np.array([np.median(v) if len(v) else math.nan for v in fixed])
    tv = np.array([np.median(v) if len(v) else math.nan for v in varying])
    uncensored = [len(v) > 0 and np.mean(s) > 0.5 for v, s in zip(fixed, solved_fixed)]
    uncensored = np.array(uncensored) & np.array([len(v) > 0 and np.mean(s) > 0.5
                                                  for v, s in zip(varying, solved_varying)])
    used = np.flatnonzero(uncensored & (tf > 0) & (tv > 0))
    out = {"t_fixed": tf.tolist(), "t_varying": tv.tolist(), "speedup": (tf / tv).tolist(), "used": used.tolist(),
           "alpha": math.nan, "ci": [math.nan, math.nan]}
    if len(used) < 3:
        return out
    x = np.log(tf[used])
    out["alpha"] = float(np.polyfit(x, np.log(tf[used] / tv[used]), 1)[0])
    rng = np.random.default_rng(seed)

    def boot(v):
        return np.median(v[rng.integers(0, len(v), size=(resamples, len(v)))], axis=1)

    bf = np.stack([boot(fixed[g]) for g in used], axis=1)  # (resamples, goals)
    bv = np.stack([boot(varying[g]) for g in used], axis=1)
    lx, ly = np.log(bf), np.log(bf / np.maximum(bv, 1e-300))
    lx_c, ly_c = lx - lx.mean(axis=1, keepdims=True), ly - ly.mean(axis=1, keepdims=True)
    var = (lx_c ** 2).sum(axis=1)
    slopes = np.where(var > 0, (lx_c * ly_c).sum(axis=1) / np.where(var > 0, var, 1), np.nan)
    slopes = slopes[np.isfinite(slopes)]
    out["ci"] = [float(np.percentile(slopes, 2.5)), float(np.percentile(slopes, 97.5))]
    return out


def _exponent(claim: Claim, values: dict) -> tuple[Verdict, str]:
    pairs = [pair.split("/") for pair in claim.over]
    n_min = min(min(len(values[f][claim.measure]), len(values[v][claim.measure])) for f, v in pairs)
    if n_min < MIN_RUNS:
        return Verdict("too few runs", f"n = {n_min} < {MIN_RUNS} in some condition"), f"n = {n_min}"
    fit = speedup_fit([values[f][claim.measure] for f, _ in pairs], [values[v][claim.measure] for _, v in pairs],
                      [values[f][claim.against] for f, _ in pairs], [values[v][claim.against] for _, v in pairs])
    goals = ", ".join(f"{pairs[g][0]} S = {fit['speedup'][g]:.3g}" for g in fit["used"])
    if len(fit["used"]) < 3:
        return (Verdict("not reproduced", f"{len(fit['used'])} goal(s) with uncensored medians, fewer than 3 "
                        "to fit"), f"{len(fit['used'])} goals")
    lo, hi = fit["ci"]
    test = (f"slope of log S on log T_fixed over {len(fit['used'])} goals ({goals}): alpha = {fit['alpha']:.3g}, "
            f"bootstrap 95% CI [{lo:.3g}, {hi:.3g}]")
    measured = f"alpha = {fit['alpha']:.3g} [{lo:.3g}, {hi:.3g}]"
    if lo > 0:
        return Verdict("reproduced" if lo <= claim.value <= hi else "partly", test), measured
    return Verdict("not reproduced", test), measured

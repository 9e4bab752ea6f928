"""Statistics of a selection benchmark (Demšar 2006; Vargha & Delaney 2000).

Within a task (independent runs per strategy): pairwise two-sided
Mann–Whitney U tests with Holm's correction on runtimes (runs that did not
solve ranked last, tied), Fisher's exact test with Holm on success counts,
and the Vargha–Delaney A12 effect size. Across tasks (one score per task
and strategy, tasks as blocks): the Friedman test, Nemenyi's post-hoc test
and critical difference, drawn as a CD diagram.

Libraries: scikit-posthocs (Terpilovskii 2019, JOSS 4(36):1169) for the
Mann–Whitney + Holm matrix, the Nemenyi test and the CD diagram; scipy for
the Friedman, Fisher and one-sided Mann–Whitney tests and the studentized
range; statsmodels' ``multipletests`` (which scikit-posthocs itself calls)
for Holm on the Fisher p-values.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np


def a12(x, y) -> float:
    """Vargha–Delaney A12: the probability that a value of ``x`` beats one of ``y``.

    ``A12 = [#(x_i > y_j) + 0.5 #(x_i = y_j)] / (n_x n_y)`` (Vargha & Delaney
    2000, J. Educ. Behav. Stat. 25(2):101–132); 0.5 is no effect, and
    0.56 / 0.64 / 0.71 (or their mirror images below 0.5) mark small /
    medium / large effects. Larger is better here: pass negated runtimes to
    ask which strategy is faster. ``2 A12 - 1`` is Cliff's delta.

    Examples
    --------
    >>> a12([3, 4], [1, 3])
    0.875
    """
    x, y = np.asarray(x, dtype=float)[:, None], np.asarray(y, dtype=float)[None, :]
    return float(((x > y).sum() + 0.5 * (x == y).sum()) / (x.size * y.size))


def magnitude(a: float) -> str:
    """Vargha & Delaney's label of an A12 value: negligible, small, medium or large."""
    d = abs(a - 0.5)
    return "large" if d >= 0.21 else "medium" if d >= 0.14 else "small" if d >= 0.06 else "negligible"


def holm(pvalues) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, by statsmodels.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    return multipletests(p, method="holm")[1] if p.size else p


def censored(runtimes, budget_rank: float | None = None) -> np.ndarray:
    """Runtimes with unsolved runs (inf or NaN) replaced by one value above every
    finite one (``budget_rank`` if given), so rank tests rank them last, tied."""
    r = np.asarray(runtimes, dtype=float)
    finite = r[np.isfinite(r)]
    last = budget_rank if budget_rank is not None else (finite.max() + 1.0 if finite.size else 1.0)
    return np.where(np.isfinite(r), r, last)


def pairwise(runtimes: dict[str, np.ndarray], alpha: float = 0.05) -> list[dict]:
    """Every pair of strategies of one task: MWU + Holm on runtimes, A12, Fisher + Holm on successes.

    Parameters
    ----------
    runtimes : dict
        Strategy -> runtimes of its runs (inf: unsolved), lower is better.

    Returns
    -------
    list of dict
        Per pair ``a, b``: ``solved_a, runs_a, solved_b, runs_b``, ``a12``
        (of ``a`` being faster), ``p_mwu`` (Holm-adjusted two-sided
        Mann–Whitney, unsolved ranked last), ``p_fisher`` (Holm-adjusted
        two-sided Fisher exact test on the success counts).
    """
    import pandas as pd
    import scikit_posthocs as sp
    from scipy import stats

    names = [s for s, v in runtimes.items() if len(v)]
    pairs = list(itertools.combinations(names, 2))
    if not pairs:
        return []
    # unsolved runs of every strategy share one value above all finite runtimes of the task
    top = float(censored(np.concatenate([np.asarray(runtimes[s], float) for s in names])).max())
    vals = {s: censored(runtimes[s], top) for s in names}
    long = pd.DataFrame([(s, v) for s in names for v in vals[s]], columns=["strategy", "runtime"])
    if long["runtime"].nunique() > 1:
        p_mwu = sp.posthoc_mannwhitney(long, val_col="runtime", group_col="strategy", p_adjust="holm")
        mwu = [float(p_mwu.loc[a, b]) for a, b in pairs]
    else:  # every run identical (e.g. none solved): no evidence of a difference
        mwu = [1.0] * len(pairs)
    solved = {s: int(np.isfinite(np.asarray(runtimes[s], float)).sum()) for s in names}
    fisher = holm([stats.fisher_exact([[solved[a], len(vals[a]) - solved[a]],
                                       [solved[b], len(vals[b]) - solved[b]]]).pvalue for a, b in pairs])
    return [{"a": a, "b": b, "solved_a": solved[a], "runs_a": len(vals[a]), "solved_b": solved[b],
             "runs_b": len(vals[b]), "a12": a12(-vals[a], -vals[b]), "p_mwu": p, "p_fisher": float(f)}
            for (a, b), p, f in zip(pairs, mwu, fisher)]


def one_sided(better, worse) -> tuple[float, float]:
    """One-sided Mann–Whitney U test that ``better``'s runtimes are smaller (unsolved
    ranked last): returns (p, A12 of ``better`` being faster)."""
    from scipy import stats

    x, y = np.asarray(better, float), np.asarray(worse, float)
    both = censored(np.concatenate([x, y]))
    x, y = both[: len(x)], both[len(x):]
    if np.unique(both).size == 1:
        return 1.0, 0.5
    return float(stats.mannwhitneyu(x, y, alternative="less").pvalue), a12(-x, -y)


@dataclass
class Friedman:
    """Across-task comparison: the Friedman test on per-task ranks and Nemenyi's post-hoc test."""

    tasks: list[str]
    strategies: list[str]
    mean_ranks: dict[str, float]  # 1 = best
    statistic: float
    p: float
    cd: float  # Nemenyi critical difference of mean ranks at alpha
    nemenyi: object  # pandas DataFrame of p-values, strategies x strategies
    alpha: float = 0.05


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference: ``q_alpha sqrt(k (k + 1) / (6 N))`` with
    ``q_alpha`` the studentized range quantile over sqrt 2 (Demšar 2006, JMLR 7:1–30).

    Examples
    --------
    >>> round(nemenyi_cd(4, 10), 3)
    1.483
    """
    from scipy import stats

    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6 * n)))


def friedman(scores, alpha: float = 0.05) -> Friedman | None:
    """Friedman test and Nemenyi post-hoc over a tasks x strategies table (lower = better).

    ``scores`` is a pandas DataFrame, tasks as rows; each row is ranked on its
    own (ties share their mean rank). Needs at least 2 tasks and 3
    strategies (else None).
    """
    import scikit_posthocs as sp
    from scipy import stats

    scores = scores.dropna(axis=0, how="any")
    n, k = scores.shape
    if n < 2 or k < 3:
        return None
    ranks = scores.rank(axis=1, method="average")
    stat, p = stats.friedmanchisquare(*[ranks[c].to_numpy() for c in ranks.columns])
    nem = sp.posthoc_nemenyi_friedman(ranks.to_numpy())
    nem.index = nem.columns = list(scores.columns)
    return Friedman(list(scores.index), list(scores.columns), ranks.mean().to_dict(),
                    float(stat) if np.isfinite(stat) else math.nan, float(p) if np.isfinite(p) else 1.0,
                    nemenyi_cd(k, n, alpha), nem.fillna(1.0), alpha)


def cd_diagram(result: Friedman, path) -> None:
    """Critical-difference diagram (Demšar 2006) by scikit-posthocs: mean ranks on an
    axis, strategies Nemenyi does not tell apart joined by a bar, the CD drawn above."""
    import pandas as pd
    import scikit_posthocs as sp
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 1.2 + 0.28 * len(result.strategies)), layout="constrained")
    ax = fig.add_subplot()
    sp.critical_difference_diagram(pd.Series(result.mean_ranks), result.nemenyi, ax=ax, cd=result.cd,
                                   alpha=result.alpha)
    ax.set_title(f"mean rank over {len(result.tasks)} tasks (1 = best); Friedman p = {result.p:.2g}, "
                 f"Nemenyi CD = {result.cd:.2f}", fontsize=9, pad=30)  # room for the CD bar
    fig.savefig(path, dpi=120)

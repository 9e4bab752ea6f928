"""Adaptation speed: after each goal switch, generations until the best is perfect again.

Derived from a run's records (``goal`` and ``best_performance`` per
generation) rather than tracked in the loop, so a resumed run, whose
records are restored from its checkpoint, gives the same list.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-9  # the engine's: performance is a fraction k / n of correct pairs


def perfect(best_performance, solved_at: float = 1.0) -> np.ndarray:
    """Whether the best is perfect: solved in the engine's sense (``fitness.solved_at``
    of the (row, output) pairs correct; 1.0, every pair, by default).

    Parameters
    ----------
    best_performance : array_like of float
        The records' ``best_performance`` column.
    solved_at : float
        The fraction that counts as solved.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> perfect([0.75, 1.0, 0.9999999999999]).tolist(), perfect([0.95], solved_at=0.95).tolist()
    ([False, True, True], [True])
    """
    return np.asarray(best_performance, dtype=float) >= solved_at - TOLERANCE


def switches(goal, best_performance, names=None, solved_at: float = 1.0, generation=None) -> list[dict]:
    """One entry per goal switch, in order: ``{"generation": t, "from": old goal,
    "to": new goal, "generations_to_perfect": k}``.

    A switch is at t when the goal of generation t differs from that of the
    row before. k is the first t' >= t at which the best is perfect
    (``perfect``) minus t, or None (censored) when the next switch or the end
    of the records comes first. ``goal`` holds goal indices into ``names`` or
    goal names (``names`` None). ``generation``: the rows' generations, for
    thinned records (``evomod.io.thinning`` keeps every row this reads);
    None means rows 0, 1, 2, ...

    Parameters
    ----------
    goal : array_like
        The records' ``goal`` column.
    best_performance : array_like of float
    names : sequence of str, optional
    solved_at : float
    generation : array_like of int, optional

    Returns
    -------
    list of dict

    References
    ----------
    N. Kashtan and U. Alon, PNAS 102, 13773 (2005): MVG populations recover
    within a few generations after a switch.

    Examples
    --------
    >>> goal = [0, 0, 1, 1, 1, 0, 0]
    >>> perf = [1.0, 1.0, 0.8, 1.0, 1.0, 0.9, 0.9]
    >>> for e in switches(goal, perf, names=["G1", "G2"]):
    ...     print(e)
    {'generation': 2, 'from': 'G1', 'to': 'G2', 'generations_to_perfect': 1}
    {'generation': 5, 'from': 'G2', 'to': 'G1', 'generations_to_perfect': None}
    >>> summary(switches(goal, perf))
    {'switches': 2, 'recovered': 1, 'median_generations_to_perfect': 1.0}
    """
    goal = np.asarray(goal)
    ok = perfect(best_performance, solved_at)
    gen = np.arange(len(goal)) if generation is None else np.asarray(generation)
    at = np.flatnonzero(goal[1:] != goal[:-1]) + 1
    ends = np.append(at[1:], len(goal))
    name = (lambda g: str(g)) if names is None else (lambda g: names[int(g)])
    out = []
    for t, end in zip(at.tolist(), ends.tolist()):
        hit = np.flatnonzero(ok[t:end])
        out.append({"generation": int(gen[t]), "from": name(goal[t - 1]), "to": name(goal[t]),
                    "generations_to_perfect": int(gen[t + hit[0]] - gen[t]) if len(hit) else None})
    return out


def summary(entries: list[dict]) -> dict:
    """``{"switches", "recovered", "median_generations_to_perfect"}``; the median is
    over the recovered switches (None if none); see :func:`switches` for an example.

    Parameters
    ----------
    entries : list of dict
        From :func:`switches`.
    """
    k = [e["generations_to_perfect"] for e in entries if e["generations_to_perfect"] is not None]
    return {"switches": len(entries), "recovered": len(k),
            "median_generations_to_perfect": float(np.median(k)) if k else None}

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
    of the (row, output) pairs correct; 1.0, every pair, by default)."""
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
    over the recovered switches (None if none)."""
    k = [e["generations_to_perfect"] for e in entries if e["generations_to_perfect"] is not None]
    return {"switches": len(entries), "recovered": len(k),
            "median_generations_to_perfect": float(np.median(k)) if k else None}

"""Record thinning: which generations a run writes when ``records.every = k``.

A run of a huge study need not store every generation. Thinning happens
when records are written (``evomod.io.run_dir.records_table``), never in the
generation loop, and keeps every row a measure of the reports reads:

- every k-th generation (``generation % k == 0``), the first and the last;
- each goal switch t and the generation t - 1 before it;
- within each goal's epoch (a switch to the next), every generation where
  the best performance exceeds all earlier ones of the epoch: the first
  generation that reaches any level, so the first perfect best after a
  switch (solve events, ``evomod.measures.adaptation``) and the first that
  regains the level held before a switch are kept;
- before each switch, the last generation where each modularity column
  (``q``, ``qm``, ...) was measured;
- the last ``max(1, cap // 10)`` generations in full (late means,
  ``evomod.replicate.measures``).

Readers index rows by the ``generation`` column, never by row number.
"""

from __future__ import annotations

import numpy as np


def kept(columns: dict[str, np.ndarray], every: int, cap: int, measured=("q", "qm", "info_flow", "coverage")
         ) -> np.ndarray:
    """Which rows of a run's records to write.

    Parameters
    ----------
    columns : dict of str to numpy.ndarray
        The run's records (``Records.columns()``): ``generation``, ``goal``,
        ``best_performance`` and the ``measured`` columns are read.
    every : int
        k: keep every k-th generation (1 keeps every row).
    cap : int
        The run's generation cap (``config.generations``).
    measured : tuple of str
        Columns measured only on some generations (NaN between).

    Returns
    -------
    numpy.ndarray
        A boolean mask over the rows.

    Examples
    --------
    >>> import numpy as np
    >>> goal = np.array([0] * 6 + [1] * 6)
    >>> perf = np.array([.5, .5, .6, .6, 1., 1., .4, .4, .9, .4, 1., 1.])
    >>> cols = {"generation": np.arange(12), "goal": goal, "best_performance": perf}
    >>> np.flatnonzero(kept(cols, every=100, cap=12)).tolist()  # start, level rises, switch, tail
    [0, 2, 4, 5, 6, 8, 10, 11]
    """
    gen = np.asarray(columns["generation"])
    n = gen.shape[0]
    if every <= 1 or n == 0:
        return np.ones(n, dtype=bool)
    keep = gen % every == 0
    keep[[0, -1]] = True
    goal = np.asarray(columns["goal"])
    switch = np.flatnonzero(goal[1:] != goal[:-1]) + 1
    keep[switch] = True
    keep[switch - 1] = True
    # a rise of the epoch's running maximum; each epoch is lifted above the ones before it
    perf = np.nan_to_num(np.asarray(columns["best_performance"], dtype=float), nan=-1.0)
    lifted = perf + 4.0 * np.cumsum(np.isin(np.arange(n), switch))  # performance is in [0, 1]
    running = np.maximum.accumulate(lifted)
    keep[1:] |= running[1:] > running[:-1]
    for name in measured:
        if name in columns and len(switch):
            done = np.flatnonzero(np.isfinite(np.asarray(columns[name], dtype=float)))
            last = np.searchsorted(done, switch) - 1
            keep[done[last[last >= 0]]] = True
    keep[max(0, n - max(1, cap // 10)):] = True
    return keep

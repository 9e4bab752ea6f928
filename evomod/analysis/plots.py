"""Figures people would rather look at than read."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_fitness(columns: dict, goal_names: list[str], path: Path, title: str = "") -> Path:
    """Best and mean fitness, and best performance, per generation; goal
    switches shaded when there are few enough to see; below, Q and Q_m of
    the best when the run measured them. Writes a PNG."""
    from matplotlib.figure import Figure  # no pyplot: leaves the user's backend alone

    gen = columns["generation"]
    q = np.asarray(columns.get("q", np.full(len(gen), np.nan)), dtype=float)
    wiring = np.asarray(columns.get("wiring", np.full(len(gen), np.nan)), dtype=float)
    has_q, has_wiring = bool(np.isfinite(q).any()), bool(np.isfinite(wiring).any())
    rows = 1 + has_q + has_wiring
    fig = Figure(figsize=(8, 1.8 + 1.8 * rows), layout="constrained")
    ax = fig.add_subplot(rows, 1, 1)
    ax.plot(gen, columns["best_performance"], lw=1, color="tab:green", label="best performance")
    ax.plot(gen, columns["best_fitness"], lw=1, color="tab:blue", label="best fitness")
    ax.plot(gen, columns["mean_fitness"], lw=0.8, color="tab:gray", label="mean fitness")
    goal = columns["goal"]
    switches = np.flatnonzero(np.diff(goal)) + 1
    if 0 < len(switches) <= 60:
        edges = np.concatenate([[0], switches, [len(goal)]])
        for a, b in zip(edges[:-1], edges[1:]):
            if goal[a] % 2:
                ax.axvspan(gen[a], gen[b - 1], color="tab:orange", alpha=0.08, lw=0)
    ax.set_xlabel("generation")
    ax.set_ylabel("fraction of rows correct")
    ax.set_xlim(gen[0], max(gen[-1], gen[0] + 1))
    shown = ", ".join(goal_names[:4]) + (" ..." if len(goal_names) > 4 else "")
    ax.set_title(title or f"goals: {shown}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    if has_q:
        _plot_modularity(fig.add_subplot(rows, 1, 2, sharex=ax), gen, q, columns["qm"])
    if has_wiring:
        _plot_costs(fig.add_subplot(rows, 1, rows, sharex=ax), gen, columns["connections"], wiring)
    fig.savefig(path, dpi=120)
    return Path(path)


def _plot_costs(ax, gen, connections, wiring) -> None:
    ax.plot(gen, connections, lw=0.8, color="tab:brown", label="connections of the best")
    ax.set_ylabel("connections")
    ax.set_xlabel("generation")
    right = ax.twinx()
    right.plot(gen, wiring, lw=0.8, color="tab:olive", label="wiring cost of the best")
    right.set_ylabel("wiring cost")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper right", fontsize=8, frameon=False)


def _plot_modularity(ax, gen, q, qm) -> None:
    qm = np.asarray(qm, dtype=float)
    for values, color, label in ((q, "tab:purple", "Q of the best"), (qm, "tab:red", "Q_m of the best")):
        ok = np.isfinite(values)  # measured every k-th generation; Q_m undefined at times
        if not ok.any():  # e.g. Q_m not computed (modularity.qm = false)
            continue
        x, y = gen[ok], values[ok]
        if len(y) > 500:  # thousands of noisy points: show them faintly, and their running mean
            ax.plot(x, y, lw=0.5, color=color, alpha=0.25)
            width = len(y) // 100
            ax.plot(x[width - 1:], np.convolve(y, np.ones(width) / width, mode="valid"), lw=1.2,
                    color=color, label=f"{label} (running mean of {width})")
        else:
            ax.plot(x, y, lw=0.8, color=color, label=label)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("generation")
    ax.set_ylabel("modularity")
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def draw_network(rep, genome, labels, path: Path, title: str = "", inputs=None) -> Path:
    """A layered network at its node coordinates, or a circuit in rows by
    depth (``inputs`` names its inputs): nodes coloured by module
    (``labels``, in ``rep.to_graph`` order), connections blue for positive
    and red for negative weights, width by |weight|. The format follows the
    suffix (.png, .svg, .pdf); written to a temporary file, then renamed."""
    from matplotlib.figure import Figure

    from evomod.io.files import atomic_write

    drawing = rep.drawing(genome, inputs)
    pos, names = drawing["positions"], drawing["names"]
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    top = max(abs(w) for _, _, w in drawing["edges"]) if drawing["edges"] else 1
    for i, j, w in drawing["edges"]:
        ax.annotate("", xy=pos[j], xytext=pos[i], arrowprops=dict(
            arrowstyle="-|>", color="tab:blue" if w > 0 else "tab:red", lw=0.6 + 1.6 * abs(w) / top,
            alpha=0.75, shrinkA=9, shrinkB=9, mutation_scale=8))
    colours = [f"C{int(c) % 10}" for c in labels]
    ax.scatter(pos[:, 0], pos[:, 1], s=260, c=colours, edgecolors="black", linewidths=0.8, zorder=3)
    for (x, y), name in zip(pos, names):
        ax.text(x, y, name, ha="center", va="center", fontsize=6, zorder=4)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.margins(0.08)
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150))

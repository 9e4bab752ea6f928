"""``evomod experiment placement``: connection costs, total vs local, and where the nodes sit (seed experiment 4).

The seeds ask whether a cost on connections makes solutions modular, whether
a cost that grows with distance (local) does more than a flat one (total),
and whether the result depends on *how* the nodes are placed. Two studies:

* ``retina``: Clune et al.'s 8-8-4-2-1 networks on L-AND-R (their PA setup,
  NSGA-II, 1,000 parents and 1,000 offspring), with no cost (PA), a
  connection-count objective, and the wiring cost (sum of squared lengths)
  with hidden nodes at their optimal positions (P&CC) or at fixed positions
  on three layouts: the authors' grid, a random layout, and the grid with the
  left and right pixels interleaved (``representation.layout``). Costs are
  a second objective under stochastic NSGA-II (p = 0.25), as in P&CC.
* ``logic``: Kashtan & Alon's 12-gate NAND circuits on the fixed goal G1,
  with no cost, a cost per wire, and the locality cost (sum of wire lengths)
  on four layouts of the addresses (``objectives.gate_layout``): a line
  (1-D), a square grid (2-D), the line with the inputs interleaved (x, z, y,
  w: the partners of each XOR apart), and a random grid. Costs are
  scalarised (weights below).

The hypotheses, the tests and the verdict rules are ``HYPOTHESES``, fixed
before any full-study data; the report is written by ``placement_report``.
"""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import experiment
from evomod.replicate.experiments import Condition, Experiment, Size

_LONG = {"stop_on_solve": False}
_SNSGA = {"selection.name": "stochastic_nsga2", "selection.p": 0.25}

RETINA = Experiment(
    name="placement-retina",
    title="Placement, retina networks (Clune et al. 2013 setup, L-AND-R): costs and node layouts",
    base="clune2013-pa",
    conditions=(
        Condition("none", dict(_LONG), "NSGA-II on performance alone (PA)"),
        Condition("connections", {**_LONG, **_SNSGA, "objectives.separate": ["connections"]},
                  "stochastic NSGA-II on performance and the number of connections (a total cost)"),
        Condition("wiring-optimal", {**_LONG, **_SNSGA, "objectives.separate": ["wiring"]},
                  "stochastic NSGA-II on performance and the wiring cost, hidden nodes at their optimal "
                  "positions (Clune et al.'s P&CC)"),
        Condition("wiring-grid", {**_LONG, **_SNSGA, "objectives.separate": ["wiring"],
                                  "representation.positions": "fixed"},
                  "the wiring cost with every node at the authors' grid coordinates"),
        Condition("wiring-shuffled", {**_LONG, **_SNSGA, "objectives.separate": ["wiring"],
                                      "representation.positions": "fixed", "representation.layout": "shuffled"},
                  "the wiring cost at fixed positions, the grid with left and right pixels interleaved "
                  "(inputs 0, 4, 1, 5, 2, 6, 3, 7 from left to right)"),
        Condition("wiring-random", {**_LONG, **_SNSGA, "objectives.separate": ["wiring"],
                                    "representation.positions": "fixed", "representation.layout": "random",
                                    "representation.layout_seed": 1},
                  "the wiring cost at fixed positions, inputs and hidden nodes at uniform random points of "
                  "the grid's box (one layout, layout_seed = 1)"),
    ),
    full=Size(runs=20, generations=5000, every=100),
    quick=Size(runs=2, generations=150, every=50, population=200),
    claims=(),
    measures=("final_performance", "final_q", "left_right", "connections"),
    modularity="q",
    notes=("Deviations from Clune et al.: 5,000 generations instead of 25,000 and 20 runs per condition, to fit "
           "the CPU budget of the whole set of experiments (a run costs ~5-8 ms per generation here); every run "
           "goes to the cap, and Q is the final best's (directed Leicht-Newman Q by recursive bisection, as "
           "their source)."),
)

# Locality weights: 0.002 divided by the mean wire length of random 12-gate genomes' effective circuits on
# each layout (``calibrate``), so that a wire costs 0.002 on average whatever the layout, as in the
# connection-count condition (a 12-gate circuit's 25 wires pay 0.05, less than one wrong row, 0.0625);
# what the layout changes is which wires are cheap.
WIRE_COST = 0.002
LOCALITY_WEIGHTS = {"line": 0.00038, "grid": 0.00091, "shuffled": 0.00038, "random": 0.0008}


def _locality(layout: str) -> dict:
    return {**_LONG, "objectives.weights": {"locality": LOCALITY_WEIGHTS[layout]},
            "objectives.gate_layout": layout, "objectives.layout_seed": 1, "objectives.locality_exponent": 1.0}


LOGIC = Experiment(
    name="placement-logic",
    title="Placement, NAND circuits (Kashtan & Alon 2005, fixed G1): costs and address layouts",
    base="ka2005-logic-g1",
    conditions=(
        Condition("none", dict(_LONG), "fixed goal G1, no cost (the gate penalty above 11 gates only)"),
        Condition("connections", {**_LONG, "objectives.weights": {"connections": WIRE_COST}},
                  f"a cost of {WIRE_COST} per wire of the effective circuit (total)"),
        Condition("locality-line", _locality("line"),
                  "the locality cost, sum of wire lengths, addresses on a line (1-D)"),
        Condition("locality-grid", _locality("grid"), "the locality cost on a square grid (2-D)"),
        Condition("locality-shuffled", _locality("shuffled"),
                  "the locality cost on the line with the inputs interleaved (x, z, y, w)"),
        Condition("locality-random", _locality("random"),
                  "the locality cost with the addresses on random cells of the grid (layout_seed = 1)"),
    ),
    full=Size(runs=30, generations=10_000, every=100),
    quick=Size(runs=2, generations=800, every=100),
    claims=(),
    measures=("final_performance", "final_qm", "final_q", "final_gates", "late_qm", "late_performance"),
)

STUDIES = {"retina": RETINA, "logic": LOGIC}

HYPOTHESES = """\
Fixed before the full studies ran. Q of retina networks is the directed
Leicht-Newman Q of the final best (Clune et al.'s measure); Q_m of circuits
is Kashtan & Alon's. "Input NMI" is the normalised mutual information
between the modules the final best's best-Q partition gives the inputs and
a split of the inputs into two halves: the *task* split (left and right
pixels; {x, y} and {z, w}) or the *spatial* split (the inputs of the left
and right half of space under the interleaved layout: pixels {0, 4, 1, 5}
and {2, 6, 3, 7}; {x, z} and {y, w}).

- **H1 (a cost makes solutions modular; Clune et al., the seeds).** Each
  cost condition gives a higher modularity than no cost (retina: Q;
  circuits: Q_m). One-sided Mann-Whitney U per cost condition against
  `none`; supported where p < 0.05.
- **H2 (local beats total).** A wiring cost at fixed grid positions gives
  more modular solutions than the connection-count cost (retina:
  wiring-grid vs connections; circuits: locality-grid and locality-line vs
  connections). One-sided Mann-Whitney U.
- **H3 (where nodes sit matters for how modular).** A layout that matches
  the task's halves gives more modular solutions than one that does not:
  retina wiring-grid vs wiring-shuffled and vs wiring-random; circuits
  locality-line vs locality-shuffled and locality-grid vs locality-random.
  One-sided Mann-Whitney U.
- **H4 (where nodes sit matters for which modules form).** Under the
  interleaved layout, the modules follow space rather than the task: input
  NMI with the spatial split exceeds input NMI with the task split (paired,
  one-sided Wilcoxon signed-rank, retina wiring-shuffled and circuits
  locality-shuffled); and the task split is found less often than on the
  grid: input NMI with the task split lower under wiring-shuffled than under
  wiring-grid (one-sided Mann-Whitney U), and likewise locality-shuffled vs
  locality-line.

Every run goes to its cap (no stopping at the first solution), so that the
costs act on solved networks too; performance of the final best is reported
with every condition, since a cost can trade it away.
"""


def calibrate(samples: int = 20000, seed: int = 11) -> dict:
    """``LOCALITY_WEIGHTS`` from scratch: ``WIRE_COST`` over the mean wire
    length of random 12-gate genomes' effective circuits per layout."""
    from evomod import config
    from evomod.rng import seeded_state

    out = {}
    for layout in LOCALITY_WEIGHTS:
        cfg = config.load("ka2005-logic-g1", [f"objectives.gate_layout={layout}", "objectives.layout_seed=1"])
        rep = config.representation_of(cfg)
        pop = rep.random_population(samples, seeded_state(seed))
        rep.evaluate(pop)
        length = rep.cost("locality", pop, cfg.objectives).sum() / rep.cost("connections", pop, cfg.objectives).sum()
        out[layout] = WIRE_COST / length
    return out


@experiment("placement", "Does a connection cost, total or local, make solutions modular, and does where the "
            "nodes sit change how modular they are and which modules form?")
def placement(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None, scheduler=None, progress=True,
              command=""):
    from evomod.experiments import common, placement_report

    out = Path(out)
    outcome, interrupted = common.run_studies(STUDIES, out, name="placement", quick=quick, runs=runs,
                                              cluster=cluster, jobs=jobs, workers=workers, scheduler=scheduler,
                                              progress=progress, command=command)
    if interrupted:
        return out / "REPORT.md", outcome
    return placement_report.write(out, quick=quick, command=command or "evomod experiment placement",
                                  progress=progress), outcome

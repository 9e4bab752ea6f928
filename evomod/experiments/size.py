"""``evomod experiment size``: does modularity grow with size? (seed experiment 6)

The seeds' hypothesis: old networks with 10-100 parameters are not modular
unless something selects for it, large ones supposedly are, perhaps because
an optimiser cannot fine-tune every interaction among many parameters and
finds solutions made of weakly interacting parts. Two studies give the
solutions:

* ``logic``: Kashtan & Alon's NAND circuits with 12, 16, 24, 32 and 48
  gates, under the fixed goal G1 and under MVG (G1 <-> G2 every 20
  generations), each run stopping at its first solution (MVG: once both
  goals are solved). The size penalty keeps K&A's proportion: it starts
  above ``gates - 1`` effective gates (11 of 12), so larger genomes may
  use larger circuits.
* ``retina``: Clune et al.'s networks with hidden layers of widths x1
  (8-8-4-2-1), x2 (8-16-8-4-1) and x4 (8-32-16-8-1), performance alone, on
  L-AND-R and under MVG (L-AND-R <-> L-OR-R every 20 generations), stopping
  at the first perfect network.

Why Q_m and not Q across sizes: Q of a graph rises with its size and
sparsity even when its wiring is random (a random sparse graph of many nodes
splits into many loosely joined parts), so a larger solution can have a
higher Q with no more modular organisation. Q_m = (Q - Q_rand) / (Q_max -
Q_rand) compares each solution with random graphs of its own degree
sequence, and with the most modular graph of that sequence, so it is on the
same scale at every size. The report gives both, and Q_rand per size.
"""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import experiment
from evomod.replicate.experiments import Condition, Experiment, Size

GATES = (12, 16, 24, 32, 48)
WIDTHS = {"x1": [8, 8, 4, 2, 1], "x2": [8, 16, 8, 4, 1], "x4": [8, 32, 16, 8, 1]}
_SOLVE = {"stop_on_solve": True}
_G1 = {"schedule.name": "fixed", "schedule.goals": ["G1"], **_SOLVE}
_MVG = {"schedule.name": "mvg", "schedule.goals": ["G1", "G2"], "schedule.period": 20, **_SOLVE}


def _gates(n: int) -> dict:
    return {"representation.gates": n, "fitness.free_gates": n - 1}


LOGIC = Experiment(
    name="size-logic",
    title="Size, NAND circuits: 12 to 48 gates, fixed G1 and MVG (Kashtan & Alon 2005 setup)",
    base="ka2005-logic-mvg",
    conditions=tuple(
        Condition(f"{goal}-{n}", {**table, **_gates(n)}, f"{n} gates (penalty above {n - 1} effective gates), "
                  + ("fixed goal G1, stops at the first solution" if goal == "G1"
                     else "G1 <-> G2 every 20 generations, stops once both are solved"))
        for goal, table in (("G1", _G1), ("MVG", _MVG)) for n in GATES),
    full=Size(runs=30, generations=20_000, every=1000),
    quick=Size(runs=2, generations=800, every=400),
    claims=(),
    measures=("solved", "generations_to_solve", "final_qm", "final_q", "gates"),
)


def _centred(n: int) -> list[float]:
    return [j - (n - 1) / 2 for j in range(n)]


def _width(name: str) -> dict:
    layers = WIDTHS[name]
    if name == "x1":
        return {}  # the preset's network and the authors' coordinates
    return {"representation.layers": layers, "representation.x": [_centred(n) for n in layers],
            "representation.y": list(range(len(layers)))}


_RETINA_FIXED = {"schedule.name": "fixed", "schedule.goals": ["L-AND-R"], **_SOLVE}
_RETINA_MVG = {"schedule.name": "mvg", "schedule.goals": ["L-AND-R", "L-OR-R"], "schedule.period": 20, **_SOLVE}

RETINA = Experiment(
    name="size-retina",
    title="Size, retina networks: hidden layers x1, x2, x4 (Clune et al. 2013 setup, performance alone)",
    base="clune2013-pa",
    conditions=tuple(
        Condition(f"{goal}-{w}", {**table, **_width(w)},
                  f"{'-'.join(map(str, WIDTHS[w]))} network, " +
                  ("L-AND-R, stops at the first perfect network" if goal == "fixed"
                   else "L-AND-R <-> L-OR-R every 20 generations, stops once both are solved"))
        for goal, table in (("fixed", _RETINA_FIXED), ("MVG", _RETINA_MVG)) for w in WIDTHS),
    full=Size(runs=20, generations=5000, every=500),
    quick=Size(runs=2, generations=150, every=50, population=200),
    claims=(),
    measures=("solved", "generations_to_solve", "final_q", "final_performance", "gates", "connections"),
    modularity="q",
    notes=("Deviations from Clune et al.: a cap of 5,000 generations (not 25,000) and 20 runs per condition, for "
           "the CPU budget (a generation of the x4 network costs ~14 ms here); runs stop at the first perfect "
           "network; Q is directed Leicht-Newman Q by recursive bisection during the run, and Q_m of the final "
           "best is computed after the run."),
)

STUDIES = {"logic": LOGIC, "retina": RETINA}

HYPOTHESES = """\
Fixed before the full studies ran. "Solutions" are the final bests of the
runs that solved (every goal they met); unsolved runs are counted and left
out of the modularity tests.

- **H1 (the seeds: modularity grows with size).** Q_m of solutions rises
  with size: Spearman rho between the number of gates (circuits) or the
  hidden width (networks) and Q_m > 0, one-sided p < 0.05, tested within
  each goal schedule (G1, MVG; fixed, MVG): four tests.
- **H2 (information flow, the same question functionally).** The
  information-flow modularity of solutions (best 2-module partition) rises
  with size: the same four Spearman tests.
- **Q, for contrast (not a hypothesis).** Q and Q_rand against size are
  reported: Q_rand (and so Q) is expected to rise with size for random
  reasons, which is why H1 is judged on Q_m.
- **Generations to solve against size** (all runs, unsolved at the cap):
  reported with Spearman rho, no verdict.
"""


@experiment("size", "Does modularity grow with size: circuits of 12 to 48 gates, networks with hidden layers x1 to "
            "x4, under fixed goals and MVG?")
def size(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None, scheduler=None, progress=True,
         command=""):
    from evomod.experiments import common, size_report

    out = Path(out)
    outcome, interrupted = common.run_studies(STUDIES, out, name="size", quick=quick, runs=runs, cluster=cluster,
                                              jobs=jobs, workers=workers, scheduler=scheduler, progress=progress,
                                              command=command)
    if interrupted:
        return out / "REPORT.md", outcome
    return size_report.write(out, quick=quick, command=command or "evomod experiment size",
                             progress=progress), outcome

"""``evomod experiment broadness``: are modular solutions broader? (seed experiment 2)

The seeds predict that modular optima are broader: more of the genomes near
a modular solution still solve the task. Broadness of a solution is measured
by ``evomod.measures.robustness`` on the final best of every solved run:
the mean performance of all its single mutants, neutrality (the fraction
of all single mutations that keep it perfect), performance after k = 1..5
random mutations, and the fraction of random walks of 5 mutations that
stay at >= 95% performance (a basin estimate); for networks also the
neutrality of weight steps. Two studies give the
solutions, each under a fixed goal and under MVG:

* ``logic``: Kashtan & Alon's 12-gate NAND circuits, G1 and G1 <-> G2;
* ``retina``: Clune et al.'s 8-8-4-2-1 networks (performance alone),
  L-AND-R and L-AND-R <-> L-OR-R.

MVG is known to raise modularity; if it also raised broadness, the two
would correlate across conditions without any link in a solution. So the
verdicts are read *within* conditions.
"""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import experiment
from evomod.replicate.experiments import Condition, Experiment, Size

_SOLVE = {"stop_on_solve": True}

LOGIC = Experiment(
    name="broadness-logic",
    title="Broadness, NAND circuits: fixed G1 vs MVG (Kashtan & Alon 2005 setup), stopping at the first solution",
    base="ka2005-logic-mvg",
    conditions=(
        Condition("G1", {"schedule.name": "fixed", "schedule.goals": ["G1"], **_SOLVE},
                  "fixed goal G1 = (x xor y) and (z xor w); stops at the first perfect circuit"),
        Condition("MVG", {"schedule.name": "mvg", "schedule.goals": ["G1", "G2"], "schedule.period": 20, **_SOLVE},
                  "G1 <-> G2 every 20 generations; stops once both goals have been solved"),
    ),
    full=Size(runs=30, generations=20_000, every=100),
    quick=Size(runs=3, generations=1500, every=100),
    claims=(),
    measures=("solved", "generations_to_solve", "final_qm", "final_q", "gates", "mean_mutant", "neutrality"),
)

RETINA = Experiment(
    name="broadness-retina",
    title="Broadness, retina networks: fixed L-AND-R vs MVG (Clune et al. 2013 setup, performance alone)",
    base="clune2013-pa",
    conditions=(
        Condition("fixed", {"schedule.name": "fixed", "schedule.goals": ["L-AND-R"], **_SOLVE},
                  "L-AND-R; stops at the first perfect network"),
        Condition("MVG", {"schedule.name": "mvg", "schedule.goals": ["L-AND-R", "L-OR-R"], "schedule.period": 20,
                          **_SOLVE}, "L-AND-R <-> L-OR-R every 20 generations; stops once both are solved"),
    ),
    full=Size(runs=30, generations=8000, every=100),
    quick=Size(runs=2, generations=200, every=50, population=200),
    claims=(),
    measures=("solved", "generations_to_solve", "final_q", "final_performance", "gates", "mean_mutant", "neutrality"),
    modularity="q",
    notes=("Deviation from Clune et al.: a cap of 8,000 generations instead of 25,000 (CPU budget); runs stop at "
           "the first perfect network. Q_m of the final best is computed after the run (directed, 1,000 random "
           "networks)."),
)

STUDIES = {"logic": LOGIC, "retina": RETINA}

HYPOTHESES = """\
Fixed before the full studies ran. Only solutions count: the final bests of
runs that solved every goal they met (perfect on the final goal).
Broadness is measured on the mutational neighbourhood, every single
mutation listed (``evomod.measures.robustness``):

- **mean mutant performance**: the mean performance of all single mutants,
  i.e. how slowly performance falls when the genome is perturbed (the seeds'
  "loss increases slowly as parameters change"); for circuits over the loci
  of the effective gates and the outputs, because a mutation of an unused
  gate is neutral by construction and the number of unused gates is set by
  the circuit's size, not its organisation; for networks over all loci;
- **neutrality**: the fraction of all single mutations that keep the
  solution perfect.

Modularity is **Q_m** and **information-flow modularity** (the best
2-module partition's score). A "within-condition" test ranks both
variables inside each condition and tests their correlation over all
solutions by permuting inside conditions
(``evomod.experiments.common.stratified``): a link made only by MVG raising
both does not count.

- **H1 (the seeds: modular solutions are broader).** Mean mutant
  performance rises with Q_m within conditions: within-condition rank
  correlation > 0, one-sided permutation p < 0.05; one test per study
  (logic, retina).
- **H2.** Mean mutant performance rises with information-flow modularity
  within conditions: the same test, one per study.
- **H3.** Neutrality rises with Q_m within conditions: the same test, one
  per study.
- **Reported, no verdict:** Spearman rho within each condition alone and
  pooled over conditions (raw, confounded by the condition), the
  performance after k = 1..5 random mutations and the basin estimate (the
  fraction of random 5-mutation walks that stay >= 95%) per condition, MVG
  vs fixed broadness (one-sided Mann-Whitney U, the "MVG makes both"
  check), and for networks the neutrality of weight steps.

Amended before any study data was seen (the broadness studies had not
started; one pilot solution of each kind had been measured): the first
version made neutrality the primary measure and tested the basin estimate.
On a pilot circuit every neutral mutation was a mutation of an unused gate
(neutrality of the effective loci 0) and no 5-mutation walk stayed perfect,
so neutrality would count unused gates and the basin would be 0 for every
circuit; mean mutant performance replaced it as the primary measure, and
the basin estimate became descriptive.
"""


@experiment("broadness", "Are modular solutions broader: do more of their mutants still solve the task (fixed "
            "goals and MVG, circuits and retina networks)?")
def broadness(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None, scheduler=None, progress=True,
              command=""):
    from evomod.experiments import broadness_report, common

    out = Path(out)
    outcome, interrupted = common.run_studies(STUDIES, out, name="broadness", quick=quick, runs=runs,
                                              cluster=cluster, jobs=jobs, workers=workers, scheduler=scheduler,
                                              progress=progress, command=command)
    if interrupted:
        return out / "REPORT.md", outcome
    return broadness_report.write(out, quick=quick, command=command or "evomod experiment broadness",
                                  progress=progress), outcome

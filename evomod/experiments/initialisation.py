"""``evomod experiment initialisation``: how modular are random genomes? (seed experiment 7)

The seeds describe two extremes for a system at initialisation. *Scarce
channels*: most information does not travel far, it is wiped out on the
way; distant parts are nearly independent; structural modularity scores are
high because the interactions that remain are local; training must select
which information gets through. *Scarce modules*: every part interacts
strongly with the rest; nothing is independent; modularity scores are low;
training must carve modules out. Which do random circuits and networks
resemble?

The random genomes are each representation's initial population, drawn by
its own ``random_population`` (NAND circuits of 12, 16, 24, 32 and 48 gates
with every locus uniform; Clune et al.'s networks x1, x2, x4 with a uniform
number of connections in [0, 120)), and the same drawn until each computes
something non-constant. For each: Q, Q_m, the information-flow modularity of
its best 2-module partition, how many inputs the output depends on, and the
fraction of its nodes whose value depends on some input (how far the input
gets). The evolved solutions they are compared with are the ``size``
experiment's: its study is run (or resumed) in ``OUT/evolved`` (copy an
existing ``evomod experiment size`` directory there to reuse it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evomod.experiments import experiment


@dataclass(frozen=True)
class Sampling:
    genomes: int  # per representation and size, and as many non-constant ones
    n_random: int  # random networks per degree sequence for Q_m
    seed: int = 2005


FULL = Sampling(genomes=150, n_random=1000)
QUICK = Sampling(genomes=6, n_random=50)
NETWORK_GENOMES = 100  # networks are slower to measure (full study)

HYPOTHESES = """\
Fixed before the sampling and the full studies ran. "Random" is the initial
population; "random non-constant" the same conditioned on an output that is
not constant over the input rows; "evolved" the solutions of the `size`
experiment (solved runs) of the same representation and size. Input reach
is the fraction of the task's inputs the output depends on (some row where
flipping that input flips the output); node reach is the fraction of the
graph's non-input nodes whose value depends on some input.

- **H1 (structure alone does not tell the scenarios apart).** Q_m of random
  genomes is centred on 0 (it is normalised against random graphs of the
  same degrees): the 95% CI of the median Q_m of random non-constant
  genomes contains 0, per representation and size. Q of random genomes is
  reported next to the evolved solutions' Q.
- **H2 (evolution changes modularity).** Evolved MVG solutions have a higher
  Q_m than random non-constant genomes of the same size (one-sided
  Mann-Whitney U), per size; evolved fixed-goal solutions are reported the
  same way, without a verdict.
- **Scenario rule.** Random circuits resemble *scarce channels* if, for the
  median random genome, (a) the output depends on at most half of the
  inputs, and (b) its information-flow modularity is at least that of the
  evolved solutions of the same size (modules that exchange little);
  *scarce modules* if the output depends on more than half of the inputs and
  the random genomes' information-flow modularity is below the evolved
  solutions'; *neither* otherwise. Judged per representation and size on
  the unconditioned random genomes (the initial population), and reported
  for the non-constant ones.
"""


@experiment("initialisation", "How modular are random circuits and networks (the initial population), and do they "
            "resemble the seeds' 'scarce channels' or 'scarce modules'?")
def initialisation(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None, scheduler=None,
                   progress=True, command=""):
    from evomod.experiments import common, initialisation_report
    from evomod.experiments.size import STUDIES

    out = Path(out)
    outcome, interrupted = common.run_studies(STUDIES, out / "evolved", name="size", quick=quick, runs=runs,
                                              cluster=cluster, jobs=jobs, workers=workers, scheduler=scheduler,
                                              progress=progress, command=command)
    if interrupted:
        return out / "REPORT.md", outcome
    return initialisation_report.write(out, QUICK if quick else FULL, quick=quick,
                                       command=command or "evomod experiment initialisation",
                                       progress=progress), outcome

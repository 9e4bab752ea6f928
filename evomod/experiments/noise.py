"""``evomod experiment noise``: does noise that cannot be fitted select for sparser or more modular
circuits? (seed experiment 8)

The seeds: organisms cannot fit the noise in their inputs, so they may need
to throw superfluous information away, which goes with sparsity and perhaps
modularity. Here Kashtan & Alon's 12-gate NAND circuits are scored on
noisy rows (``[fitness] noise``, ``evomod.engine.noise``): every
generation each input bit of each row is flipped with probability p, the
same flips for the whole population, and the goal is still computed from
the clean row. No circuit can be right on a flipped row except by ignoring
the flipped input, so the noise cannot be fitted. p = 0, 0.01, 0.03 and
0.1, under the fixed goal G1 and under MVG, every run to the cap. Two
controls flip goal bits instead (labels, q = 0.03): that noise does not
depend on the circuit, so it only adds drift to selection.

Records keep the best's noise-free performance, so performance is
comparable across p.
"""

from __future__ import annotations

from pathlib import Path

from evomod.experiments import experiment
from evomod.replicate.experiments import Condition, Experiment, Size

LEVELS = (0.0, 0.01, 0.03, 0.1)
LABELS = 0.03
_LONG = {"stop_on_solve": False}
_G1 = {"schedule.name": "fixed", "schedule.goals": ["G1"], **_LONG}
_MVG = {"schedule.name": "mvg", "schedule.goals": ["G1", "G2"], "schedule.period": 20, **_LONG}


def _noise(inputs: float, labels: float = 0.0) -> dict:
    if inputs == 0.0 and labels == 0.0:
        return {}  # the noise-free engine itself
    return {"fitness.noise": {"inputs": inputs, "labels": labels}}


LOGIC = Experiment(
    name="noise-logic",
    title="Noisy inputs, NAND circuits (Kashtan & Alon 2005 setup): input flips p = 0 to 0.1, fixed G1 and MVG",
    base="ka2005-logic-mvg",
    conditions=(
        *(Condition(f"{goal} p={p:g}", {**table, **_noise(p)},
                    f"{'fixed goal G1' if goal == 'G1' else 'G1 <-> G2 every 20 generations'}, each input bit "
                    f"flipped with probability {p:g}")
          for goal, table in (("G1", _G1), ("MVG", _MVG)) for p in LEVELS),
        Condition(f"G1 labels={LABELS:g}", {**_G1, **_noise(0.0, LABELS)},
                  f"fixed goal G1, each goal bit flipped with probability {LABELS:g} (control: noise that does not "
                  "depend on the circuit)"),
        Condition(f"MVG labels={LABELS:g}", {**_MVG, **_noise(0.0, LABELS)},
                  f"MVG, each goal bit flipped with probability {LABELS:g} (control)"),
    ),
    full=Size(runs=30, generations=5000, every=100),
    quick=Size(runs=2, generations=600, every=100),
    claims=(),
    measures=("late_qm", "late_q", "late_performance", "late_perfect", "final_gates", "final_qm"),
)

STUDIES = {"logic": LOGIC}

HYPOTHESES = """\
Fixed before the full study ran. Every run goes to 5,000 generations; the
measures average the best over the last 10% of the generations (late),
where Q_m is measured every 100 generations. "Late gates" is the mean
number of effective gates of the best over the last 10%.

- **H1 (sparser).** Input noise selects for sparser circuits: Spearman rho
  between p (0, 0.01, 0.03, 0.1) and late gates < 0, one-sided p < 0.05,
  within each goal schedule (G1, MVG): two tests.
- **H2 (more modular).** Input noise selects for more modular circuits:
  Spearman rho between p and late Q_m > 0, one-sided p < 0.05, within each
  schedule: two tests.
- **H3 (it is the inputs, not noise as such).** Label noise of 0.03 does
  not make circuits sparser: late gates under labels=0.03 are *not* lower
  than at p = 0 (one-sided Mann-Whitney U, lower; "supported" here means
  the test finds no decrease, p >= 0.05), per schedule.
- **Reported, no verdict:** late noise-free performance and the fraction of
  late generations whose best is perfect, against p (the trade-off the
  seeds ask about), the number of inputs the final best reads, and
  information flow of the final best.
"""


@experiment("noise", "Does noise in the inputs, which cannot be fitted, select for sparser or more modular circuits?")
def noise(out, *, quick=False, runs=None, cluster=None, jobs=None, workers=None, scheduler=None, progress=True,
          command=""):
    from evomod.experiments import common, noise_report

    out = Path(out)
    outcome, interrupted = common.run_studies(STUDIES, out, name="noise", quick=quick, runs=runs, cluster=cluster,
                                              jobs=jobs, workers=workers, scheduler=scheduler, progress=progress,
                                              command=command)
    if interrupted:
        return out / "REPORT.md", outcome
    return noise_report.write(out, quick=quick, command=command or "evomod experiment noise",
                              progress=progress), outcome

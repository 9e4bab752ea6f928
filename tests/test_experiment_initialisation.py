"""The initialisation experiment: random genomes as drawn, and the pre-registered tests on hand-made values."""

import numpy as np

from evomod.config import representation_of
from evomod.experiments import initialisation_report as R
from evomod.testing import reference as ref


def test_groups_are_every_representation_and_size_once():
    groups = R.groups()
    assert sorted(k for k in groups if k[0] == "logic") == [("logic", float(g)) for g in (12, 16, 24, 32, 48)]
    assert [k for k in groups if k[0] == "retina"] == [("retina", 1.0), ("retina", 2.0), ("retina", 4.0)]
    assert groups[("logic", 24.0)].representation.gates == 24
    assert groups[("retina", 4.0)].representation.layers == [8, 32, 16, 8, 1]


def test_non_constant_genomes_compute_something_non_constant_by_the_reference_rule():
    cfg = R.groups()[("logic", 12.0)]
    rep = representation_of(cfg)
    genomes = R.draw(rep, 40, seed=3, non_constant=True)
    assert len(genomes) == 40
    for g in genomes:
        outputs, settled = ref.evaluate_circuit([int(v) for v in g], 4, 12, 1, 13)
        seen = {outputs[row][0] for row in range(16) if settled[row]}
        assert seen == {0, 1}
    # the unconditioned draw is the initial population: the same genomes as the engine's first generation
    from evomod import rng

    first = rep.random_population(40, rng.new_state(np.random.SeedSequence(5))).genomes
    assert np.array_equal(R.draw(rep, 40, seed=5, non_constant=False), first)


def test_h1_is_supported_when_q_m_is_centred_on_zero_and_h2_when_evolved_is_higher():
    gen = np.random.default_rng(0)
    random_rows, evolved = [], []
    for study, size in R.groups():
        for kind in R.KINDS:
            for _ in range(30):
                random_rows.append({"study": study, "size": size, "kind": kind, "qm": gen.normal(0, 0.05),
                                    "info_flow": 0.9, "input_reach": 0.25})
        cond = f"MVG-{size:g}" if study == "logic" else f"MVG-x{size:g}"
        evolved += [{"study": study, "condition": cond, "solved": 1.0, "qm": 0.4 + gen.normal(0, 0.05),
                     "info_flow": 0.5} for _ in range(20)]
    verdicts, scenarios = R.tests(random_rows, evolved)
    assert all(r.verdict == "supported" for _, _, r in verdicts), [(w, r.text) for _, w, r in verdicts]
    assert {row[-1] for row in scenarios} == {"scarce channels"}  # reach 0.25 <= 1/2, flow 0.9 >= 0.5
    shifted = [{**r, "qm": r["qm"] + 0.3} for r in random_rows]
    verdicts, _ = R.tests(shifted, evolved)
    assert {r.verdict for h, _, r in verdicts if h == "H1"} == {"not supported"}

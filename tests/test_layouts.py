"""Fixed node layouts for the wiring and locality costs: layered networks'
``representation.layout`` and NAND circuits' ``objectives.gate_layout``,
checked on hand-placed wires."""

import numpy as np
import pytest

from evomod import config as C
from evomod.registry import ConfigError
from evomod.representations.layered import wiring as W


def clune(*sets):
    return C.representation_of(C.load("clune2013-pcc", ["representation.positions=fixed", *sets]))


def chain_from(rep, source):
    """A genome with one path: input ``source`` -> hidden 8 -> node 16 -> node 20 -> output 22."""
    s = rep.spec
    g = np.zeros(s.n_loci, dtype=np.int8)
    for a, b in ((source, 8), (8, 16), (16, 20), (20, 22)):
        g[np.flatnonzero((s.slot_src == a) & (s.slot_dst == b))[0]] = 1
    return g


def test_shuffled_retina_interleaves_left_and_right_inputs():
    rep = clune("representation.layout=shuffled")
    # the authors' input coordinates -3.5 .. 3.5: left pixels 0-3 and right 4-7 now alternate
    assert rep.spec.node_x[:8].tolist() == [-3.5, -1.5, 0.5, 2.5, -2.5, -0.5, 1.5, 3.5]
    assert rep.spec.node_x[8:].tolist() == clune().spec.node_x[8:].tolist()  # hidden nodes stay


@pytest.mark.parametrize("layout, source, first", [("given", 4, (0.5 + 3.5) ** 2 + 1),
                                                  ("shuffled", 4, (-2.5 + 3.5) ** 2 + 1),
                                                  ("shuffled", 1, (-1.5 + 3.5) ** 2 + 1)])
def test_fixed_wiring_of_one_path_by_hand(layout, source, first):
    rep = clune(f"representation.layout={layout}")
    # input -> hidden (-3.5, 1) -> (-2, 2) -> (-1, 3) -> (0, 4): squared lengths first, 1.5^2 + 1, 1 + 1, 1 + 1
    _, wiring = W.costs(chain_from(rep, source), rep.spec, optimal=False)
    assert wiring[0] == pytest.approx(first + 3.25 + 2 + 2)


def test_random_layout_is_seeded_and_keeps_the_outputs():
    a, b, c = (clune("representation.layout=random", f"representation.layout_seed={s}") for s in (1, 1, 2))
    assert np.array_equal(a.spec.node_x, b.spec.node_x) and np.array_equal(a.spec.node_y, b.spec.node_y)
    assert not np.array_equal(a.spec.node_x, c.spec.node_x)
    assert a.spec.node_x[-1] == 0.0 and a.spec.node_y[-1] == 4.0  # the output stays
    inside = (a.spec.node_x[:-1] >= -3.5) & (a.spec.node_x[:-1] <= 3.5) & (a.spec.node_y[:-1] >= 0) & \
        (a.spec.node_y[:-1] <= 4)
    assert inside.all() and len(set(a.spec.node_y[:8].tolist())) == 8  # inputs no longer on one row


def test_nand_shuffled_layout_interleaves_the_inputs():
    # inputs x, y, z, w at 0, 2, 1, 3: the wire y -> gate 0 (address 4) is 2 long instead of 3
    cfg = C.load(None, ["representation.gates=1", "objectives.gate_layout=shuffled"])
    rep = C.representation_of(cfg)
    pop = rep.population(np.array([[1, 2, 4]]))  # g0 = NAND(y, z), out = g0
    rep.evaluate(pop)
    # y at 2 -> 4: 2; z at 1 -> 4: 3; g0 at 4 -> output (address 5): 1
    assert rep.cost("locality", pop, cfg.objectives)[0] == pytest.approx(2 + 3 + 1)
    line = C.load(None, ["representation.gates=1"])
    assert C.representation_of(line).cost("locality", pop, line.objectives)[0] == pytest.approx(3 + 2 + 1)


def test_nand_random_layout_puts_each_address_on_its_own_cell():
    from evomod.representations.nand.representation import address_positions

    px, py = address_positions(17, "random", 4, seed=3)
    cells = set(zip(px.tolist(), py.tolist()))
    assert len(cells) == 17 and all(0 <= x < 5 and 0 <= y < 5 for x, y in cells)
    again = address_positions(17, "random", 4, seed=3)
    assert np.array_equal(px, again[0]) and not np.array_equal(px, address_positions(17, "random", 4, seed=4)[0])


def test_unknown_layout_names_the_key():
    with pytest.raises(ConfigError, match=r"representation\.layout"):
        C.load("clune2013-pcc", ["representation.layout=spiral"])
    with pytest.raises(ConfigError, match=r"objectives\.gate_layout"):
        C.load(None, ["objectives.gate_layout=spiral"])

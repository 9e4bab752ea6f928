"""evomod.representations.layered.kernels: the integer kernels against literal float64 twins, networkx,
numpy/scipy solvers and the mutation rules' expected frequencies."""

import inspect
import itertools

import networkx as nx
import numpy as np
import pytest
from conftest import kernel_call
from scipy.optimize import minimize

from evomod import rng
from evomod.problems.goals import input_tables, unpack
from evomod.representations.layered import kernels as LN
from evomod.representations.layered import wiring as W
from evomod.testing.kernels import preset_spec

# --- helpers (independent of the kernels) ---------------------------------------

def call(fn, spec, **kw):
    """A kernel called with the spec's arrays plus ``kw``, by parameter name."""
    return kernel_call(fn, **{**spec.kernel_args(), **kw})


def slot_table(layers):
    """[(slot, src node, dst node)] built from the documented layout."""
    starts = np.concatenate([[0], np.cumsum(layers)])
    out, s = [], 0
    for t in range(len(layers) - 1):
        for a in range(layers[t]):
            for b in range(layers[t + 1]):
                out.append((s, starts[t] + a, starts[t + 1] + b))
                s += 1
    return out


def numpy_population(spec, size, seed, density):
    """Genomes drawn with numpy: each slot occupied with prob. `density`,
    then connections dropped at random until every fan-in cap holds."""
    gen = np.random.default_rng(seed)
    pop = np.zeros((size, spec.n_loci), dtype=np.int8)
    table = slot_table(spec.layers)
    for i in range(size):
        for s, _, _ in table:
            if gen.random() < density:
                pop[i, s] = gen.choice(spec.weights)
        for node in range(spec.n_inputs, spec.n_nodes):
            into = [s for s, _, d in table if d == node and pop[i, s] != 0]
            cap = spec.node_cap[node]
            for s in gen.permutation(into)[: max(0, len(into) - cap)]:
                pop[i, s] = 0
        pop[i, spec.n_slots:] = gen.choice(spec.biases, spec.n_biased)
    return pop


def float_outputs(genome, spec):
    """bool (R, K): output > 0, evaluated literally in float64 with np.tanh(20 x)
    (or a Heaviside step) on textbook-ordered rows."""
    n = spec.n_inputs
    x = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.float64)
    off, on = spec.input_values
    h = np.where(x == 1, float(on), float(off))
    table = slot_table(spec.layers)
    starts = np.concatenate([[0], np.cumsum(spec.layers)])
    for t in range(len(spec.layers) - 1):
        a0, b0 = starts[t], starts[t + 1]
        W = np.zeros((spec.layers[t], spec.layers[t + 1]))
        for s, src, dst in table:
            if starts[t] <= src < starts[t + 1]:
                W[src - a0, dst - b0] = genome[s]
        bias = np.array([genome[spec.n_slots + node - n] for node in range(b0, starts[t + 2])],
                        dtype=np.float64)
        pre = h @ W + bias
        h = np.tanh(20.0 * pre) if spec.activation == "tanh20" else (pre > 0).astype(np.float64)
    return h > 0


def kernel_outputs(pop, spec):
    out = LN.evaluate_population(pop, spec)
    return np.stack([np.stack([unpack(out[i, k], spec.n_inputs) for k in range(spec.n_outputs)], axis=1)
                     for i in range(pop.shape[0])])


def digraph(genome, spec):
    g = nx.DiGraph()
    g.add_nodes_from(range(spec.n_nodes))
    for s, a, b in slot_table(spec.layers):
        if genome[s] != 0:
            g.add_edge(a, b)
    return g


def nx_kept(genome, spec):
    g = digraph(genome, spec)
    outs = range(spec.n_nodes - spec.n_outputs, spec.n_nodes)
    kept = np.zeros(spec.n_nodes, dtype=bool)
    kept[: spec.n_inputs] = True
    kept[spec.n_nodes - spec.n_outputs:] = True
    for v in range(spec.n_inputs, spec.n_nodes - spec.n_outputs):
        kept[v] = any(nx.has_path(g, v, o) for o in outs)
    return kept


def pruned_edges(genome, spec):
    kept = nx_kept(genome, spec)
    return [(a, b) for s, a, b in slot_table(spec.layers) if genome[s] != 0 and kept[a] and kept[b]]


def coordinates(spec):
    return np.array([v for row in spec.x for v in row]), np.array([v for row in spec.y for v in row])


def numpy_wiring(genome, spec, optimal):
    """Sum of squared edge lengths of the pruned network; optimal hidden
    positions from numpy.linalg.solve on the Laplacian's free block."""
    x, y = coordinates(spec)
    pos = np.stack([x, y], axis=1)
    edges = pruned_edges(genome, spec)
    if optimal:
        free = sorted({v for e in edges for v in e
                       if spec.n_inputs <= v < spec.n_nodes - spec.n_outputs})
        if free:
            idx = {v: i for i, v in enumerate(free)}
            L = np.zeros((len(free), len(free)))
            b = np.zeros((len(free), 2))
            for u, v in edges:
                for p, q in ((u, v), (v, u)):
                    if p in idx:
                        L[idx[p], idx[p]] += 1
                        if q in idx:
                            L[idx[p], idx[q]] -= 1
                        else:
                            b[idx[p]] += pos[q]
            pos[free] = np.linalg.solve(L, b)
    return sum(((pos[u] - pos[v]) ** 2).sum() for u, v in edges), pos


def spec_of(layers, weights=(-2, -1, 1, 2), biases=(-2, -1, 0, 1, 2), activation="tanh20",
            input_values=(-1, 1), **kw):
    """A spec for kernel tests: Clune et al.'s parameter sets unless given."""
    return LN.LayeredSpec(layers, weights, biases, activation, input_values, **kw)


@pytest.fixture(scope="module")
def clune():
    return preset_spec("clune2013-pa")


@pytest.fixture(scope="module")
def ka():
    return preset_spec("ka2005-retina3-fixed")  # the three-neuron-layer reading: small and well known


# --- spec ----------------------------------------------------------------------

def test_clune_preset_layout(clune):
    """The clune2013 presets' networks, against Clune, Mouret & Lipson (2013) and their source."""
    assert clune.layers == (8, 8, 4, 2, 1)
    assert clune.n_slots == 64 + 32 + 8 + 2 == 106 and clune.n_biased == 15
    assert clune.n_loci == 121 and clune.max_connections == 106
    assert [(s, a, b) for s, a, b in zip(range(clune.n_slots), clune.slot_src, clune.slot_dst)] == \
        slot_table(clune.layers)
    assert clune.slot_src[1] == 0 and clune.slot_dst[1] == 9 and clune.slot_src[8] == 1
    assert clune.weights == (-2, -1, 1, 2) and clune.biases == (-2, -1, 0, 1, 2)
    assert clune.input_values == (-1, 1) and clune.activation == "tanh20"
    x, y = coordinates(clune)
    assert list(x[:8]) == [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5] and list(y[:8]) == [0] * 8
    assert list(x[8:16]) == list(x[:8]) and list(y[8:16]) == [1] * 8
    assert list(x[16:20]) == [-2, -1, 1, 2] and list(y[16:20]) == [2] * 4
    assert list(x[20:22]) == [-1, 1] and list(x[22:]) == [0] and list(y[20:]) == [3, 3, 4]
    assert np.array_equal(clune.node_x, x) and np.array_equal(clune.node_y, y)
    assert clune.node_names()[8] == "h1.0" and clune.node_names()[-1] == "out0"


def test_kashtan_alon_preset(ka):
    """The ka2005-retina presets' networks, against Kashtan & Alon (2005) as reported: four layers of
    threshold neurons (8, 4, 2, 1) fed by the 8 inputs, four fan-in limits; the three-layer reading kept."""
    four = preset_spec("ka2005-retina-fixed")
    assert four.layers == (8, 8, 4, 2, 1) and four.n_slots == 64 + 32 + 8 + 2 and four.n_biased == 15
    assert four.fan_in == (3, 3, 3, 2) and four.max_connections == 8 * 3 + 4 * 3 + 2 * 3 + 2
    assert preset_spec("ka2005-retina-mvg") == four
    assert ka.layers == (8, 4, 2, 1) and ka.n_slots == 32 + 8 + 2 and ka.n_biased == 7
    assert ka.fan_in == (3, 3, 2) and ka.max_connections == 4 * 3 + 2 * 3 + 2
    for spec in (four, ka):
        assert spec.weights == (-1, 1) and spec.activation == "step" and spec.input_values == (0, 1)
        assert spec.biases == (-2, -1, 0, 1, 2)  # thresholds -2..2 (their range is not known)


def test_spec_hashable_and_equal(clune, ka):
    again = preset_spec("clune2013-pcc")
    assert clune == again and hash(clune) == hash(again)
    assert clune != ka


def test_kernel_args_cover_kernel_parameters(clune):
    known = set(clune.kernel_args()) | {
        "genomes", "genome", "size", "state", "keep", "stale", "rewired", "todo", "inputs", "n_rows",
        "out_tables", "min_connections", "max_connections", "p_add", "p_remove", "bias_rate", "pm", "pc",
        "optimal", "n_connections", "wiring", "n_kept"}
    for fn in (LN.random_networks, LN.evaluate, LN.mutate_clune, LN.mutate_point, LN.crossover,
               W.connection_costs, W.kept_nodes):
        assert set(inspect.signature(fn.py_func).parameters) <= known, fn


# --- exact evaluation ---------------------------------------------------------------

def test_tanh20_of_integers_is_exactly_sign_in_float64():
    k = np.arange(-300, 301, dtype=np.float64)
    assert np.array_equal(np.tanh(20.0 * k), np.sign(k))


@pytest.mark.parametrize("which, density", [("clune", 0.5), ("clune", 0.2), ("ka", 0.6),
                                            ("hxor", 0.4), ("tanh01", 0.5), ("step_pm", 0.5)])
def test_kernel_matches_float_twin(which, density):
    spec = {
        "clune": preset_spec("clune2013-pa"),
        "ka": preset_spec("ka2005-retina3-fixed"),
        "hxor": spec_of(layers=(8, 8, 4, 4, 2)),
        "tanh01": spec_of(layers=(6, 5, 3, 1), input_values=(0, 1), weights=(-3, -1, 2)),
        "step_pm": spec_of(layers=(4, 3, 2), activation="step", input_values=(-1, 1),
                                  fan_in=(2, 0)),
    }[which]
    pop = numpy_population(spec, 150, 7, density)
    got = kernel_outputs(pop, spec)
    for i in range(pop.shape[0]):
        assert np.array_equal(got[i], float_outputs(pop[i], spec)), i


def test_kernel_on_random_networks_matches_twin(clune):
    pop = LN.random_population(clune, 100, rng.seeded_state(3), 0, 120)
    got = kernel_outputs(pop, clune)
    for i in range(pop.shape[0]):
        assert np.array_equal(got[i], float_outputs(pop[i], clune))


def test_hand_built_chain_copies_an_input(clune):
    g = np.zeros(clune.n_loci, dtype=np.int8)
    for s, a, b in slot_table(clune.layers):
        if (a, b) in {(2, 8), (8, 16), (16, 20), (20, 22)}:
            g[s] = 1
    out = LN.evaluate_population(g, clune)
    assert np.array_equal(out[0, 0], input_tables(8)[2])
    g[clune.n_slots + 22 - 8] = 2  # output bias 2: tanh(20(±1 + 2)) > 0 always
    assert unpack(LN.evaluate_population(g, clune)[0, 0], 8).all()


def test_evaluate_only_todo_rows(clune):
    pop = LN.random_population(clune, 6, rng.seeded_state(4), 0, 120)
    todo = np.array([True, False, True, False, False, True])
    out = np.full((6, 1, 4), 12345, dtype=np.uint64)
    call(LN.evaluate, clune, genomes=pop, inputs=input_tables(8), n_rows=256, todo=todo, out_tables=out)
    assert not todo.any()
    full = LN.evaluate_population(pop, clune)
    for i in range(6):
        if i in (0, 2, 5):
            assert np.array_equal(out[i], full[i])
        else:
            assert (out[i] == 12345).all()


# --- random networks ------------------------------------------------------------------

def test_random_networks_counts_and_values(clune):
    pop = LN.random_population(clune, 20000, rng.seeded_state(5), 0, 120)
    assert pop.dtype == np.int8 and pop.shape == (20000, 121)
    counts = (pop[:, :106] != 0).sum(axis=1)
    # c = min(U[0, 120), 106): P(106) = 14/120, mean = (sum(0..105) + 14 * 106) / 120
    assert abs((counts == 106).mean() - 14 / 120) < 0.01
    assert abs(counts.mean() - (105 * 106 / 2 + 14 * 106) / 120) < 0.6
    assert abs((counts == 10).mean() - 1 / 120) < 0.003
    assert set(np.unique(pop[:, :106])) == {0, -2, -1, 1, 2}
    assert set(np.unique(pop[:, 106:])) == {-2, -1, 0, 1, 2}
    # every slot equally likely
    occupancy = (pop[:, :106] != 0).mean(axis=0)
    assert np.abs(occupancy / occupancy.mean() - 1).max() < 0.06


def fan_in_ok(pop, spec):
    dst = np.array([b for _, _, b in slot_table(spec.layers)])
    for node in range(spec.n_inputs, spec.n_nodes):
        fan = (pop[:, :spec.n_slots][:, dst == node] != 0).sum(axis=1)
        if (fan > spec.node_cap[node]).any():
            return False
    return True


def test_random_networks_respect_fan_in(ka):
    pop = LN.random_population(ka, 5000, rng.seeded_state(6), 0, 120)
    counts = (pop[:, :ka.n_slots] != 0).sum(axis=1)
    assert fan_in_ok(pop, ka)
    assert counts.max() == 20 and abs((counts == 20).mean() - 100 / 120) < 0.02
    with pytest.raises(ValueError):
        LN.random_population(ka, 3, rng.seeded_state(6), 5, 5)


# --- mutation ----------------------------------------------------------------------------

def run_clune(pop, spec, keep=None, seed=0, p_add=0.2, p_remove=0.2, bias_rate=1 / 24):
    size = pop.shape[0]
    keep = np.zeros(size, dtype=bool) if keep is None else keep
    stale = np.zeros(size, dtype=bool)
    rewired = np.zeros(size, dtype=bool)
    call(LN.mutate_clune, spec, genomes=pop, keep=keep, state=rng.seeded_state(seed), stale=stale,
         rewired=rewired, p_add=p_add, p_remove=p_remove, bias_rate=bias_rate)
    return stale, rewired


def test_weight_mutation_two_per_network_one_step(clune):
    pop = LN.random_population(clune, 4000, rng.seeded_state(8), 2, 120)
    before = pop.copy()
    stale, rewired = run_clune(pop, clune, p_add=0, p_remove=0, bias_rate=0)
    assert not rewired.any()
    changed = pop[:, :106] != before[:, :106]
    assert np.array_equal((pop[:, :106] != 0), (before[:, :106] != 0))
    assert abs(changed.sum(axis=1).mean() - 2.0) < 0.1
    assert np.array_equal(stale, changed.any(axis=1))
    # one step along (-2, -1, 1, 2); at an end, the only way
    index = {w: j for j, w in enumerate(clune.weights)}
    for w_old, w_new in zip(before[:, :106][changed], pop[:, :106][changed]):
        assert abs(index[w_old] - index[w_new]) == 1
    ends = before[:, :106][changed]
    assert set(pop[:, :106][changed][ends == -2]) == {-1} and set(pop[:, :106][changed][ends == 2]) == {1}
    middle = pop[:, :106][changed][ends == -1]
    assert abs((middle == 1).mean() - 0.5) < 0.05  # -1 goes up or down with equal odds


def test_single_connection_always_steps(ka):
    g = np.zeros((50, ka.n_loci), dtype=np.int8)
    g[:, 0] = 1
    run_clune(g, ka, p_add=0, p_remove=0, bias_rate=0)
    assert (g[:, 0] == -1).all()  # weights (-1, 1): the one step from 1


def test_add_remove_bias_frequencies(clune):
    size = 20000
    pop = LN.random_population(clune, size, rng.seeded_state(9), 2, 100)
    before = pop.copy()
    stale, rewired = run_clune(pop, clune, seed=1)
    delta = (pop[:, :106] != 0).sum(axis=1) - (before[:, :106] != 0).sum(axis=1)
    # add with 0.2, then remove with 0.2: +1 with 0.16, -1 with 0.16
    assert abs((delta == 1).mean() - 0.16) < 0.012
    assert abs((delta == -1).mean() - 0.16) < 0.012
    # the graph changes unless neither happened, or the removal hit the new connection (~1/60)
    graph = ((pop[:, :106] != 0) != (before[:, :106] != 0)).any(axis=1)
    assert np.array_equal(rewired, graph)
    assert abs(graph.mean() - (1 - 0.8 * 0.8 - 0.2 * 0.2 * 0.019)) < 0.015
    # each bias redrawn with 1/24, to a different value 4 times in 5
    bias_changed = (pop[:, 106:] != before[:, 106:]).mean()
    assert abs(bias_changed - (1 / 24) * 0.8) < 0.002
    assert np.array_equal(stale, (pop != before).any(axis=1))


def test_add_to_empty_and_remove_from_empty(ka):
    g = np.zeros((2000, ka.n_loci), dtype=np.int8)
    stale, rewired = run_clune(g, ka, p_add=1.0, p_remove=0.0, bias_rate=0)
    assert ((g[:, :ka.n_slots] != 0).sum(axis=1) == 1).all() and rewired.all() and stale.all()
    # new connections fall in every slot
    assert (g[:, :ka.n_slots] != 0).any(axis=0).all()
    g[:] = 0
    stale, rewired = run_clune(g, ka, p_add=0.0, p_remove=1.0, bias_rate=0)
    assert not g.any() and not stale.any() and not rewired.any()


def test_keep_rows_untouched(clune):
    pop = LN.random_population(clune, 500, rng.seeded_state(10), 0, 120)
    keep = np.zeros(500, dtype=bool)
    keep[::3] = True
    before = pop.copy()
    stale, rewired = run_clune(pop, clune, keep=keep, p_add=0.9, p_remove=0.9, bias_rate=0.5)
    assert np.array_equal(pop[keep], before[keep]) and not stale[keep].any() and not rewired[keep].any()
    assert stale[~keep].mean() > 0.9


@pytest.mark.parametrize("caps", [(3, 3, 2), (1, 2, 1)])
def test_fan_in_caps_hold_under_many_mutations(caps):
    spec = spec_of(layers=(8, 4, 2, 1), weights=(-1, 1), activation="step", input_values=(0, 1), fan_in=caps)
    state = rng.seeded_state(11)
    pop = LN.random_population(spec, 300, state, 0, 120)
    size = pop.shape[0]
    keep = np.zeros(size, dtype=bool)
    flags = np.zeros(size, dtype=bool)
    for gen in range(150):
        call(LN.mutate_clune, spec, genomes=pop, keep=keep, state=state, stale=flags, rewired=flags,
             p_add=0.8, p_remove=0.2, bias_rate=0.1)
        call(LN.mutate_point, spec, genomes=pop, keep=keep, pm=0.9, state=state, stale=flags,
             rewired=flags)
        call(LN.crossover, spec, genomes=pop, keep=keep, pc=0.5, state=state, stale=flags, rewired=flags)
        assert fan_in_ok(pop, spec), gen
    counts = (pop[:, :spec.n_slots] != 0).sum(axis=1)
    assert counts.max() == spec.max_connections  # the caps were reached, not just avoided


def test_fan_in_caps_hold_for_clune_mutation_with_caps():
    spec = spec_of(layers=(8, 8, 4, 2, 1), fan_in=(2, 3, 2, 1))
    state = rng.seeded_state(12)
    pop = LN.random_population(spec, 200, state, 0, 120)
    keep = np.zeros(200, dtype=bool)
    flags = np.zeros(200, dtype=bool)
    for _ in range(200):
        call(LN.mutate_clune, spec, genomes=pop, keep=keep, state=state, stale=flags, rewired=flags,
             p_add=1.0, p_remove=0.1, bias_rate=0.0)
    assert fan_in_ok(pop, spec)
    assert (pop[:, :spec.n_slots] != 0).sum(axis=1).max() == spec.max_connections == 16 + 12 + 4 + 1


def test_mutate_point_one_locus_and_flags(ka):
    size = 6000
    pop = numpy_population(ka, size, 13, 0.4)
    before = pop.copy()
    keep = np.zeros(size, dtype=bool)
    keep[:100] = True
    stale = np.zeros(size, dtype=bool)
    rewired = np.zeros(size, dtype=bool)
    call(LN.mutate_point, ka, genomes=pop, keep=keep, pm=0.5, state=rng.seeded_state(14), stale=stale,
         rewired=rewired)
    diff = (pop != before).sum(axis=1)
    assert diff.max() == 1 and not diff[:100].any()
    assert np.array_equal(stale, diff == 1)
    assert np.array_equal(rewired, ((pop[:, :42] != 0) != (before[:, :42] != 0)).any(axis=1))
    assert fan_in_ok(pop, ka)
    # P(change) = 0.5 * P(the redraw changes the locus) > 0.25 ... < 0.5
    assert 0.2 < stale[100:].mean() < 0.5
    # an occupied slot redrawn in {-1, 1, absent}: absent 1/3 of the time
    hit = (before[:, :42] != 0) & (pop[:, :42] != before[:, :42])
    assert abs((pop[:, :42][hit] == 0).mean() - 0.5) < 0.05  # of the changes, half remove


def test_crossover_children_and_flags(ka):
    size = 200
    state = rng.seeded_state(15)
    pop = LN.random_population(ka, size, state, 0, 40)
    before = pop.copy()
    keep = np.zeros(size, dtype=bool)
    keep[:20] = True
    stale = np.zeros(size, dtype=bool)
    rewired = np.zeros(size, dtype=bool)
    call(LN.crossover, ka, genomes=pop, keep=keep, pc=1.0, state=state, stale=stale, rewired=rewired)
    assert np.array_equal(pop[:20], before[:20])
    n = ka.n_loci
    for i in range(20, size):
        if (pop[i] == before[i]).all():
            continue
        ok = any((pop[i, :c] == before[i, :c]).all() and (before[:, c:] == pop[i, c:]).all(axis=1).any()
                 for c in range(1, n))
        assert ok, i
    assert np.array_equal(stale, (pop != before).any(axis=1))
    assert np.array_equal(rewired, ((pop[:, :42] != 0) != (before[:, :42] != 0)).any(axis=1))
    assert fan_in_ok(pop, ka) and stale.mean() > 0.5


def test_crossover_rejects_children_over_the_cap(ka):
    a = np.zeros(ka.n_loci, dtype=np.int8)
    b = np.zeros(ka.n_loci, dtype=np.int8)
    a[[0, 4]] = 1  # inputs 0, 1 -> h1.0
    b[[20, 24, 28]] = -1  # inputs 5, 6, 7 -> h1.0
    # cuts 1..24 would give h1.0 four or five inputs; cuts 25..28 give {0, 4, 28}; later ones give a
    seen = set()
    for seed in range(300):
        pop = np.stack([a, b])
        flags = np.zeros((2, 2), dtype=bool)
        call(LN.crossover, ka, genomes=pop, keep=np.array([False, True]), pc=1.0,
             state=rng.seeded_state(seed), stale=flags[0], rewired=flags[1])
        slots = tuple(np.flatnonzero(pop[0, :42]))
        assert slots in {(0, 4), (0, 4, 28)}, slots
        assert flags[0, 0] == flags[1, 0] == (slots != (0, 4))
        seen.add(slots)
    assert seen == {(0, 4), (0, 4, 28)}


# --- pruning and costs ------------------------------------------------------------------

@pytest.mark.parametrize("density", [0.05, 0.15, 0.4])
def test_prune_matches_networkx(clune, density):
    pop = numpy_population(clune, 120, 16, density)
    dropped = 0
    for g in pop:
        kept = W.prune(g, clune)
        assert kept.dtype == bool and kept.shape == (23,)
        assert np.array_equal(kept, nx_kept(g, clune))
        dropped += (~kept).sum()
    assert dropped > 0


def test_costs_match_numpy_twin(clune, ka):
    for spec, density in ((clune, 0.1), (clune, 0.3), (ka, 0.5)):
        pop = numpy_population(spec, 150, 17, density)
        n_conn, fixed = W.costs(pop, spec, optimal=False)
        _, opt = W.costs(pop, spec, optimal=True)
        assert n_conn.dtype == np.int64 and fixed.dtype == np.float64
        assert np.array_equal(n_conn, (pop[:, :spec.n_slots] != 0).sum(axis=1))
        for i, g in enumerate(pop):
            assert fixed[i] == pytest.approx(numpy_wiring(g, spec, False)[0], abs=1e-9)
            assert opt[i] == pytest.approx(numpy_wiring(g, spec, True)[0], abs=1e-8)
        assert (opt <= fixed + 1e-9).all() and (opt < fixed - 1e-6).any()


def test_optimal_positions_minimise_the_cost(clune):
    pop = numpy_population(clune, 6, 18, 0.25)
    for g in pop:
        edges = pruned_edges(g, clune)
        pos = W.node_positions(g, clune, optimal=True)
        free = sorted({v for e in edges for v in e if 8 <= v < 22})
        if not free:
            continue

        def cost(flat):
            p = pos.copy()
            p[free] = flat.reshape(-1, 2)
            return sum(((p[u] - p[v]) ** 2).sum() for u, v in edges)

        start = np.stack([clune.node_x[free], clune.node_y[free]], axis=1).ravel()
        best = minimize(cost, start, method="BFGS", options=dict(gtol=1e-10))
        assert cost(pos[free].ravel()) <= best.fun + 1e-7
        # each free node at the mean of its neighbours
        und = nx.Graph(edges)
        for v in free:
            assert np.allclose(pos[v], pos[list(und.neighbors(v))].mean(axis=0))


def test_costs_todo_semantics(clune):
    pop = numpy_population(clune, 5, 19, 0.3)
    todo = np.array([False, True, False, True, True])
    n_conn = np.full(5, -1, dtype=np.int64)
    wiring = np.full(5, -1.0)
    call(W.connection_costs, clune, genomes=pop, todo=todo, optimal=True, n_connections=n_conn,
         wiring=wiring, n_kept=np.zeros(5, dtype=np.int64))
    assert not todo.any()
    assert (n_conn[[0, 2]] == -1).all() and (wiring[[0, 2]] == -1).all()
    assert (n_conn[[1, 3, 4]] >= 0).all()


def test_unanchored_hidden_nodes_keep_fixed_coordinates(clune):
    # h1.0 -> h2.0 only, both marked kept by hand: no fixed neighbour, singular system
    g = np.zeros(clune.n_loci, dtype=np.int8)
    s_pair = [s for s, a, b in slot_table(clune.layers) if (a, b) == (8, 16)][0]
    s_anchor = [s for s, a, b in slot_table(clune.layers) if (a, b) in {(3, 9), (9, 17), (17, 21), (21, 22)}]
    g[s_pair] = 1
    g[s_anchor] = 1
    n = clune.n_nodes
    kept = np.zeros(n, dtype=bool)
    kept[[*range(8), 8, 16, 9, 17, 21, 22]] = True
    px, py = np.empty(n), np.empty(n)
    W._place(g, kept, clune.layer_start, clune.slot_src, clune.slot_dst, clune.node_x, clune.node_y,
              clune.n_slots, px, py, np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, np.int64),
              np.empty((n, n)), np.empty(n), np.empty(n))
    assert (px[8], py[8], px[16], py[16]) == (clune.node_x[8], 1.0, clune.node_x[16], 2.0)
    # the anchored chain in0..3 -> h1.1 -> h2.1 -> h3.1 -> out: evenly spaced on the segment
    assert np.allclose([px[9], py[9]], [-0.5 * 3 / 4, 1.0])
    assert np.allclose([px[21], py[21]], [-0.5 / 4, 3.0])


# --- graphs and positions ------------------------------------------------------------

def test_to_graph_and_positions(clune):
    pop = numpy_population(clune, 40, 20, 0.12)
    for g in pop:
        A, names = W.to_graph(g, clune)
        kept = np.flatnonzero(nx_kept(g, clune))
        assert names == [clune.node_names()[v] for v in kept]
        assert names[:8] == [f"in{k}" for k in range(8)] and names[-1] == "out0"
        where = {v: j for j, v in enumerate(kept)}
        expected = np.zeros_like(A)
        for a, b in pruned_edges(g, clune):
            expected[where[a], where[b]] = 1
        assert np.array_equal(A, expected)
        U, _ = W.to_graph(g, clune, directed=False)
        assert np.array_equal(U, np.maximum(expected, expected.T))
        for optimal in (False, True):
            pos = W.positions(g, clune, optimal)
            assert pos.shape == (len(names), 2)
            assert np.allclose(pos, numpy_wiring(g, clune, optimal)[1][kept])

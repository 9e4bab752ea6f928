"""Circuit -> network extraction: the edges of hand-built circuits."""

import networkx as nx
import numpy as np

from evomod.representations.nand import kernels as C
from evomod.testing import reference as ref

SPEC = C.CircuitSpec(4, 12, 1)
INPUTS = ["x", "y", "z", "w"]


def xor_genome():
    # g0 = NAND(x, y), g1 = NAND(x, g0), g2 = NAND(y, g0), g3 = NAND(g1, g2) = x XOR y; g4.. unused
    genome = np.zeros(SPEC.n_loci, dtype=np.int16)
    genome[:8] = [0, 1, 0, 4, 1, 4, 5, 6]
    genome[8:10] = [7, 7]  # g4 reads g3 twice but nothing reads g4
    genome[24] = 7
    return genome


def edges(A, names):
    return {(names[i], names[j]) for i, j in zip(*np.nonzero(A))}


def test_xor_circuit_directed_edges():
    A, names = C.to_graph(xor_genome(), SPEC, INPUTS, directed=True)
    assert names == ["x", "y", "z", "w", "g0", "g1", "g2", "g3", "out0"]
    assert edges(A, names) == {("x", "g0"), ("y", "g0"), ("x", "g1"), ("g0", "g1"), ("y", "g2"),
                               ("g0", "g2"), ("g1", "g3"), ("g2", "g3"), ("g3", "out0")}


def test_undirected_is_the_symmetrised_directed_graph():
    Ad, _ = C.to_graph(xor_genome(), SPEC, INPUTS, directed=True)
    Au, _ = C.to_graph(xor_genome(), SPEC, INPUTS, directed=False)
    assert np.array_equal(Au, np.maximum(Ad, Ad.T)) and np.array_equal(Au, Au.T)


def test_self_loops_and_double_reads_give_simple_graph():
    genome = np.zeros(SPEC.n_loci, dtype=np.int16)
    genome[0:2] = [4, 4]   # g0 = NAND(g0, g0): an oscillator
    genome[2:4] = [4, 4]   # g1 = NAND(g0, g0): NOT g0, one edge
    genome[24] = 5
    A, names = C.to_graph(genome, SPEC, INPUTS, directed=True)
    assert edges(A, names) == {("g0", "g1"), ("g1", "out0")}
    assert set(np.unique(A)) <= {0.0, 1.0}


def test_nodes_are_the_effective_gates_of_the_reference():
    rng = np.random.default_rng(3)
    for _ in range(50):
        genome = rng.integers(0, 16, SPEC.n_loci).astype(np.int16)
        A, names = C.to_graph(genome, SPEC, INPUTS, directed=True)
        eff = ref.effective_gates([int(v) for v in genome], 4, 12, 1)
        assert sorted(names[4:-1]) == sorted(f"g{g}" for g in eff)
        # every gate node reaches the output node (networkx as the oracle)
        G = nx.from_numpy_array(A, create_using=nx.DiGraph)
        out = len(names) - 1
        for node in range(4, out):
            assert nx.has_path(G, node, out)

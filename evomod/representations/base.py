"""What the engine needs of a genome type, and the population it evolves.

A representation is one function registered in ``REPRESENTATIONS``: it takes
the validated ``[representation]`` table and the number of task inputs, and
returns a ``Representation``, an object whose methods call numba kernels
over the whole population. The engine never looks inside a genome: it asks
the representation to evaluate rows into output truth tables, to vary rows,
to price them (costs) and to give one as a graph.

Beyond that required interface, a representation declares the optional
capabilities it offers in ``capabilities`` (see ``CAPABILITIES``); callers
ask ``rep.supports("program")`` rather than probe for methods. Its
parameters are checked by its params model, and against the rest of the
config by the ``check(params, context)`` hook it registers with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import literal_unroll, njit

from evomod.registry import ConfigError, Registry

REPRESENTATIONS = Registry("representation", "representation", "evomod.representations")

#: Optional capabilities a representation may declare, and what each offers.
CAPABILITIES = {
    "program": "program(genome, inputs) -> Program: node values and interventions "
               "(information flow, sub-goal coverage; evomod.representations.program)",
    "drawing": "drawing(genome, inputs) -> {positions, edges, names}: where to draw nodes and wires "
               "(evomod show --draw)",
    "left_right_split": "left_right_split(genome, directed) -> dict: does the best 2-way split separate "
                        "the left inputs from the right ones (retina networks)",
    "mutation_effects": "mutation_effects(genome, names, labels) -> dict: rows changed inside and across "
                        "modules by every single rewiring (functional checks)",
}


@dataclass
class Population:
    """Struct of arrays, one row per individual.

    genomes integer (S, L); tables uint64 (S, K, W) output truth tables;
    valid uint64 (S, W) input rows whose outputs count (a NAND circuit that
    does not settle on a row gets it wrong); size int64 (S,) the size the
    fitness penalty counts (effective gates, or neurons after pruning);
    stale bool (S,) rows whose genome changed since they were evaluated;
    extra: the representation's own per-row arrays (caches, cost values),
    copied along with their rows.
    """

    genomes: np.ndarray
    tables: np.ndarray
    valid: np.ndarray
    size: np.ndarray
    stale: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def allocate(cls, genomes: np.ndarray, n_outputs: int, n_words: int, **extra) -> Population:
        size = genomes.shape[0]
        return cls(genomes, np.zeros((size, n_outputs, n_words), np.uint64), np.zeros((size, n_words), np.uint64),
                   np.zeros(size, np.int64), np.ones(size, np.bool_), dict(extra))

    def arrays(self) -> list[np.ndarray]:
        return [self.genomes, self.tables, self.valid, self.size, self.stale, *self.extra.values()]

    def flat(self) -> tuple[np.ndarray, ...]:
        """Every array as a 2-D (S, -1) view, made once."""
        views = self.__dict__.get("_flat")
        if views is None:
            views = self.__dict__["_flat"] = tuple(a.reshape(a.shape[0], -1) for a in self.arrays())
        return views

    def spare(self) -> Population:
        """An array-for-array twin to copy rows into."""
        return Population(*(np.empty_like(a) for a in self.arrays()[:5]),
                          {k: np.empty_like(v) for k, v in self.extra.items()})


class Representation:
    """Base class: a genome type's kernels behind a small interface.

    Subclasses set ``n_inputs``, ``n_outputs`` and ``genome_dtype``, and
    implement every required method (those raising ``NotImplementedError``
    here). ``costs`` lists the names ``cost`` accepts (see
    ``evomod.costs``). ``capabilities`` lists the optional methods it
    implements (keys of ``CAPABILITIES``); the base class's versions raise
    a one-line ``ConfigError``, and a subclass declaring a capability
    without implementing it fails when it is defined.
    """

    n_inputs: int
    n_outputs: int
    genome_dtype = np.int16
    costs: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared = frozenset(cls.capabilities)
        unknown = declared - CAPABILITIES.keys()
        if unknown:
            raise TypeError(f"{cls.__name__}.capabilities: unknown {sorted(unknown)}; known: "
                            f"{', '.join(CAPABILITIES)}")
        missing = [c for c in declared if getattr(cls, c) is getattr(Representation, c)]
        if missing:
            raise TypeError(f"{cls.__name__} declares {missing} but does not implement them")
        cls.capabilities = declared

    def supports(self, capability: str) -> bool:
        """Whether this representation offers the optional ``capability``."""
        if capability not in CAPABILITIES:
            raise KeyError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")
        return capability in self.capabilities

    def _unsupported(self, capability: str):
        offered = ", ".join(sorted(self.capabilities)) or "none"
        return ConfigError(f"representation {type(self).__name__} does not offer {capability} "
                           f"(its optional capabilities: {offered})", "representation.name")

    @property
    def n_rows(self) -> int:
        return 1 << self.n_inputs

    @property
    def n_words(self) -> int:
        return (self.n_rows + 63) // 64

    def population(self, genomes: np.ndarray) -> Population:
        """A population of these genomes (copied), every row stale."""
        raise NotImplementedError

    def random_population(self, size: int, state: np.ndarray) -> Population:
        raise NotImplementedError

    def evaluate(self, pop: Population) -> None:
        """Fill ``tables``, ``valid`` and ``size`` of the stale rows, and clear ``stale``."""
        raise NotImplementedError

    def vary(self, pop: Population, keep: np.ndarray, selection, state: np.ndarray) -> None:
        """Mutate (and recombine) the rows not in ``keep``, flagging them stale."""
        raise NotImplementedError

    def cost(self, name: str, pop: Population, params) -> np.ndarray:
        """float64 (S,) values of cost ``name`` (one of ``costs``); ``params`` is ``[objectives]``."""
        raise NotImplementedError

    def row_costs(self, pop: Population, i: int, params) -> dict[str, float]:
        """Row ``i``'s value of each cost in ``costs`` that has a record column
        (``connections``, ``wiring``), for the records; cheaper than ``cost``."""
        return {}

    def to_graph(self, genome: np.ndarray, inputs=None, directed: bool = False):
        """``(A, names)``: the genome's wiring as an adjacency matrix, for modularity."""
        raise NotImplementedError

    def headline(self, genome: np.ndarray, size: int) -> str:
        """One line naming the genome type and its size."""
        raise NotImplementedError

    def describe(self, genome: np.ndarray, inputs) -> list[str]:
        """Lines a person reads to see what the genome computes."""
        raise NotImplementedError

    def check_genome(self, values) -> str:
        """Why ``values`` (a list from best.json) is not a genome of this type; "" if it is."""
        raise NotImplementedError

    # --- optional capabilities (declared in ``capabilities``) ----------------------------

    def program(self, genome: np.ndarray, inputs=None):
        """The ``to_graph`` nodes as a ``Program`` (``evomod.representations.program``)."""
        raise self._unsupported("program")

    def drawing(self, genome: np.ndarray, inputs=None) -> dict:
        """``{"positions": (n, 2) array, "edges": [(i, j, weight)], "names": [...]}`` for drawing."""
        raise self._unsupported("drawing")

    def left_right_split(self, genome: np.ndarray, directed: bool = True) -> dict:
        """``{"separates", "q", "labels", "detail"}``: the best 2-way split against the input halves."""
        raise self._unsupported("left_right_split")

    def mutation_effects(self, genome: np.ndarray, names, labels) -> dict:
        """``{"inside", "across", "mutations"}``: rows every single rewiring changes, by module."""
        raise self._unsupported("mutation_effects")


# --- copying rows ----------------------------------------------------------------

@njit(cache=True)
def plan_copies(parents):
    """Rows that change (``parents[i] != i``) and whether they can be copied
    in place: true when no overwritten row is the parent of another."""
    size = parents.shape[0]
    moved = np.empty(size, dtype=np.int64)
    overwritten = np.zeros(size, dtype=np.bool_)
    n = 0
    for i in range(size):
        # branch-free: selection's pattern makes a branch per row mispredict
        moved[n] = i
        n += parents[i] != i
        overwritten[i] = parents[i] != i
    in_place = True
    for j in range(n):
        in_place &= not overwritten[parents[moved[j]]]
    return moved[:n], in_place


@njit(cache=True)
def copy_rows(pairs, rows, parents):
    """``dst[i] = src[parents[i]]`` for i in ``rows``, for every ``(src, dst)``
    pair of 2-D arrays (one call for all of a population's arrays; explicit
    loops: a row-slice assignment costs ~30 ns a row in numba)."""
    for pair in literal_unroll(pairs):
        src, dst = pair
        for j in range(rows.shape[0]):
            i = rows[j]
            p = parents[i]
            for c in range(src.shape[1]):
                dst[i, c] = src[p, c]


_ALL_ROWS: dict[int, np.ndarray] = {}


def reproduce(parents: np.ndarray, pop: Population, spare: Population) -> tuple[Population, Population]:
    """Row i becomes a copy of row ``parents[i]`` in every array (tables and
    caches come along: they stay valid until the genome is varied). Copies
    in place when it can (the elite strategy copies L rows, not S); returns
    ``(population, spare)``, swapped when it could not."""
    moved, in_place = plan_copies(parents)
    if in_place:
        if moved.size:
            copy_rows(tuple(zip(pop.flat(), pop.flat())), moved, parents)
        return pop, spare
    size = parents.shape[0]
    rows = _ALL_ROWS.get(size)
    if rows is None:
        rows = _ALL_ROWS[size] = np.arange(size)
    copy_rows(tuple(zip(pop.flat(), spare.flat())), rows, parents)
    return spare, pop

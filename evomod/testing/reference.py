"""Slow, literal pure-Python twins of the circuit model, used as test oracles.

Everything here is written as plain loops over truth-table rows and gates so
that it can be checked line by line against the model's rules; it is orders
of magnitude slower than ``evomod.representations.nand.kernels`` and is meant only for tests and
for the DEAP baseline (``benchmarks/deap_baseline.py``).

Conventions
-----------
* A genome is a flat integer sequence of length ``2*G + K``: gate ``g`` reads
  addresses ``genome[2g]`` and ``genome[2g+1]``; output ``k`` reads address
  ``genome[2G + k]``. Address ``a < N`` is input ``a``; address ``a >= N`` is
  gate ``a - N``. Every gate is a 2-input NAND.
* There are ``R = 2**N`` truth-table rows; in row ``r`` input ``k`` has value
  ``(r >> (N-1-k)) & 1`` (the first input is the most significant bit).
* Effective gates are the gates from which there is a path to an output.
* Evaluation: in every row all gates start at 0 and are updated synchronously
  ``settle_steps`` (``T``) times. A row has *settled* if the effective gates'
  state after step ``T`` equals their state after step ``T-1``. An output's
  value is the value of its address after step ``T``. A row that has not
  settled counts as wrong for every output.
* Performance is the fraction of (row, output) pairs that are settled and
  equal to the goal; fitness subtracts ``penalty * max(0, n_effective -
  threshold)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = [
    "DEFAULT_PENALTY",
    "DEFAULT_THRESHOLD",
    "input_values",
    "locus_upper_bounds",
    "effective_gates",
    "evaluate_circuit",
    "performance",
    "fitness",
    "truth_table",
    "kashtan_alon_goals",
]

DEFAULT_PENALTY = 0.2
DEFAULT_THRESHOLD = 11


def input_values(row: int, n_inputs: int) -> tuple[int, ...]:
    """Input values of one truth-table row.

    Parameters
    ----------
    row : int
        Row index in ``[0, 2**n_inputs)``.
    n_inputs : int
        Number of inputs ``N``.

    Returns
    -------
    tuple of int
        ``N`` values; input ``k`` is bit ``N-1-k`` of ``row`` (first input is
        the most significant bit).
    """
    return tuple((row >> (n_inputs - 1 - k)) & 1 for k in range(n_inputs))


def locus_upper_bounds(
    n_inputs: int, n_gates: int, n_outputs: int, feedforward: bool = False
) -> list[int]:
    """Exclusive upper bound of the allowed addresses at every locus.

    Parameters
    ----------
    n_inputs, n_gates, n_outputs : int
        Circuit shape ``N``, ``G``, ``K``.
    feedforward : bool, optional
        If true, gate ``g`` may only read addresses ``< N + g``.

    Returns
    -------
    list of int
        ``2*G + K`` bounds; locus ``i`` may hold any address in
        ``[0, bounds[i])``.
    """
    bounds = []
    for g in range(n_gates):
        high = n_inputs + g if feedforward else n_inputs + n_gates
        bounds.extend([high, high])
    bounds.extend([n_inputs + n_gates] * n_outputs)
    return bounds


def _check_genome(genome, n_inputs, n_gates, n_outputs) -> list[int]:
    """Validate the shape and address range of a genome; return it as a list."""
    if not 1 <= n_inputs:
        raise ValueError(f"n_inputs must be >= 1, got {n_inputs}")
    if n_gates < 0 or n_outputs < 1:
        raise ValueError(f"need n_gates >= 0 and n_outputs >= 1, got {n_gates}, {n_outputs}")
    genome = [int(a) for a in genome]
    if len(genome) != 2 * n_gates + n_outputs:
        raise ValueError(
            f"genome has {len(genome)} loci, expected 2*G + K = {2 * n_gates + n_outputs}"
        )
    n_addresses = n_inputs + n_gates
    for i, a in enumerate(genome):
        if not 0 <= a < n_addresses:
            raise ValueError(f"locus {i} holds address {a}, outside [0, {n_addresses})")
    return genome


def _resolve_settle_steps(settle_steps, n_gates) -> int:
    """``None`` means the minimum of the convention, ``G + 1``."""
    if settle_steps is None:
        return n_gates + 1
    settle_steps = int(settle_steps)
    if settle_steps < 1:
        raise ValueError(f"settle_steps must be >= 1, got {settle_steps}")
    return settle_steps


def effective_gates(
    genome: Sequence[int], n_inputs: int, n_gates: int, n_outputs: int
) -> set[int]:
    """Gates from which there is a path to an output.

    Parameters
    ----------
    genome : sequence of int
        Flat genome of length ``2*G + K``.
    n_inputs, n_gates, n_outputs : int
        Circuit shape ``N``, ``G``, ``K``.

    Returns
    -------
    set of int
        Gate indices (``0..G-1``) read by an output, directly or through
        other gates.
    """
    genome = _check_genome(genome, n_inputs, n_gates, n_outputs)
    found: set[int] = set()
    # Depth-first walk backwards from the outputs; the `found` check stops
    # the walk on cycles.
    stack = [genome[2 * n_gates + k] for k in range(n_outputs)]
    while stack:
        address = stack.pop()
        if address < n_inputs:
            continue
        gate = address - n_inputs
        if gate in found:
            continue
        found.add(gate)
        stack.append(genome[2 * gate])
        stack.append(genome[2 * gate + 1])
    return found


def evaluate_circuit(
    genome: Sequence[int],
    n_inputs: int,
    n_gates: int,
    n_outputs: int,
    settle_steps: int | None = None,
) -> tuple[list[tuple[int, ...]], list[bool]]:
    """Evaluate a circuit on every truth-table row by synchronous updates.

    Parameters
    ----------
    genome : sequence of int
        Flat genome of length ``2*G + K``.
    n_inputs, n_gates, n_outputs : int
        Circuit shape ``N``, ``G``, ``K``.
    settle_steps : int, optional
        Number of synchronous update steps ``T`` (the model uses
        ``T >= G + 1``); default ``G + 1``.

    Returns
    -------
    outputs : list of tuple of int
        ``R = 2**N`` tuples of ``K`` values (0/1): each output's address value
        after step ``T``.
    settled : list of bool
        ``R`` flags: whether the effective gates' state after step ``T``
        equals their state after step ``T-1``.
    """
    genome = _check_genome(genome, n_inputs, n_gates, n_outputs)
    steps = _resolve_settle_steps(settle_steps, n_gates)
    effective = sorted(effective_gates(genome, n_inputs, n_gates, n_outputs))

    def value(address, inputs, state):
        return inputs[address] if address < n_inputs else state[address - n_inputs]

    outputs: list[tuple[int, ...]] = []
    settled: list[bool] = []
    for row in range(2**n_inputs):
        inputs = input_values(row, n_inputs)
        state = [0] * n_gates
        previous = state
        for _ in range(steps):
            previous = state
            # Synchronous: every new value reads only the previous state.
            state = [
                1 - (value(genome[2 * g], inputs, previous)
                     & value(genome[2 * g + 1], inputs, previous))
                for g in range(n_gates)
            ]
        settled.append(all(state[g] == previous[g] for g in effective))
        outputs.append(
            tuple(value(genome[2 * n_gates + k], inputs, state) for k in range(n_outputs))
        )
    return outputs, settled


def _normalise_goal(goal_rows, n_inputs, n_outputs) -> list[tuple[int, ...]]:
    """Goal rows as ``R`` tuples of ``K`` ints (bare ints allowed when K == 1)."""
    rows = []
    for row in goal_rows:
        if isinstance(row, (tuple, list)):
            row = tuple(int(v) for v in row)
        else:
            row = (int(row),)
        if len(row) != n_outputs:
            raise ValueError(f"goal row {row} does not have {n_outputs} values")
        rows.append(row)
    if len(rows) != 2**n_inputs:
        raise ValueError(f"goal has {len(rows)} rows, expected 2**N = {2**n_inputs}")
    return rows


def performance(
    genome: Sequence[int],
    goal_rows: Sequence,
    n_inputs: int,
    n_gates: int,
    n_outputs: int,
    settle_steps: int | None = None,
) -> float:
    """Fraction of (row, output) pairs that are settled and equal the goal.

    Parameters
    ----------
    genome : sequence of int
        Flat genome of length ``2*G + K``.
    goal_rows : sequence
        ``R`` tuples of ``K`` ints, or ``R`` ints when ``K == 1``.
    n_inputs, n_gates, n_outputs : int
        Circuit shape ``N``, ``G``, ``K``.
    settle_steps : int, optional
        Synchronous update steps ``T``; default ``G + 1``.

    Returns
    -------
    float
        Correct pairs divided by ``R * K``, in ``[0, 1]``.
    """
    goal = _normalise_goal(goal_rows, n_inputs, n_outputs)
    outputs, settled = evaluate_circuit(genome, n_inputs, n_gates, n_outputs, settle_steps)
    correct = 0
    for row in range(len(goal)):
        if not settled[row]:
            continue
        for k in range(n_outputs):
            if outputs[row][k] == goal[row][k]:
                correct += 1
    return correct / (len(goal) * n_outputs)


def fitness(
    genome: Sequence[int],
    goal_rows: Sequence,
    n_inputs: int,
    n_gates: int,
    n_outputs: int,
    settle_steps: int | None = None,
    penalty: float = DEFAULT_PENALTY,
    threshold: int = DEFAULT_THRESHOLD,
) -> float:
    """Performance minus a cost for effective gates above a threshold.

    Parameters
    ----------
    genome, goal_rows, n_inputs, n_gates, n_outputs, settle_steps
        As in :func:`performance`.
    penalty : float, optional
        Cost per effective gate above ``threshold`` (default 0.2).
    threshold : int, optional
        Number of effective gates that cost nothing (default 11).

    Returns
    -------
    float
        ``performance - penalty * max(0, n_effective - threshold)``.
    """
    perf = performance(genome, goal_rows, n_inputs, n_gates, n_outputs, settle_steps)
    n_effective = len(effective_gates(genome, n_inputs, n_gates, n_outputs))
    return perf - penalty * max(0, n_effective - threshold)


def truth_table(function: Callable[..., object], n_inputs: int) -> list[tuple[int, ...]]:
    """Goal rows of a Boolean function, in the row convention above.

    Parameters
    ----------
    function : callable
        Called with the ``N`` input values of a row; returns an int (one
        output) or a sequence of ints (several outputs).
    n_inputs : int
        Number of inputs ``N``.

    Returns
    -------
    list of tuple of int
        ``R = 2**N`` tuples of output values (0/1).
    """
    rows = []
    for row in range(2**n_inputs):
        result = function(*input_values(row, n_inputs))
        if isinstance(result, (tuple, list)):
            rows.append(tuple(int(bool(v)) for v in result))
        else:
            rows.append((int(bool(result)),))
    return rows


def kashtan_alon_goals() -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The two modularly varying goals of Kashtan & Alon (2005), N = 4, K = 1.

    Returns
    -------
    g1, g2 : list of tuple of int
        Goal rows of ``G1 = (x XOR y) AND (w XOR z)`` and
        ``G2 = (x XOR y) OR (w XOR z)`` over inputs ``x, y, z, w`` (in that
        order).
    """
    g1 = truth_table(lambda x, y, z, w: (x ^ y) & (w ^ z), 4)
    g2 = truth_table(lambda x, y, z, w: (x ^ y) | (w ^ z), 4)
    return g1, g2

"""Exact best accuracy of layered threshold networks on a goal (OR-Tools CP-SAT).

Question answered: *on how many truth-table rows can ANY network of a given
architecture agree with a goal?*  The answer comes from a constraint model
solved to optimality by OR-Tools CP-SAT: status ``OPTIMAL`` means the value is
the optimum with a proof, not the best a search happened to find.  This puts
an evolved network's accuracy next to what the architecture can reach at all
(``evomod feasible PRESET``; docs/concepts/feasibility.md).

Networks are those of the ``layered`` representation with
``activation = "step"`` and weights ``{-1, 1}`` (Kashtan & Alon 2005's retina):

* ``layers = (n_0, n_1, ..., n_T)``: ``n_0`` inputs, then ``T`` layers of
  threshold neurons, connections only from layer ``t-1`` to layer ``t``;
* a connection has weight -1 or +1 (0 = none); a neuron of layer ``t`` has
  at most ``fan_in[t-1]`` incoming connections;
* every neuron has a bias from the finite set ``biases`` and the value
  ``1 if sum(w * x) + b > 0 else 0``; outputs too;
* rows follow :mod:`evomod.problems.goals`: row ``r`` gives input ``k`` the
  bit ``(r >> (n_0 - 1 - k)) & 1``, mapped to ``input_values[bit]``.

With ``K`` goals, the network has ``K`` output neurons that share every hidden
layer and differ in their own weights and bias: "one network, only its output
neuron changed per goal".  The objective is then the *minimum* over outputs
of the correct rows.

Encoding: per neuron and source two Booleans ``pos``/``neg`` (at most one
true), ``sum(pos + neg) <= cap``, the bias an integer variable over exactly
``biases``; per neuron and row a Boolean ``y`` tied to the threshold by two
half-reified linear constraints ``y -> S + b >= 1``, ``not y -> S + b <= 0``.
In the first neuron layer ``S`` has constant coefficients (the inputs); deeper,
the products ``pos & y_prev`` are Boolean ANDs.  Symmetry breaking (optional,
sound: it keeps an optimal network of every optimal value): hidden neurons of
a layer with equal caps are sorted by a key of their weights and bias; an
unused hidden neuron has no inputs and a fixed bias; with a contiguous
bias range containing 0 and 1 and 0/1 values into the neuron, a bias stays within
``[-(#positive inputs), #negative inputs + 1]`` (beyond it the neuron is the
same constant).

CP-SAT rather than a SAT solver (python-sat): the threshold sums, fan-in caps
and the count of correct rows are linear constraints over Booleans that
CP-SAT takes as they are and optimises with proofs (lower and upper bounds,
several workers); a SAT encoding needs cardinality networks for each of them
and a hand-written search over the objective.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Architecture", "Network", "Result", "architecture_of", "check_network", "correct_rows",
           "evaluate", "retina_witness", "solve"]


@dataclass(frozen=True)
class Architecture:
    """Shape and parameter sets of a layered threshold network.

    Parameters
    ----------
    layers : tuple of int
        Nodes per layer, inputs first, outputs last (at most 11 inputs).
    fan_in : tuple of int
        Most incoming connections of a neuron, one per neuron layer (0 = no cap).
    biases : tuple of int
        Allowed biases (the same set for every neuron).
    input_values : (int, int)
        Input value of a bit that is off and on.

    Examples
    --------
    >>> a = Architecture((8, 4, 2, 1), (3, 3, 2), (-2, -1, 0, 1, 2))
    >>> a.n_rows, a.cap(2), a.with_outputs(2).layers
    (256, 2, (8, 4, 2, 2))
    """

    layers: tuple
    fan_in: tuple
    biases: tuple = (-2, -1, 0, 1, 2)
    input_values: tuple = (0, 1)

    def __post_init__(self):
        layers = tuple(int(n) for n in self.layers)
        if len(layers) < 2 or any(n < 1 for n in layers):
            raise ValueError(f"layers needs inputs and at least one neuron layer, got {layers}")
        if layers[0] > 11:
            raise ValueError("at most 11 inputs (all 2**n rows are modelled)")
        fan_in = tuple(int(c) for c in self.fan_in) or (0,) * (len(layers) - 1)
        if len(fan_in) != len(layers) - 1 or any(c < 0 for c in fan_in):
            raise ValueError(f"fan_in needs one cap >= 0 per neuron layer, got {fan_in}")
        biases = tuple(sorted({int(b) for b in self.biases}))
        if not biases or len(self.input_values) != 2:
            raise ValueError("biases must not be empty and input_values must be (off, on)")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "fan_in", fan_in)
        object.__setattr__(self, "biases", biases)
        object.__setattr__(self, "input_values", tuple(int(x) for x in self.input_values))

    def cap(self, t: int) -> int:
        """Fan-in cap of a neuron of neuron layer `t` (0-based: node layer ``t + 1``)."""
        c = self.fan_in[t]
        return self.layers[t] if c == 0 else min(c, self.layers[t])

    @property
    def n_rows(self) -> int:
        return 1 << self.layers[0]

    def input_value(self, k: int, r: int) -> int:
        """Value of input `k` on row `r` (first input = most significant bit)."""
        return self.input_values[(r >> (self.layers[0] - 1 - k)) & 1]

    def with_outputs(self, n_outputs: int) -> Architecture:
        """Same hidden layers, `n_outputs` output neurons (one per goal)."""
        return Architecture(self.layers[:-1] + (n_outputs,), self.fan_in, self.biases, self.input_values)


def architecture_of(params) -> Architecture:
    """The :class:`Architecture` of a ``layered`` representation's parameters.

    Raises ``ValueError`` (naming the key) unless ``activation = "step"`` and
    the weights are ``{-1, 1}``: only those networks are modelled exactly.
    """
    if getattr(params, "name", "layered") != "layered":
        raise ValueError(f"representation.name = {params.name!r}: only layered networks are modelled")
    if params.activation != "step":
        raise ValueError(f"representation.activation = {params.activation!r}: only 'step' is modelled")
    if sorted(set(params.weights)) != [-1, 1]:
        raise ValueError(f"representation.weights = {list(params.weights)}: only [-1, 1] is modelled")
    return Architecture(tuple(params.layers), tuple(params.fan_in), tuple(params.biases),
                        tuple(params.input_values))


@dataclass
class Network:
    """Weights and biases: ``weights[t][j][i]`` (-1, 0 or +1) from node ``i`` of
    layer ``t`` to neuron ``j`` of layer ``t + 1``; ``biases[t][j]`` its bias."""

    weights: list
    biases: list

    def describe(self) -> list:
        """One line per neuron: ``L1.0 = step(+in2 -in5 +1)``."""
        lines = []
        for t, (w_layer, b_layer) in enumerate(zip(self.weights, self.biases)):
            src = "in" if t == 0 else f"L{t}."
            for j, (w, b) in enumerate(zip(w_layer, b_layer)):
                terms = " ".join(f"{'+' if x > 0 else '-'}{src}{i}" for i, x in enumerate(w) if x)
                lines.append(f"L{t + 1}.{j} = step({terms or '0'} {b:+d})")
        return lines


def check_network(arch: Architecture, net: Network) -> None:
    """Raise ``ValueError`` unless `net` fits `arch` (shape, weights, fan-in, biases)."""
    if len(net.weights) != len(arch.layers) - 1 or len(net.biases) != len(arch.layers) - 1:
        raise ValueError("wrong number of layers")
    for t in range(len(arch.layers) - 1):
        if len(net.weights[t]) != arch.layers[t + 1] or len(net.biases[t]) != arch.layers[t + 1]:
            raise ValueError(f"layer {t + 1}: expected {arch.layers[t + 1]} neurons")
        for j, (w, b) in enumerate(zip(net.weights[t], net.biases[t])):
            if len(w) != arch.layers[t] or any(x not in (-1, 0, 1) for x in w):
                raise ValueError(f"neuron L{t + 1}.{j}: bad weights {w}")
            if sum(1 for x in w if x) > arch.cap(t):
                raise ValueError(f"neuron L{t + 1}.{j}: fan-in above {arch.cap(t)}")
            if b not in arch.biases:
                raise ValueError(f"neuron L{t + 1}.{j}: bias {b} not allowed")


def evaluate(arch: Architecture, net: Network) -> np.ndarray:
    """Outputs of `net` as ``bool (K, rows)``, by plain matrix products.

    Examples
    --------
    >>> xor = Network([[[1, 1], [1, 1]], [[1, -1]]], [[0, -1], [0]])
    >>> evaluate(Architecture((2, 2, 1), (2, 2)), xor).astype(int).tolist()
    [[0, 1, 1, 0]]
    """
    n = arch.layers[0]
    rows = np.arange(arch.n_rows)
    bits = (rows[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
    vals = np.where(bits == 1, arch.input_values[1], arch.input_values[0])
    for w, b in zip(net.weights, net.biases):
        vals = (vals @ np.asarray(w, dtype=np.int64).T + np.asarray(b, dtype=np.int64) > 0).astype(np.int64)
    return vals.T.astype(bool)


#: A 4-4-2-1 network (fan-in 3, 3, 2; biases in -2..2) computing papers.md's "left object" rule on
#: pixels 0-3 (>= 3 pixels on, or 1-2 on and all in the outer column), checked on all 16 patterns.
_HALF_W = ([[1, -1, 0, 0], [-1, -1, 0, 0], [0, 1, -1, 0], [1, 0, 1, -1]], [[-1, 0, 1, 1], [1, 1, 0, -1]],
           [[-1, -1]])
_HALF_B = ([1, 2, 0, 0], [0, -1], [1])


def retina_witness(output_biases: Sequence[int] = (-1, 0)) -> Network:
    """A modular 8-8-4-2-K network (fan-in 3, 3, 3, 2; biases in -2..2) that solves the retina exactly.

    The left half computes "left object" on pixels 0-3 with a 4-4-2-1 network
    built by hand, the right half its mirror image on pixels 4-7; output k is
    ``step(left + right + output_biases[k])``: bias -1 gives L-AND-R, bias 0
    L-OR-R. One network, only the output neuron's bias changed per goal: the
    modular solution Kashtan & Alon describe, on the four-layer reading.

    Examples
    --------
    >>> net = retina_witness((-1,))
    >>> [len(w) for w in net.weights], net.biases[-1]
    ([8, 4, 2, 1], [-1])
    """
    mirror = [4 + (i ^ 1) for i in range(4)]  # the right pixel that mirrors left pixel i
    w1 = [[0] * 8 for _ in range(8)]
    for j in range(4):
        for i, w in enumerate(_HALF_W[0][j]):
            w1[j][i] = w
            w1[4 + j][mirror[i]] = w
    w2 = [[0] * 8 for _ in range(4)]
    w3 = [[0] * 4 for _ in range(2)]
    for side in (0, 1):
        for j in range(2):
            for i, w in enumerate(_HALF_W[1][j]):
                w2[2 * side + j][4 * side + i] = w
        w3[side][2 * side:2 * side + 2] = _HALF_W[2][0]
    return Network([w1, w2, w3, [[1, 1] for _ in output_biases]],
                   [_HALF_B[0] * 2, _HALF_B[1] * 2, _HALF_B[2] * 2, list(output_biases)])


def correct_rows(output: Sequence, goal: Sequence) -> int:
    """Rows on which `output` equals `goal` (both truthy/falsy per row)."""
    if len(output) != len(goal):
        raise ValueError("output and goal lengths differ")
    return int(np.sum(np.asarray(output, dtype=bool) == np.asarray(goal, dtype=bool)))


@dataclass
class Result:
    """Outcome of :func:`solve`.

    ``status``: CP-SAT's (``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE``, ``UNKNOWN``);
    ``value``: the objective of the network found (min over outputs of the correct
    rows; None if none was found); ``bound``: the proven upper bound (== value when
    optimal); ``per_output``: correct rows of each output, recomputed by
    :func:`evaluate`; ``network``: the network found.
    """

    status: str
    value: int | None
    bound: int | None
    per_output: list | None
    network: Network | None
    wall_s: float
    stats: dict = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"


class _Model:
    """The CP-SAT model of one architecture and goal list."""

    def __init__(self, arch: Architecture, goals, symmetry: bool, cells: bool):
        from ortools.sat.python import cp_model

        self.arch, self.m = arch, cp_model.CpModel()
        m, rows = self.m, range(arch.n_rows)
        b_lo, b_hi = arch.biases[0], arch.biases[-1]
        contiguous = list(arch.biases) == list(range(b_lo, b_hi + 1)) and b_lo <= 0 <= b_hi - 1
        dom = cp_model.Domain.FromValues(list(arch.biases))
        self.pos, self.neg, self.bias, self.vals = [], [], [], []
        points, const, prev = rows, arch.input_value, None  # prev: literals of the layer below, per point
        for t in range(len(arch.layers) - 1):
            n_src, n_dst = arch.layers[t], arch.layers[t + 1]
            if t == 1 and cells:  # above layer 1, a point is a combination of layer 1's values
                points, const, prev = range(1 << n_src), (lambda i, c: (c >> i) & 1), None
            P = [[m.NewBoolVar(f"p{t}_{j}_{i}") for i in range(n_src)] for j in range(n_dst)]
            N = [[m.NewBoolVar(f"n{t}_{j}_{i}") for i in range(n_src)] for j in range(n_dst)]
            B = [m.NewIntVarFromDomain(dom, f"b{t}_{j}") for j in range(n_dst)]
            Y = [[m.NewBoolVar(f"y{t}_{j}_{r}") for r in points] for j in range(n_dst)]
            for j in range(n_dst):
                for i in range(n_src):
                    m.AddBoolOr([P[j][i].Not(), N[j][i].Not()])
                m.Add(sum(P[j]) + sum(N[j]) <= arch.cap(t))
                if self._clamped(t, symmetry, contiguous):
                    m.Add(B[j] >= -sum(P[j]))
                    m.Add(B[j] <= sum(N[j]) + 1)
                for r in points:
                    if prev is None:
                        s = sum((P[j][i] - N[j][i]) * const(i, r) for i in range(n_src) if const(i, r) != 0)
                    else:
                        s = sum(self._and(P[j][i], prev[i][r]) - self._and(N[j][i], prev[i][r])
                                for i in range(n_src))
                    m.Add(s + B[j] >= 1).OnlyEnforceIf(Y[j][r])
                    m.Add(s + B[j] <= 0).OnlyEnforceIf(Y[j][r].Not())
            self.pos.append(P)
            self.neg.append(N)
            self.bias.append(B)
            self.vals.append(Y)
            prev = Y
        if symmetry:
            self._break_symmetry(contiguous)
        outputs = self.vals[-1]
        if cells:  # output on row r = the output on the cell of layer 1's values at r
            n1 = arch.layers[1]
            cell = []
            for r in rows:
                c = m.NewIntVar(0, (1 << n1) - 1, f"cell{r}")
                m.Add(c == sum((1 << j) * self.vals[0][j][r] for j in range(n1)))
                cell.append(c)
            outputs = []
            for k, y_cells in enumerate(self.vals[-1]):
                o = [m.NewBoolVar(f"out{k}_{r}") for r in rows]
                for r in rows:
                    m.AddElement(cell[r], y_cells, o[r])
                outputs.append(o)
        self.correct = []
        for k, goal in enumerate(goals):
            y = outputs[k]
            c = m.NewIntVar(0, arch.n_rows, f"correct{k}")
            m.Add(c == sum(y[r] if goal[r] else y[r].Not() for r in rows))
            self.correct.append(c)

    def _and(self, a, b):
        lit = self.m.NewBoolVar("")
        self.m.AddImplication(lit, a)
        self.m.AddImplication(lit, b)
        self.m.AddBoolOr([a.Not(), b.Not(), lit])
        return lit

    def _clamped(self, t: int, symmetry: bool, contiguous: bool) -> bool:
        """Whether layer `t`'s biases are kept in ``[-#pos, #neg + 1]`` (0/1 values into it)."""
        return symmetry and contiguous and (t > 0 or self.arch.input_values == (0, 1))

    def _break_symmetry(self, contiguous: bool) -> None:
        m, arch = self.m, self.arch
        n_b = len(arch.biases)
        for t in range(len(arch.layers) - 2):  # hidden neuron layers only
            # an unused neuron gets no inputs and one fixed bias, inside the clamp when there is one
            idle_bias = 0 if self._clamped(t, True, contiguous) else arch.biases[0]
            P, N, B = self.pos[t], self.neg[t], self.bias[t]
            nxt = arch.layers[t + 2]
            keys = []
            for j in range(arch.layers[t + 1]):
                out = [self.pos[t + 1][k][j] for k in range(nxt)] + [self.neg[t + 1][k][j] for k in range(nxt)]
                used = m.NewBoolVar(f"used{t}_{j}")
                m.AddBoolOr(out).OnlyEnforceIf(used)
                for lit in out:
                    m.AddImplication(lit, used)
                for i in range(arch.layers[t]):
                    m.AddImplication(used.Not(), P[j][i].Not())
                    m.AddImplication(used.Not(), N[j][i].Not())
                m.Add(B[j] == idle_bias).OnlyEnforceIf(used.Not())
                # interchangeable neurons: sorted by (weights in base 3, bias rank)
                rank = m.NewIntVar(0, n_b - 1, f"brank{t}_{j}")
                m.AddElement(rank, list(arch.biases), B[j])
                keys.append(sum((P[j][i] - N[j][i] + 1) * (3 ** i) * n_b for i in range(arch.layers[t])) + rank)
            for j in range(len(keys) - 1):
                m.Add(keys[j] >= keys[j + 1])

    def decode(self, solver) -> Network:
        weights = [[[solver.Value(p) - solver.Value(n) for p, n in zip(pr, nr)] for pr, nr in zip(P, N)]
                   for P, N in zip(self.pos, self.neg)]
        return Network(weights, [[solver.Value(b) for b in B] for B in self.bias])


def solve(arch: Architecture, goals: Sequence[Sequence], *, target: int | None = None,
          time_limit: float = 60.0, workers: int = 2, symmetry: bool = True,
          cells: bool | None = None, hint: Network | None = None) -> Result:
    """Most rows any network of `arch` gets right on `goals` (one per output).

    Maximises ``min_k correct_k``, where ``correct_k`` counts the rows ``r``
    with ``output_k(r) == goals[k][r]``; all outputs share the hidden layers.

    Parameters
    ----------
    arch : Architecture
        Its last layer must have one neuron per goal.
    goals : sequence of sequences of bool
        One goal per output, ``2**n_inputs`` rows each (evomod's row order).
    target : int, optional
        Only decide whether every output can reach ``>= target`` rows: status
        ``OPTIMAL``/``FEASIBLE`` = yes (with a network), ``INFEASIBLE`` = proven
        impossible (``bound = target - 1``).
    time_limit, workers : float, int
        CP-SAT's limits (seconds, search threads); at the limit the status is
        ``FEASIBLE`` with ``value <= bound``.
    symmetry : bool
        Add the (sound) symmetry-breaking constraints; off for cross-checks.
    cells : bool, optional
        Model the layers above the first over the ``2**n_1`` combinations of
        the first layer's values instead of over the rows (the network sees
        nothing else), and read each row's output through an element
        constraint. Default: when ``2**n_1`` is below the number of rows and
        there are at least two neuron layers.
    hint : Network, optional
        A starting solution.

    Returns
    -------
    Result
        The network found is re-evaluated by :func:`evaluate`; a disagreement
        with the solver's own count raises ``AssertionError``.

    References
    ----------
    Kashtan N, Alon U (2005) PNAS 102:13773 (the retina networks); Perron L,
    Didier F, Gay S (2023) The CP-SAT-LP solver, CP 2023 (OR-Tools CP-SAT).

    Examples
    --------
    XOR needs two hidden neurons; one threshold neuron gets 3 of its 4 rows:

    >>> xor = [False, True, True, False]
    >>> solve(Architecture((2, 1), (2,), (-1, 0, 1)), [xor], workers=1).value
    3
    >>> r = solve(Architecture((2, 2, 1), (2, 2), (-1, 0, 1)), [xor], workers=1)
    >>> r.status, r.value, r.bound
    ('OPTIMAL', 4, 4)
    """
    from ortools.sat.python import cp_model

    goals = [np.asarray(g, dtype=bool) for g in goals]
    if len(goals) != arch.layers[-1]:
        raise ValueError(f"{len(goals)} goals for {arch.layers[-1]} outputs")
    if any(g.shape != (arch.n_rows,) for g in goals):
        raise ValueError(f"every goal needs {arch.n_rows} rows")
    t0 = time.perf_counter()
    if cells is None:
        cells = len(arch.layers) >= 3 and (1 << arch.layers[1]) < arch.n_rows
    model = _Model(arch, goals, symmetry, bool(cells) and len(arch.layers) >= 3)
    m = model.m
    if target is None:
        obj = model.correct[0]
        if len(model.correct) > 1:
            obj = m.NewIntVar(0, arch.n_rows, "min_correct")
            m.AddMinEquality(obj, model.correct)
        m.Maximize(obj)
    else:
        for c in model.correct:
            m.Add(c >= int(target))
    if hint is not None:
        check_network(arch, hint)
        for t, (P, N, B) in enumerate(zip(model.pos, model.neg, model.bias)):
            for j in range(len(P)):
                for i in range(len(P[j])):
                    m.AddHint(P[j][i], hint.weights[t][j][i] > 0)
                    m.AddHint(N[j][i], hint.weights[t][j][i] < 0)
                m.AddHint(B[j], hint.biases[t][j])
    build_s = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    code = solver.Solve(m)
    status = solver.StatusName(code)
    stats = {"build_s": round(build_s, 2), "solve_s": round(solver.WallTime(), 2),
             "variables": len(m.Proto().variables), "constraints": len(m.Proto().constraints)}
    wall = time.perf_counter() - t0
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = int(target) - 1 if status == "INFEASIBLE" and target is not None else None
        return Result(status, None, bound, None, None, wall, stats)
    net = model.decode(solver)
    check_network(arch, net)
    outs = evaluate(arch, net)
    per_output = [correct_rows(o, g) for o, g in zip(outs, goals)]
    assert per_output == [solver.Value(c) for c in model.correct], per_output
    bound = int(round(solver.BestObjectiveBound())) if target is None else None
    return Result(status, min(per_output), bound, per_output, net, wall, stats)

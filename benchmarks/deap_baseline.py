"""The Kashtan & Alon (2005) GA in DEAP, as a competent DEAP user writes it: the speed baseline.

The same model as ``evomod run ka2005-logic-mvg`` (NAND circuits, N = 4
inputs, one output, 12 gates with feedback, goals G1/G2 switched every
``period`` generations, the elite step, penalty 0.2 per effective gate above
11), written as an ordinary DEAP program: ``creator`` types, a
``base.Toolbox``, individuals as lists of ints, ``tools.selBest`` for
ranking, a registered one-locus mutation, and a shallow ``clone`` (DEAP's
default deep copy costs more than the bit-parallel evaluation).

Two evaluations, both with evomod's rules (``evomod.testing.reference``):

``bitwise`` (the baseline)
    Truth tables are Python ints, one bit per input row, so one
    ``~(a & b) & 0xFFFF`` evaluates a gate on all 16 rows. The effective
    gates (those with a path to the output) are found by a depth-first walk;
    they are updated synchronously from all-zero for ``T = G + 1`` steps
    (stopping early once the state repeats: a fixed point stays fixed), and
    rows whose effective gates changed on step T count as wrong. Each
    individual keeps its output table, settled rows and effective-gate count
    as attributes (computed when it changes), so a goal switch only rescores
    (``popcount`` of the agreeing, settled rows).
``row-by-row``
    ``evomod.testing.reference.fitness``: every row and every step one gate
    at a time, re-evaluated after each goal switch (the earlier baseline,
    for comparison only).

Only individuals whose fitness is invalid (mutated, or all of them after a
goal switch) are evaluated, as in the DEAP examples.

Usage::

    python benchmarks/deap_baseline.py --generations 200
    python benchmarks/deap_baseline.py --evaluation row-by-row --generations 10
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from deap import base, creator, tools

try:
    from evomod.testing import reference
except ImportError:  # run as a script from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from evomod.testing import reference

N_INPUTS = 4
N_OUTPUTS = 1
ROWS = 1 << N_INPUTS
MASK = (1 << ROWS) - 1
# input k's column: bit r is input k's value in row r (input 0 the most significant bit of r)
INPUT_COLUMNS = [sum(1 << r for r in range(ROWS) if (r >> (N_INPUTS - 1 - k)) & 1) for k in range(N_INPUTS)]
EVALUATIONS = ("bitwise", "row-by-row")

# creator classes are global; create them once per process.
if not hasattr(creator, "EvomodFitnessMax"):
    creator.create("EvomodFitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "EvomodIndividual"):
    creator.create("EvomodIndividual", list, fitness=creator.EvomodFitnessMax, table=None)


def random_loci(bounds):
    """One genome: every locus uniform over its allowed addresses."""
    return [random.randrange(high) for high in bounds]


def mut_redraw_locus(individual, bounds):
    """Redraw one uniformly chosen locus uniformly from its allowed addresses.

    Parameters
    ----------
    individual : list of int
        Genome, changed in place.
    bounds : list of int
        Exclusive upper bound of every locus.

    Returns
    -------
    tuple
        ``(individual,)``, as DEAP mutation operators return.
    """
    locus = random.randrange(len(individual))
    individual[locus] = random.randrange(bounds[locus])
    individual.table = None
    return (individual,)


def circuit_table(genome, n_gates, settle_steps):
    """``(output table, settled rows, effective gates)`` of a circuit, all 16 rows at once.

    Tables are ints with bit r for input row r. The effective gates are
    updated synchronously from all-zero ``settle_steps`` times; a row has
    settled if their state after the last step equals the one before.
    """
    out_address = genome[2 * n_gates]
    effective, stack = set(), [out_address]
    while stack:  # depth-first walk back from the output
        a = stack.pop()
        if a >= N_INPUTS and a - N_INPUTS not in effective:
            effective.add(a - N_INPUTS)
            stack += genome[2 * (a - N_INPUTS): 2 * (a - N_INPUTS) + 2]
    gates = sorted(effective)
    wires = [(N_INPUTS + g, genome[2 * g], genome[2 * g + 1]) for g in gates]
    value = INPUT_COLUMNS + [0] * n_gates  # address -> table
    previous = None
    for _step in range(settle_steps):
        current = [value[g] for g, _a, _b in wires]
        new = [~(value[a] & value[b]) & MASK for _g, a, b in wires]
        for (g, _a, _b), v in zip(wires, new):
            value[g] = v
        if new == current:  # a fixed point: every later step is the same
            previous = new
            break
        previous = current
    changed = 0
    for (g, _a, _b), old in zip(wires, previous):
        changed |= value[g] ^ old
    return value[out_address], MASK & ~changed, len(gates)


def evaluate_bitwise(individual, goal, n_gates, settle_steps, penalty=0.2, free=11):
    """DEAP evaluation: ``(fitness,)`` from the individual's cached bit-parallel table."""
    if individual.table is None:
        individual.table = circuit_table(individual, n_gates, settle_steps)
    out, settled, n_effective = individual.table
    correct = (~(out ^ goal) & settled & MASK).bit_count()
    return (correct / ROWS - penalty * max(0, n_effective - free),)


def evaluate_rows(individual, goal_rows, n_gates, settle_steps):
    """DEAP evaluation: ``(fitness,)`` from the row-by-row reference implementation."""
    return (reference.fitness(individual, goal_rows, N_INPUTS, n_gates, N_OUTPUTS, settle_steps),)


def make_toolbox(gates, feedforward=False):
    """Toolbox with population init, mutation and (goal-free) evaluation."""
    bounds = reference.locus_upper_bounds(N_INPUTS, gates, N_OUTPUTS, feedforward)
    toolbox = base.Toolbox()
    toolbox.register("genome", random_loci, bounds)
    toolbox.register("individual", tools.initIterate, creator.EvomodIndividual, toolbox.genome)
    toolbox.register("population", tools.initRepeat, list, toolbox.individual)
    toolbox.register("mutate", mut_redraw_locus, bounds=bounds)
    toolbox.register("clone", clone)
    return toolbox


def clone(individual):
    """A copy sharing the (immutable) fitness values and cached table: DEAP's
    default ``toolbox.clone`` is ``copy.deepcopy``, which here costs more than
    the evaluation, so a user who times the program writes this."""
    twin = creator.EvomodIndividual(individual)
    twin.fitness.values = individual.fitness.values
    twin.table = individual.table
    return twin


def elite_generation(population, toolbox, elite, pm):
    """One Kashtan-Alon elite step; returns the next population.

    Ranks by fitness with ties broken at random, keeps the ``elite`` best
    unchanged, replaces the ``elite`` worst by copies of the best, and
    mutates everyone but the kept elites with probability ``pm``.
    """
    # selBest sorts stably, so shuffling first breaks ties at random; one
    # ranking (not selBest + selWorst) keeps best and worst disjoint on ties.
    random.shuffle(population)
    ranked = tools.selBest(population, len(population))
    best = ranked[:elite]
    middle = ranked[elite:len(ranked) - elite]
    copies = [toolbox.clone(ind) for ind in best]
    for ind in middle + copies:
        if random.random() < pm:
            toolbox.mutate(ind)
            del ind.fitness.values
    return best + middle + copies


def _goal_table(rows):
    return sum(1 << r for r, row in enumerate(rows) if row[0])


def run_deap(generations, seed=0, population=1000, elite=300, pm=0.7, gates=12, period=20, settle_steps=None,
             feedforward=False, evaluation="bitwise"):
    """Run the MVG GA (G1/G2 alternating every ``period`` generations) in DEAP.

    Parameters
    ----------
    generations : int
        Number of generations to run.
    seed : int, optional
        Seed of the stdlib ``random`` module (the only RNG used).
    population : int, optional
        Population size S.
    elite : int, optional
        Elite size L (``2L <= S``).
    pm : float, optional
        Mutation probability per non-elite individual.
    gates : int, optional
        Number of NAND gates G.
    period : int, optional
        Generations per goal, E.
    settle_steps : int, optional
        Synchronous update steps; default ``G + 1``.
    feedforward : bool, optional
        Restrict gate ``g`` to read addresses ``< N + g``.
    evaluation : {"bitwise", "row-by-row"}
        See the module docstring.

    Returns
    -------
    dict
        ``best_fitness`` (best fitness of each generation under that
        generation's goal), ``seconds`` (wall time of the run, set-up
        included) and ``generations``.
    """
    if not 0 <= 2 * elite <= population:
        raise ValueError(f"need 0 <= 2*elite <= population, got {elite}, {population}")
    if evaluation not in EVALUATIONS:
        raise ValueError(f"evaluation must be one of {EVALUATIONS}, got {evaluation!r}")
    if settle_steps is None:
        settle_steps = gates + 1
    start = time.perf_counter()
    random.seed(seed)
    goals = reference.kashtan_alon_goals()
    toolbox = make_toolbox(gates, feedforward)
    pop = toolbox.population(n=population)

    best_fitness = []
    current_goal = None
    for t in range(generations):
        goal_index = (t // period) % len(goals)
        if goal_index != current_goal:
            current_goal = goal_index
            if evaluation == "bitwise":
                toolbox.register("evaluate", evaluate_bitwise, goal=_goal_table(goals[goal_index]),
                                 n_gates=gates, settle_steps=settle_steps)
            else:
                toolbox.register("evaluate", evaluate_rows, goal_rows=goals[goal_index], n_gates=gates,
                                 settle_steps=settle_steps)
            for ind in pop:  # cached fitnesses were for the old goal
                del ind.fitness.values
        invalid = [ind for ind in pop if not ind.fitness.valid]
        for ind, fit in zip(invalid, map(toolbox.evaluate, invalid)):
            ind.fitness.values = fit
        best_fitness.append(max(ind.fitness.values[0] for ind in pop))
        if t + 1 < generations:
            pop = elite_generation(pop, toolbox, elite, pm)
    return {"best_fitness": best_fitness, "seconds": time.perf_counter() - start, "generations": generations}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--population", type=int, default=1000)
    parser.add_argument("--elite", type=int, default=300)
    parser.add_argument("--pm", type=float, default=0.7)
    parser.add_argument("--gates", type=int, default=12)
    parser.add_argument("--period", type=int, default=20)
    parser.add_argument("--settle-steps", type=int, default=None)
    parser.add_argument("--feedforward", action="store_true")
    parser.add_argument("--evaluation", choices=EVALUATIONS, default="bitwise")
    args = parser.parse_args(argv)
    result = run_deap(args.generations, seed=args.seed, population=args.population, elite=args.elite, pm=args.pm,
                      gates=args.gates, period=args.period, settle_steps=args.settle_steps,
                      feedforward=args.feedforward, evaluation=args.evaluation)
    rate = result["generations"] / result["seconds"]
    print(f"DEAP baseline ({args.evaluation}): S={args.population} L={args.elite} G={args.gates} "
          f"generations={result['generations']} seconds={result['seconds']:.2f} generations/s={rate:.3f}")
    print(f"best fitness (last generation): {result['best_fitness'][-1]:.4f}")


if __name__ == "__main__":
    main()

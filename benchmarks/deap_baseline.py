"""Plain DEAP implementation of the Kashtan & Alon (2005) GA: the speed baseline.

The same model as ``evomod`` (NAND circuits, N = 4 inputs, one output, goals
G1/G2 switched every ``period`` generations, elite selection), written as an
ordinary DEAP program: ``creator`` types, a ``base.Toolbox``, individuals as
lists of ints, ``tools.selBest`` for ranking, a registered one-locus mutation
and the pure-Python ``evomod.testing.reference.fitness`` as the evaluation function.
Only individuals whose fitness is invalid (mutated, or all of them after a
goal switch) are evaluated, as in the DEAP examples.

Usage::

    python benchmarks/deap_baseline.py --generations 20
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

# creator classes are global; create them once per process.
if not hasattr(creator, "EvomodFitnessMax"):
    creator.create("EvomodFitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "EvomodIndividual"):
    creator.create("EvomodIndividual", list, fitness=creator.EvomodFitnessMax)


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
    return (individual,)


def evaluate(individual, goal_rows, n_gates, settle_steps):
    """DEAP evaluation: ``(fitness,)`` from the reference implementation."""
    return (reference.fitness(individual, goal_rows, N_INPUTS, n_gates, N_OUTPUTS, settle_steps),)


def make_toolbox(gates, feedforward=False):
    """Toolbox with population init, mutation and (goal-free) evaluation."""
    bounds = reference.locus_upper_bounds(N_INPUTS, gates, N_OUTPUTS, feedforward)
    toolbox = base.Toolbox()
    toolbox.register("genome", random_loci, bounds)
    toolbox.register("individual", tools.initIterate, creator.EvomodIndividual, toolbox.genome)
    toolbox.register("population", tools.initRepeat, list, toolbox.individual)
    toolbox.register("mutate", mut_redraw_locus, bounds=bounds)
    return toolbox


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


def run_deap(
    generations,
    seed=0,
    population=1000,
    elite=300,
    pm=0.7,
    gates=12,
    period=20,
    settle_steps=None,
    feedforward=False,
):
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

    Returns
    -------
    dict
        ``best_fitness`` (best fitness of each generation under that
        generation's goal), ``seconds`` (wall time of the run, set-up
        included) and ``generations``.
    """
    if not 0 <= 2 * elite <= population:
        raise ValueError(f"need 0 <= 2*elite <= population, got {elite}, {population}")
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
            toolbox.register("evaluate", evaluate, goal_rows=goals[goal_index],
                             n_gates=gates, settle_steps=settle_steps)
            # Cached fitnesses were for the old goal.
            for ind in pop:
                del ind.fitness.values
        invalid = [ind for ind in pop if not ind.fitness.valid]
        for ind, fit in zip(invalid, map(toolbox.evaluate, invalid)):
            ind.fitness.values = fit
        best_fitness.append(max(ind.fitness.values[0] for ind in pop))
        if t + 1 < generations:
            pop = elite_generation(pop, toolbox, elite, pm)
    return {
        "best_fitness": best_fitness,
        "seconds": time.perf_counter() - start,
        "generations": generations,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--population", type=int, default=1000)
    parser.add_argument("--elite", type=int, default=300)
    parser.add_argument("--pm", type=float, default=0.7)
    parser.add_argument("--gates", type=int, default=12)
    parser.add_argument("--period", type=int, default=20)
    parser.add_argument("--settle-steps", type=int, default=None)
    parser.add_argument("--feedforward", action="store_true")
    args = parser.parse_args(argv)
    result = run_deap(args.generations, seed=args.seed, population=args.population,
                      elite=args.elite, pm=args.pm, gates=args.gates, period=args.period,
                      settle_steps=args.settle_steps, feedforward=args.feedforward)
    rate = result["generations"] / result["seconds"]
    print(f"DEAP baseline: S={args.population} L={args.elite} G={args.gates} "
          f"generations={result['generations']} seconds={result['seconds']:.2f} "
          f"generations/s={rate:.3f}")
    print(f"best fitness (last generation): {result['best_fitness'][-1]:.4f}")


if __name__ == "__main__":
    main()

"""The replication studies (and the seeds' serial-goal experiment): conditions, sizes, claims, variants.

An experiment is a study (one base preset, a condition axis, seeds) plus the
claims of the paper it checks. Each claim names a per-run measure (see
``measures.py``), the condition(s) it is about, the published value as printed
and how the verdict is reached (``stats.py``). Facts come from
``../shared/reference/papers.md``; a value marked [notes] there is second-hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from evomod.registry import ConfigError


@dataclass(frozen=True)
class Claim:
    """One headline number. ``kind``: ``median`` (the published value lies in
    the 95% CI of the measured median), ``at_most`` (the measured median is
    not significantly above it), ``at_least`` (not significantly below it),
    ``proportion`` (Fisher's exact test against
    the published k/N), ``greater`` / ``less`` (the condition's values exceed /
    fall below ``versus``'s: one-sided Mann-Whitney U), ``ratio`` (as
    ``less``/``greater`` and the published ratio of medians lies in its
    bootstrap 95% CI), ``more_often`` (a higher fraction of ones: one-sided
    Fisher), ``hypothesis`` (like greater, for claims no paper has tested).
    Two kinds read several conditions (``over``): ``correlation`` (Pearson r
    of ``measure`` with ``against`` over the runs of ``over``, the published
    r in its Fisher-z 95% CI) and ``exponent`` (``over`` lists
    ``"FIXED/VARYING"`` condition pairs, one per goal; the published alpha of
    S = T_fixed / T_varying ~ T_fixed^alpha in the bootstrap 95% CI of the
    fitted one; ``against`` names the 0/1 measure of solved runs)."""

    measure: str
    condition: str
    paper: str
    kind: str
    value: float | None = None
    versus: str = ""
    total: int = 0  # proportion: the published denominator N (value is k)
    source: str = "notes"
    over: tuple[str, ...] = ()  # correlation: the pooled conditions; exponent: "FIXED/VARYING" pairs
    against: str = ""  # correlation: the second measure; exponent: the 0/1 "solved" measure


@dataclass(frozen=True)
class Condition:
    label: str
    overrides: dict  # dotted config keys on top of the experiment's base preset
    description: str = ""


@dataclass(frozen=True)
class Size:
    runs: int
    generations: int
    every: int  # modularity.every
    switch_at: int | None = None  # single-switch conditions: generations before the switch
    population: int | None = None


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    base: str  # preset
    conditions: tuple[Condition, ...]
    full: Size
    quick: Size
    claims: tuple[Claim, ...]
    measures: tuple[str, ...]  # shown per condition in the report
    modularity: str = "qm"  # record column plotted per generation (q where Q_m is not computed)
    variants: dict = field(default_factory=dict)  # name -> (why, overrides for every condition; "preset": another base)
    single_switch: tuple[str, ...] = ()  # conditions switching goal once, at size.switch_at
    notes: str = ""
    section: Callable | None = None  # section(out, exp, values) -> (markdown lines, data): the report's own part


_SOLVE = {"stop_on_solve": True}
_LONG = {"stop_on_solve": False}


def _fixed(goal: str) -> dict:
    """One goal throughout, stopping at the first solution."""
    return {"schedule.name": "fixed", "schedule.goals": [goal], **_SOLVE}


def _mvg(*goals: str, period: int | None = 20) -> dict:
    """``goals`` in turn every ``period`` generations (None: the study sets the single switch)."""
    table = {"schedule.name": "mvg", "schedule.goals": list(goals)}
    if period is not None:
        table["schedule.period"] = period
    return table


_FIXED_G1, _FIXED_G2, _MVG = _fixed("G1"), _fixed("G2"), _mvg("G1", "G2")

KA_LOGIC = Experiment(
    name="ka2005-logic",
    title="Kashtan & Alon 2005: NAND circuits, fixed goals vs modularly varying goals",
    base="ka2005-logic-mvg",
    conditions=(
        Condition("G1", _FIXED_G1, "fixed goal G1 = (X xor Y) and (Z xor W); stops at the first perfect circuit"),
        Condition("G2", _FIXED_G2, "fixed goal G2 = (X xor Y) or (Z xor W); stops at the first perfect circuit"),
        Condition("MVG", {**_MVG, **_SOLVE}, "G1 <-> G2 every 20 generations; stops once "
                  "both goals have been solved (the best then solves the current goal)"),
        Condition("MVG-long", {**_MVG, **_LONG}, "the same, run on to the cap: recovery after "
                  "switches, and what MVG populations become"),
    ),
    full=Size(runs=50, generations=100_000, every=100),
    quick=Size(runs=4, generations=3000, every=50),
    claims=(
        Claim("solved", "G1", "36/50", "proportion", 36, total=50),
        Claim("solved", "G2", "36/50", "proportion", 36, total=50),
        Claim("solved", "MVG", "50/50", "proportion", 50, total=50),
        Claim("generations_to_solve", "G1", "~9,000 (+19,000/-2,000)", "median", 9000),
        Claim("generations_to_solve", "MVG", "1,400 ± 1,000", "median", 1400),
        Claim("generations_to_solve", "G1", "about 6x slower than MVG", "ratio", 6.0, versus="MVG"),
        Claim("final_qm", "G1", "0.12 ± 0.02", "median", 0.12),
        Claim("final_qm", "MVG", "0.54 ± 0.02", "median", 0.54),
        Claim("final_qm", "MVG", "higher than under a fixed goal", "greater", versus="G1"),
        Claim("gates", "G1", "10 (typical solution)", "median", 10, source="paper"),
        Claim("gates", "MVG", "11 (typical solution)", "median", 11, source="paper"),
        Claim("recovery", "MVG-long", "within ~5 generations", "at_most", 5),
    ),
    measures=("solved", "generations_to_solve", "final_qm", "final_q", "gates", "recovery", "late_performance",
              "late_perfect"),
    variants={
        "feedforward": ("gates read only inputs and lower gates (the original allowed feedback)",
                        {"representation.feedforward": True}),
        "no-penalty": ("no penalty for gates above 11 (the penalty is second-hand)",
                       {"fitness.gate_penalty": 0.0}),
        "crossover": ("crossover with probability 0.5 (the paper: results similar with crossover)",
                      {"selection.pc": 0.5}),
        "bisection": ("Q of the best by recursive spectral bisection alone instead of the full search "
                      "(Q_rand and Q_max still come from the search)", {"modularity.method": "bisection"}),
        "directed": ("Q_m of the directed wiring graph (Leicht-Newman Q; the null model keeps every node's "
                     "in- and out-degree) instead of the undirected one", {"modularity.directed": True}),
    },
)

_RETINA_FIXED, _RETINA_MVG = _fixed("L-AND-R"), {**_mvg("L-AND-R", "L-OR-R"), **_SOLVE}


def _retina_section(out, exp, values):
    """The exact solver's answers next to evolution's (``retina_feasibility``)."""
    from evomod.replicate.retina_feasibility import section

    return section(out, exp, values)


KA_RETINA = Experiment(
    name="ka2005-retina",
    title="Kashtan & Alon 2005: retina networks (8 inputs, then 8-4-2-1 threshold neurons), fixed goal vs MVG",
    base="ka2005-retina-fixed",
    conditions=(
        Condition("fixed", _RETINA_FIXED, "L-AND-R; stops at 95% of the 256 patterns right"),
        Condition("MVG", _RETINA_MVG, "L-AND-R <-> L-OR-R every 20 generations; stops once both reach 95%"),
    ),
    full=Size(runs=50, generations=30_000, every=100),
    quick=Size(runs=4, generations=1500, every=50),
    claims=(
        Claim("generations_to_solve", "fixed", "21,000", "median", 21000),
        Claim("generations_to_solve", "MVG", "2,800", "median", 2800),
        Claim("generations_to_solve", "fixed", "about 7.5x slower than MVG", "ratio", 21000 / 2800, versus="MVG"),
        Claim("final_qm", "fixed", "0.15 ± 0.02", "median", 0.15, source="paper"),
        Claim("final_qm", "MVG", "0.35 ± 0.02", "median", 0.35),
        Claim("final_qm", "MVG", "higher than under a fixed goal", "greater", versus="fixed"),
    ),
    measures=("solved", "generations_to_solve", "final_performance", "final_qm", "final_q", "gates"),
    variants={
        "thresholds-wide": ("biases (thresholds) in -3..3 instead of -2..2 (the range is not known)",
                            {"representation.biases": [-3, -2, -1, 0, 1, 2, 3]}),
        "weights-2": ("weights in {-2,-1,1,2} instead of +-1", {"representation.weights": [-2, -1, 1, 2]}),
        "no-penalty": ("no penalty for neurons above 13", {"fitness.gate_penalty": 0.0}),
        "three-layer": ("the earlier reading: 8 inputs, then 4, 2, 1 threshold neurons (8-4-2-1, fan-in 3, 3, 2; "
                        "penalty above 13 nodes); the presets ka2005-retina3-*",
                        {"preset": "ka2005-retina3-fixed"}),
    },
    notes="The retina threshold range is not published; biases -2..2 are evomod's default.",
    section=_retina_section,
)

_SWITCH = _mvg("L-AND-R", "L-OR-R", period=None)  # period = switch_at
_PCC = {"selection.name": "stochastic_nsga2", "selection.p": 0.25, "objectives.separate": ["wiring"]}
_CLUNE_MVG = _mvg("L-AND-R", "L-OR-R")

CLUNE = Experiment(
    name="clune2013",
    title="Clune, Mouret & Lipson 2013: performance alone (PA) vs performance and connection cost (P&CC)",
    base="clune2013-pa",
    conditions=(
        Condition("PA", dict(_SWITCH), "NSGA-II on performance; L-AND-R, then one switch to L-OR-R"),
        Condition("P&CC", {**_SWITCH, **_PCC}, "stochastic NSGA-II (p = 0.25) on performance and wiring "
                  "cost; L-AND-R, then one switch to L-OR-R"),
        Condition("PA-MVG", dict(_CLUNE_MVG), "PA under L-AND-R <-> L-OR-R every 20 generations"),
        Condition("P&CC-MVG", {**_CLUNE_MVG, **_PCC}, "P&CC under L-AND-R <-> L-OR-R every 20 generations"),
    ),
    full=Size(runs=10, generations=27_500, every=100, switch_at=25_000),
    quick=Size(runs=3, generations=360, every=20, switch_at=300, population=400),
    claims=(
        Claim("q_before_switch", "PA", "roughly 0.2 (median)", "median", 0.2),
        Claim("q_before_switch", "P&CC", "roughly 0.4 (median)", "median", 0.4),
        Claim("q_before_switch", "P&CC", "markedly more modular than PA", "greater", versus="PA"),
        Claim("generations_to_solve", "P&CC", "perfect performance in fewer generations than PA", "less",
              versus="PA"),
        Claim("left_right", "P&CC", "left/right modules far more often than PA", "more_often", versus="PA"),
        Claim("adaptation", "P&CC", "adapts faster after one L-AND-R -> L-OR-R switch", "less", versus="PA"),
        Claim("final_q", "P&CC-MVG", "more modular than PA-MVG", "greater", versus="PA-MVG"),
    ),
    measures=("solved", "generations_to_solve", "performance_before_switch", "q_before_switch", "final_q",
              "left_right", "adaptation", "connections"),
    modularity="q",
    variants={
        "weights-1": ("weights in {-1, 1} instead of {-2,-1,1,2}", {"representation.weights": [-1, 1]}),
        "search": ("Q by the full partition search instead of recursive bisection",
                   {"modularity.method": "search"}),
    },
    single_switch=("PA", "P&CC"),
    notes=("Clune et al. ran 25,000 generations of L-AND-R; here PA and P&CC run them and then switch once "
           "to L-OR-R, so Q and performance are read just before the switch (records) and the adaptation "
           "time after it; left/right is the final best's 2-way split, after the switch (L-OR-R is as "
           "left/right separable as L-AND-R)."),
)

_RMVG = {"schedule.name": "rmvg", "schedule.period": 20}
_WIRES = {"objectives.weights": {"connections": 0.002}}
RMVG = Experiment(
    name="rmvg",
    title="Random modularly varying goals (the seeds' proposal), with and without a connection cost",
    base="ka2005-logic-mvg",
    conditions=(
        Condition("fixed", {**_FIXED_G1, **_LONG}, "fixed goal G1 (runs to the cap)"),
        Condition("MVG", dict(_MVG), "G1 <-> G2 every 20 generations"),
        Condition("RMVG", dict(_RMVG), "a new random goal F(A(x,y), B(z,w)) every 20 generations"),
        Condition("RMVG+CC", {**_RMVG, **_WIRES}, "RMVG with a cost of 0.002 per wire (a 12-gate circuit "
                  "pays 0.05, less than one wrong row, 0.0625)"),
    ),
    full=Size(runs=30, generations=20_000, every=100),
    quick=Size(runs=3, generations=1500, every=50),
    claims=(
        Claim("late_qm", "RMVG", "(no published value) RMVG alone selects for modularity", "hypothesis",
              versus="fixed", source="seeds"),
        Claim("late_qm", "RMVG+CC", "(no published value) a connection cost adds to RMVG", "hypothesis",
              versus="RMVG", source="seeds"),
        Claim("late_qm", "MVG", "(no published value) MVG beats a fixed goal for modularity", "hypothesis",
              versus="fixed", source="seeds"),
    ),
    measures=("late_qm", "late_q", "final_qm", "final_gates", "late_performance"),
    notes=("Under RMVG the goal of the last generation may be simple (e.g. depend on two inputs), so the final "
           "circuit can be tiny and its Q_m undefined; the claims use the mean Q_m of the best over the last "
           "10% of the generations instead."),
)

SERIAL = Experiment(
    name="serial",
    title="Serial vs parallel modular goals, fixed and MVG (seed experiment 5)",
    base="ka2005-logic-mvg",
    conditions=(
        Condition("parallel-fixed", dict(_FIXED_G1), "fixed G1 = (x ^ y) & (w ^ z): two sub-tasks side by side"),
        Condition("parallel-MVG", {**_MVG, **_SOLVE}, "G1 <-> G2 every 20 generations"),
        Condition("serial-fixed", _fixed("S1"),
                  "fixed S1 = (x ^ y) ? (z & w) : (z | w): the first sub-task decides what the second does"),
        Condition("serial-MVG-first", {**_mvg("S1", "S2"), **_SOLVE},
                  "S1 <-> S2 = (x & y) ? (z & w) : (z | w): only the first sub-task varies"),
        Condition("serial-MVG-second", {**_mvg("S1", "S3"), **_SOLVE},
                  "S1 <-> S3 = (x ^ y) ? (z ^ w) : (z | w): only the second sub-task varies"),
    ),
    full=Size(runs=50, generations=50_000, every=100),
    quick=Size(runs=3, generations=2000, every=50),
    claims=(
        Claim("generations_to_solve", "serial-fixed", "(no published value) serial goals are harder to solve",
              "hypothesis", versus="parallel-fixed", source="seeds"),
        Claim("final_qm", "parallel-MVG", "(K&A 2005) MVG gives more modular circuits than a fixed goal",
              "hypothesis", versus="parallel-fixed", source="paper"),
        Claim("final_qm", "serial-MVG-first", "(no published value) MVG of the first sub-task selects for "
              "modularity", "hypothesis", versus="serial-fixed", source="seeds"),
        Claim("final_qm", "serial-MVG-second", "(no published value) MVG of the second sub-task selects for "
              "modularity", "hypothesis", versus="serial-fixed", source="seeds"),
        Claim("final_info_flow", "serial-MVG-first", "(no published value) ... and for modules that exchange "
              "less information", "hypothesis", versus="serial-fixed", source="seeds"),
        Claim("final_info_flow", "serial-MVG-second", "(no published value) ... and for modules that exchange "
              "less information", "hypothesis", versus="serial-fixed", source="seeds"),
    ),
    measures=("solved", "generations_to_solve", "final_qm", "final_q", "gates", "final_info_flow",
              "final_task_nmi", "final_coverage"),
    notes=("Every condition stops once each of its goals has been solved (cap 50,000), as K&A's MVG runs did, so "
           "the final best solves the current goal. The seeds ask whether serial goals give more modularity, "
           "whether they are harder, and whether varying the first or the second sub-task matters; no paper "
           "has numbers, so every verdict is a test of a hypothesis, not a replication."),
)

EXPERIMENTS = {e.name: e for e in (KA_LOGIC, KA_RETINA, CLUNE, RMVG, SERIAL)}


def register(exp: Experiment) -> Experiment:
    """Add ``exp`` to ``EXPERIMENTS`` (``evomod.replicate.lineage`` registers the lineage's three)."""
    EXPERIMENTS[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise ConfigError(f"experiment '{name}' unknown; allowed: {', '.join(EXPERIMENTS)}", "experiment")
    return EXPERIMENTS[name]


def study(exp: Experiment, runs: int | None = None, quick: bool = False, variant: str = "",
          generations: int | None = None, seed: int = 2005) -> dict:
    """The study table (as ``evomod study`` reads it) that runs ``exp``."""
    size = exp.quick if quick else exp.full
    if variant and variant not in exp.variants:
        allowed = ", ".join(exp.variants) or "none"
        raise ConfigError(f"--variant {variant}: not a variant of {exp.name}; allowed: {allowed}", "--variant")
    if runs is not None and (type(runs) is not int or runs < 1):
        raise ConfigError(f"--runs {runs}: must be an integer >= 1", "--runs")
    if generations is not None and (type(generations) is not int or generations < 2):
        raise ConfigError(f"--generations {generations}: must be an integer >= 2", "--generations")
    gens = generations or size.generations
    switch_at = None if size.switch_at is None else max(1, round(size.switch_at * gens / size.generations))
    overrides = {"generations": gens, "modularity.every": size.every}
    if size.population:
        overrides["population"] = size.population
        if exp.base.startswith(("clune", "mengistu")):  # NSGA-II: mu parents of a pool twice that size
            overrides["selection.mu"] = size.population // 2
    base = exp.base
    if variant:
        changes = dict(exp.variants[variant][1])
        base = changes.pop("preset", base)  # a variant may start from another preset (another problem)
        overrides.update(changes)
    conditions = []
    for c in exp.conditions:
        table = {"label": c.label, **c.overrides}
        if c.label in exp.single_switch:
            table["schedule.period"] = switch_at
        conditions.append(table)
    description = exp.title + (f" (variant: {variant})" if variant else "") + (" [quick]" if quick else "")
    return {"description": description, "base": base, "seeds": runs or size.runs, "seed": seed,
            "overrides": overrides, "grid": {"condition": conditions}}

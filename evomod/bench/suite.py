"""The benchmark's tasks, strategies and sizes (no heavy imports: the CLI reads them for --help).

The defaults are the full benchmark of docs/benchmarks/selection.md: suite ``boolean``
(6 tasks) x ``DEFAULT_STRATEGIES`` (7) x 30 runs x a budget of 10,000 generations;
``BOOLEAN_TASKS`` lists every boolean preset, for ``--tasks``. ``--quick`` skips the
information-flow measure, which would take most of its two minutes.
"""

ALL_STRATEGIES = ("elite", "tournament", "roulette", "rank", "truncation", "mu_plus_lambda",
                  "mu_comma_lambda", "nsga2", "stochastic_nsga2", "lexicase")  # --strategies all
# the full benchmark's: one of each family (rank ~ roulette, mu_comma_lambda ~ truncation, and
# stochastic_nsga2 = nsga2 with a single objective are left out to fit ~2.5 h on 2 cores)
DEFAULT_STRATEGIES = ("elite", "tournament", "roulette", "truncation", "mu_plus_lambda", "nsga2", "lexicase")
BOOLEAN_TASKS = ("bool-mux6", "bool-mux11", "bool-parity4", "bool-parity5", "bool-parity6", "bool-parity7",
                 "bool-parity8", "bool-majority5", "bool-majority7", "bool-fulladder", "bool-adder2")
SUITES = {  # --suite NAME: its tasks (presets)
    "boolean": ("bool-mux6", "bool-parity4", "bool-parity5", "bool-majority5", "bool-fulladder", "bool-adder2"),
    "modularity": ("ka2005-logic-g1", "ka2005-logic-mvg", "ka2005-retina-fixed", "clune2013-pa"),
}
SUITES["all"] = SUITES["boolean"] + SUITES["modularity"]
DEFAULT_SUITE = "boolean"
DEFAULT_BUDGET = 10_000
QUICK = {"tasks": ("bool-mux6", "bool-parity4"), "strategies": ("elite", "tournament", "lexicase"), "runs": 5,
         "budget": 150, "info_flow": False}

"""The examples in the docstrings of the documented API run and print what they say.

``python -m pytest`` collects only ``tests/``, so the modules' doctests are
collected here, one test per docstring. ``DOCTESTED`` lists the functions
whose docstrings must keep an example: a docstring that loses its example
fails here instead of silently leaving the doctests.
"""

import doctest
import importlib

import pytest

MODULES = [
    "evomod.config",
    "evomod.engine.loop",
    "evomod.modularity.score",
    "evomod.modularity.search",
    "evomod.modularity.normalised",
    "evomod.measures.infoflow",
    "evomod.measures.subclusters",
    "evomod.modularity.ncut",
    "evomod.selection.strategies",
    "evomod.study.spec",
    "evomod.study.execute",
    "evomod.problems.boolean",
    "evomod.bench.anytime",
    "evomod.bench.stats",
    "evomod.bench.ioh",
    "evomod.study.seeding",
    "evomod.io.thinning",
    "evomod.measures.functional",
    "evomod.measures.hierarchy",
    "evomod.problems.tasks",
    "evomod.problems.goals",
    "evomod.problems.retina",
    "evomod.problems.schedules",
    "evomod.replicate",
    "evomod.replicate.stats",
    "evomod.representations.base",
    "evomod.selection.deap",
    "evomod.io.files",
    "evomod.costs",
    "evomod.measures.adaptation",
    "evomod.engine.checkpoint",
    "evomod.registry",
    "evomod.io.run_dir",
    "evomod.representations.program",
    "evomod.replicate.landscape_study",
    "evomod.experiments.size_report",
    "evomod.experiments.initialisation_report",
]

DOCTESTED = [
    "evomod.config.load", "evomod.engine.run",
    "evomod.modularity.q", "evomod.modularity.max_q", "evomod.modularity.qm",
    "evomod.measures.infoflow.information_flow", "evomod.measures.infoflow.exchange",
    "evomod.measures.infoflow.search",
    "evomod.measures.subclusters.importance", "evomod.measures.subclusters.coherence",
    "evomod.modularity.ncut.ncut", "evomod.modularity.ncut.spectral_partition",
    *(f"evomod.selection.strategies.{name}" for name in (
        "elite", "tournament", "roulette", "rank", "truncation", "mu_plus_lambda", "mu_comma_lambda", "nsga2",
        "stochastic_nsga2", "lexicase")),
    "evomod.study.run_study", "evomod.study.load_study", "evomod.study.expand",
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _docstring_tests():
    finder = doctest.DocTestFinder()
    for name in MODULES:
        for test in finder.find(importlib.import_module(name), name):
            if test.examples:
                yield pytest.param(test, id=test.name)


def _resolve(dotted: str):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("test", list(_docstring_tests()))
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report = []
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)


@pytest.mark.parametrize("name", DOCTESTED)
def test_documented_function_has_an_example_that_is_collected(name):
    fn = _resolve(name)
    assert ">>>" in (fn.__doc__ or ""), f"{name}: its docstring has no example"
    assert fn.__module__ in MODULES, f"{name} lives in {fn.__module__}, whose doctests are not collected"

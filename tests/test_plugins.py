"""The extension contract: each plug-in kind added from outside the package
(one function or class and one registration), and plug-ins of another
installed package found through entry points."""

import os
import subprocess
import sys
import textwrap
import tomllib

import numpy as np
import pyarrow.parquet as pq
import pytest
from pydantic import Field

from evomod import config as C
from evomod import rng
from evomod.columns import Column
from evomod.costs import COSTS
from evomod.costs import register as register_cost
from evomod.engine import record_columns, run
from evomod.io.run_dir import write_run
from evomod.problems.goals import parse, row_mask
from evomod.problems.schedules import SCHEDULES, Schedule, ScheduleParams
from evomod.problems.tasks import TASKS
from evomod.registry import ConfigError, Section
from evomod.representations.base import REPRESENTATIONS, Population, Representation
from evomod.selection import SELECTION, SelectionParams

REGISTRIES = (SELECTION, SCHEDULES, COSTS, REPRESENTATIONS, TASKS)
SMALL = {"generations": 40, "population": 60, "modularity": {"every": 0}}


@pytest.fixture(autouse=True)
def registries():
    """Every registry as it was before the test (plug-ins and discovery state)."""
    saved = [(r, dict(r._entries), set(r._discovered), r._all_discovered) for r in REGISTRIES]
    for r in REGISTRIES:  # as in a fresh process: entry points not scanned yet
        r._all_discovered = False
    modules = set(sys.modules)
    yield
    for r, entries, discovered, done in saved:
        r._entries, r._discovered, r._all_discovered = entries, discovered, done
    for name in set(sys.modules) - modules:
        if name.startswith("evomod_demo"):
            del sys.modules[name]


def small(**over):
    """The default preset, shortened, with tables merged from ``over``."""
    raw = C.read_raw(None)
    raw["selection"] = {"elite": 20}
    if "selection" in over:
        raw["selection"] = over.pop("selection")
    for key, value in {**SMALL, **over}.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return raw


# --- selection strategy: one function, one registration ------------------------------------

class HalfParams(SelectionParams):
    name: str = "best-half"


def register_best_half():
    @SELECTION.register("best-half", HalfParams)
    def best_half(objectives, state, params, cases=None):
        """Every row a copy of one of the better half; the better half kept."""
        size = objectives.shape[0]
        order = np.argsort(-objectives[:, 0], kind="stable")
        parents = np.empty(size, dtype=np.int64)
        keep = np.zeros(size, dtype=np.bool_)
        parents[order[: size // 2]] = order[: size // 2]
        keep[order[: size // 2]] = True
        picks = np.empty(size - size // 2, dtype=np.int64)
        rng.fill_below(state, size // 2, picks)
        parents[order[size // 2:]] = order[picks]
        return parents, keep


def test_a_selection_strategy_plugs_in():
    register_best_half()
    cfg = C.validate(small(selection={"name": "best-half", "pm": 0.7}))
    assert type(cfg.selection) is HalfParams
    result = run(cfg)
    perf = result.records.columns()["best_performance"]
    assert result.generations_run == 40 and perf[-1] >= perf[0]  # the better half is kept
    assert "best-half" in SELECTION.names()


# --- schedule with its own check ----------------------------------------------------------

class BackwardsParams(ScheduleParams):
    name: str = "backwards"


def check_backwards(params, context):
    if len(params.goals) < 2:
        raise ConfigError("schedule.goals: backwards needs at least 2 goals", "schedule.goals")
    for g in params.goals:
        if g not in context.task.goals:
            raise ConfigError(f"schedule.goals: unknown goal {g!r}", "schedule.goals")


def register_backwards():
    @SCHEDULES.register("backwards", BackwardsParams, check=check_backwards)
    def backwards(params, goal_tables, inputs, seed_seq):
        """The goals in reverse order, each for ``period`` generations."""
        names = list(reversed(params.goals))
        tables = np.stack([goal_tables[g] for g in names])
        return Schedule(names, tables, lambda t: (t // params.period) % len(names))


def test_a_schedule_plugs_in_with_its_check():
    register_backwards()
    cfg = C.validate(small(schedule={"name": "backwards", "goals": ["G1", "G2"], "period": 10}))
    result = run(cfg)
    goals = [result.goal_names[i] for i in result.records.columns()["goal"]]
    assert goals == (["G2"] * 10 + ["G1"] * 10) * 2  # hand-written: reversed, 10 each
    with pytest.raises(ConfigError) as e:
        C.validate(small(schedule={"name": "backwards", "goals": ["G1"]}))
    assert e.value.key == "schedule.goals" and "at least 2 goals" in str(e.value)
    with pytest.raises(ConfigError) as e:  # the hook sees the task
        C.validate(small(schedule={"name": "backwards", "goals": ["G1", "G9"]}))
    assert "'G9'" in str(e.value)


def test_built_in_schedule_checks_run_through_their_hooks():
    for name in ("fixed", "mvg", "rmvg"):
        assert SCHEDULES.get(name).check is not None
    with pytest.raises(ConfigError) as e:
        C.validate(small(schedule={"name": "mvg", "goals": ["G1", "G7"]}))
    assert e.value.key == "schedule.goals"
    with pytest.raises(ConfigError) as e:
        C.load("ka2005-retina-fixed", ["schedule.name=\"rmvg\""])
    assert e.value.key == "schedule.name" and "4 inputs" in str(e.value)


# --- cost with a record column ----------------------------------------------------------------

def register_ones():
    @register_cost("ones", column=Column("ones", "float64", float("nan"), "true rows of the best's output 0"))
    def ones(rep, pop, params):
        """Rows on which output 0 is true (any representation)."""
        bits = np.unpackbits(pop.tables[:, 0, :].view(np.uint8), axis=1)
        return bits.sum(axis=1).astype(np.float64)


def test_a_cost_plugs_in_with_its_record_column(tmp_path):
    register_ones()
    names = [c.name for c in record_columns()]
    assert names == ["generation", "goal", "best_fitness", "mean_fitness", "best_performance", "n_effective",
                     "connections", "wiring", "ones", "q", "qm", "info_flow", "coverage", "hierarchy",
                     "subproblems"]
    cfg = C.validate(small(objectives={"weights": {"ones": 0.001}}))
    result = run(cfg)
    ones = result.records.columns()["ones"]
    assert np.isfinite(ones).all()
    rep = C.representation_of(cfg)
    pop = rep.population(result.best_genome)
    rep.evaluate(pop)  # the final best's output, counted by hand from its truth table
    table = int(pop.tables[0, 0, 0])
    assert ones[-1] == sum((table >> r) & 1 for r in range(16))
    write_run(result, tmp_path / "run")
    written = pq.read_table(tmp_path / "run" / "records.parquet")
    assert written.column_names == names
    assert np.array_equal(written.column("ones").to_numpy(), ones)


def test_costs_a_representation_cannot_price_are_refused():
    with pytest.raises(ConfigError, match="allowed: connections, diversity, locality"):
        C.load(None, ["objectives.weights={wiring = 1.0}"])
    cfg = C.validate(small())
    assert np.isnan(run(cfg).records.columns()["wiring"]).all()  # NAND circuits have no wiring cost


# --- representation declaring its capabilities ------------------------------------------------

class TableParams(Section):
    name: str = Field("table", description="genome = the output truth table itself")
    outputs: int = Field(1, ge=1, le=4, description="outputs")


class TruthTables(Representation):
    """Genomes are truth tables: one 0/1 locus per (output, row); a mutation
    flips loci. Wiring: every input feeds every output."""

    capabilities = frozenset({"drawing"})

    def __init__(self, n_inputs, n_outputs):
        self.n_inputs, self.n_outputs = n_inputs, n_outputs

    def population(self, genomes):
        genomes = np.array(genomes, dtype=np.int16, ndmin=2)
        return Population.allocate(genomes, self.n_outputs, self.n_words)

    def random_population(self, size, state):
        picks = np.empty(size * self.n_outputs * self.n_rows, np.int64)
        rng.fill_below(state, 2, picks)
        return self.population(picks.reshape(size, -1))

    def evaluate(self, pop):
        bits = pop.genomes.reshape(len(pop.genomes), self.n_outputs, self.n_rows).astype(np.uint64)
        pop.tables[:, :, 0] = (bits << np.arange(self.n_rows, dtype=np.uint64)).sum(axis=2)
        pop.valid[:] = row_mask(self.n_inputs)
        pop.stale[:] = False

    def vary(self, pop, keep, selection, state):
        flips = np.empty(pop.genomes.shape, np.int64)
        rng.fill_below(state, 1000, flips.reshape(-1))
        flip = (flips < 1000 * selection.pm / pop.genomes.shape[1]) & ~keep[:, None]
        pop.genomes[flip] ^= 1
        pop.stale |= flip.any(axis=1)

    def to_graph(self, genome, inputs=None, directed=False):
        n, k = self.n_inputs, self.n_outputs
        A = np.zeros((n + k, n + k))
        A[:n, n:] = 1
        if not directed:
            A = np.maximum(A, A.T)
        return A, list(inputs or [f"in{i}" for i in range(n)]) + [f"out{j}" for j in range(k)]

    def headline(self, genome, size):
        return f"truth table of {self.n_outputs} output(s)"

    def describe(self, genome, inputs):
        return ["".join(map(str, genome))]

    def check_genome(self, values):
        ok = isinstance(values, list) and len(values) == self.n_outputs * self.n_rows and set(values) <= {0, 1}
        return "" if ok else f"must be {self.n_outputs * self.n_rows} bits"

    def drawing(self, genome, inputs=None):
        A, names = self.to_graph(genome, inputs, directed=True)
        pos = np.array([[i, 0.0] for i in range(self.n_inputs)] + [[j, 1.0] for j in range(self.n_outputs)])
        return {"positions": pos, "edges": [(int(i), int(j), 1) for i, j in zip(*np.nonzero(A))], "names": names}


def check_table(params, context):
    if len(context.task.inputs) > 6:
        raise ConfigError("representation.name = 'table': at most 6 inputs (one word a table)",
                          "representation.name")


def register_table():
    @REPRESENTATIONS.register("table", TableParams, check=check_table)
    def table(params, n_inputs):
        return TruthTables(n_inputs, params.outputs)


def test_a_representation_plugs_in_and_declares_its_capabilities(tmp_path):
    register_table()
    cfg = C.validate(small(representation={"name": "table"}, generations=200, stop_on_solve=True,
                           schedule={"name": "fixed", "goals": ["G1"]}))
    result = run(cfg)
    assert result.status == "solved" and result.best_performance == 1.0
    rep = C.representation_of(cfg)
    want = parse("(x ^ y) & (w ^ z)", ["x", "y", "z", "w"])
    assert [int(b) for b in result.best_genome] == [int(want[0]) >> r & 1 for r in range(16)]
    assert rep.supports("drawing") and not rep.supports("program") and not rep.supports("left_right_split")
    with pytest.raises(ConfigError) as e:
        rep.program(result.best_genome)
    assert "does not offer program" in str(e.value) and "drawing" in str(e.value)
    with pytest.raises(ConfigError) as e:  # measurements that need a program are refused at load time
        C.validate(small(representation={"name": "table"}, modularity={"info_flow": True}))
    assert e.value.key == "modularity.info_flow"
    with pytest.raises(ConfigError) as e:  # the representation's own check hook
        C.validate(small(representation={"name": "table"},
                         task={"inputs": list("abcdefg"), "goals": {"G1": "a & b"}},
                         schedule={"name": "fixed", "goals": ["G1"]}))
    assert e.value.key == "representation.name" and "at most 6 inputs" in str(e.value)


def test_a_declared_capability_must_be_implemented():
    with pytest.raises(TypeError, match="declares"):
        class Liar(Representation):
            capabilities = frozenset({"program"})
    with pytest.raises(TypeError, match="unknown"):
        class Typo(Representation):
            capabilities = frozenset({"programme"})


def test_built_in_representations_declare_what_they_offer():
    nand = C.representation_of(C.load(None))
    layered = C.representation_of(C.load("clune2013-pa"))
    assert nand.capabilities == {"program", "drawing", "mutation_effects"}
    assert layered.capabilities == {"program", "drawing", "left_right_split"}
    with pytest.raises(ConfigError, match="does not offer left_right_split"):
        nand.left_right_split(np.zeros(37, np.int16))


# --- entry points of another installed package ------------------------------------------------

def install(tmp_path, module: str, source: str, entry_points: str):
    """A minimal installed distribution: the module and a dist-info with entry_points.txt."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    info = tmp_path / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return tmp_path


PLUGIN = """
    import numpy as np
    from evomod.selection import SELECTION, SelectionParams

    class TopParams(SelectionParams):
        name: str = "demo-top"

    @SELECTION.register("demo-top", TopParams)
    def top(objectives, state, params, cases=None):
        best = int(np.argmax(objectives[:, 0]))
        parents = np.full(objectives.shape[0], best, dtype=np.int64)
        keep = np.zeros(objectives.shape[0], dtype=np.bool_)
        parents[best], keep[best] = best, True
        return parents, keep
"""


def test_entry_point_plugin_is_found_by_name(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(install(tmp_path, "evomod_demo_top", PLUGIN,
                                            "[evomod.selection]\ndemo-top = evomod_demo_top\n")))
    assert "evomod_demo_top" not in sys.modules
    cfg = C.validate(small(selection={"name": "demo-top", "pm": 0.7}))  # not imported by anyone: discovered
    assert "evomod_demo_top" in sys.modules
    result = run(cfg)
    assert result.generations_run == 40
    assert np.all(np.diff(result.records.columns()["best_fitness"]) >= 0)  # the best is always kept


def test_entry_point_registration_function(tmp_path, monkeypatch):
    source = PLUGIN.replace('    @SELECTION.register("demo-top", TopParams)\n', "") + """
    def register():
        SELECTION.register("demo-fn", TopParams)(top)
    """
    monkeypatch.syspath_prepend(str(install(tmp_path, "evomod_demo_fn", source,
                                            "[evomod.selection]\nanything = evomod_demo_fn:register\n")))
    assert "demo-fn" in SELECTION.names()  # listing names loads every plug-in


def test_broken_plugin_is_a_one_line_config_error(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(install(tmp_path, "evomod_demo_broken", "raise ImportError('no numpy\\nhere')\n",
                                            "[evomod.costs]\nbroken = evomod_demo_broken\n")))
    with pytest.raises(ConfigError) as e:
        C.load(None, ["objectives.weights={broken = 1.0}"])
    msg = str(e.value)
    assert "\n" not in msg and "plug-in broken = 'evomod_demo_broken'" in msg and "evomod.costs" in msg
    assert "ImportError: no numpy here" in msg
    # through the command line: exit code 2 and that one line
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "evomod", "run", "--generations", "2", "--out", str(tmp_path / "o"),
                           "--set", "objectives.weights={broken = 1.0}"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path}, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "evomod_demo_broken" in proc.stderr


# --- the how-to page's examples -------------------------------------------------------------

def test_extending_page_examples_run(capsys):
    """docs/extending.md: its Python blocks, in order, register one plug-in of each kind and run them."""
    import re
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "extending.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(blocks) == 5
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/extending.md", "exec"), namespace)
    result = namespace["result"]
    assert result.config.representation.name == "table" and result.config.selection.name == "best-half"
    assert result.generations_run == 50 and np.isfinite(result.records.columns()["ones"]).all()
    assert [result.goal_names[i] for i in result.records.columns()["goal"][:41:20]] == ["G2", "G1", "G2"]
    goals = tomllib.loads(re.findall(r"```toml\n(.*?)```", page, flags=re.S)[0])
    cfg = C.validate({**goals, "schedule": {"name": "mvg", "goals": ["MUX", "G1"]}})
    assert np.array_equal(C._tasks.build(cfg.task).goals["MUX"][0], parse("(x & y) | (~x & z)", list("xyzw")))

"""evomod.config: defaults against the papers' values, TOML round trips, and
one-line ConfigErrors that name the offending key."""

import tomllib

import pytest
from pydantic import ValidationError

from evomod import config as C
from evomod.registry import ConfigError

BOOLEAN_PRESETS = ["bool-adder2", "bool-fulladder", "bool-majority5", "bool-majority7", "bool-mux11", "bool-mux6",
                   "bool-parity4", "bool-parity5", "bool-parity6", "bool-parity7", "bool-parity8"]
PRESETS = BOOLEAN_PRESETS + [
    "clune2013-pa", "clune2013-pa-mvg", "clune2013-pcc", "clune2013-pcc-mvg", "ka2005-logic-g1", "ka2005-logic-g2",
    "ka2005-logic-mvg", "ka2005-logic-rmvg", "ka2005-retina-fixed", "ka2005-retina-mvg", "ka2005-retina3-fixed",
    "ka2005-retina3-mvg", "serial-fixed",
    "serial-mvg-first", "serial-mvg-second", "hxor-pa", "hxor-pcc", "ka2005-6input-fixed", "ka2005-6input-mvg",
    "kashtan2007-fixed", "kashtan2007-mvg", "kashtan2007-rvg", "mengistu2016-pa", "mengistu2016-pcc"]


def error_of(raw=None, overrides=(), **updates):
    with pytest.raises(ConfigError) as info:
        if isinstance(raw, dict) and not overrides and not updates:
            C.validate(raw)
        else:
            C.load(raw, overrides, **updates)
    msg = str(info.value)
    assert "\n" not in msg and msg.strip() == msg and msg
    return info.value


# --- defaults ---------------------------------------------------------------------------

def test_defaults_are_kashtan_alon_2005():
    cfg = C.validate({})
    assert cfg.population == 1000
    assert cfg.selection.name == "elite"
    assert cfg.selection.elite == 300
    assert cfg.selection.pm == 0.7
    assert cfg.selection.pc == 0.0
    assert cfg.representation.name == "nand"
    assert cfg.representation.gates == 12
    assert cfg.representation.outputs == 1
    assert cfg.representation.feedforward is False
    assert cfg.representation.settle_steps == 13  # derived: gates + 1
    assert cfg.fitness.gate_penalty == 0.2
    assert cfg.fitness.free_gates == 11
    assert cfg.schedule.name == "mvg"
    assert cfg.schedule.period == 20
    assert cfg.schedule.goals == ["G1", "G2"]
    assert cfg.task.inputs == ["x", "y", "z", "w"]
    # the built-in goals: K&A's G1 and G2 (the schedule's), and the serial S1-S3 other presets use
    assert {k: cfg.task.goals[k] for k in ("G1", "G2")} == {"G1": "(x ^ y) & (w ^ z)", "G2": "(x ^ y) | (w ^ z)"}
    assert set(cfg.task.goals) == {"G1", "G2", "S1", "S2", "S3"}
    assert cfg.seed == 0 and cfg.stop_on_solve is False


def test_default_source_is_mvg_preset():
    default = C.load()
    assert default == C.load("ka2005-logic-mvg")
    assert default.model_copy(update={"description": ""}) == C.validate({})


def test_settle_steps_follows_gates():
    assert C.validate({"representation": {"gates": 5}}).representation.settle_steps == 6
    assert C.validate({"representation": {"gates": 5, "settle_steps": 9}}).representation.settle_steps == 9


def test_config_is_immutable():
    cfg = C.validate({})
    with pytest.raises(ValidationError):
        cfg.population = 5


def test_validate_does_not_touch_its_input():
    raw = {"selection": {"pm": 0.5}, "representation": {"gates": 6}}
    C.validate(raw)
    assert raw == {"selection": {"pm": 0.5}, "representation": {"gates": 6}}


# --- presets and TOML ------------------------------------------------------------------------

def test_preset_names():
    names = C.preset_names()
    assert sorted(names) == sorted(PRESETS)
    assert all(isinstance(d, str) and d for d in names.values())


def test_presets_differ_as_documented():
    g1, g2, mvg, rmvg = (C.load(f"ka2005-logic-{p}") for p in ("g1", "g2", "mvg", "rmvg"))
    assert (g1.schedule.name, g1.schedule.goals, g1.generations) == ("fixed", ["G1"], 100_000)
    assert (g2.schedule.name, g2.schedule.goals, g2.generations) == ("fixed", ["G2"], 100_000)
    assert (mvg.schedule.name, mvg.schedule.period) == ("mvg", 20)
    assert (rmvg.schedule.name, rmvg.schedule.period) == ("rmvg", 20)


def _schema_models(cfg):
    return {"": type(cfg), **{name: type(getattr(cfg, name)) for name in (
        "task", "representation", "fitness", "objectives", "selection", "schedule", "modularity", "engine",
        "records")}}


@pytest.mark.parametrize("preset", PRESETS)
def test_to_toml_round_trip(preset):
    cfg = C.load(preset)
    text = C.to_toml(cfg, title=f"preset {preset}")
    parsed = tomllib.loads(text)
    assert C.validate(parsed) == cfg
    # every schema key is present, with its description as a comment
    for section, model in _schema_models(cfg).items():
        table = parsed if not section else parsed[section]
        for key, field in model.model_fields.items():
            assert key in table or getattr(cfg if not section else getattr(cfg, section), key) is None, \
                (section, key)
            if field.description and not (section == "" and key in _schema_models(cfg)):
                assert f"# {field.description}" in text, (section, key)


def test_to_toml_round_trip_custom():
    raw = {"description": 'quotes " and \\ and ü', "population": 10, "seed": 2**40,
           "stop_on_solve": True,
           "task": {"inputs": ["a", "b", "c"], "goals": {"A": ["a & b", "b | c"], "B": ["~a", "NAND(a, c)"]}},
           "representation": {"outputs": 2, "gates": 7, "feedforward": True, "settle_steps": 20},
           "schedule": {"name": "mvg", "goals": ["B", "A"], "period": 3},
           "selection": {"pm": 1, "pc": 0.25, "elite": 3}}
    cfg = C.validate(raw)
    assert C.validate(tomllib.loads(C.to_toml(cfg))) == cfg


def test_to_toml_quotes_multi_output_goal_names():
    raw = {"task": {"inputs": ["a", "b"], "goals": {"my goal": ["a & b", "a | b"], "g.2": ["a", "b"]}},
           "representation": {"outputs": 2, "gates": 4},
           "schedule": {"name": "mvg", "goals": ["my goal", "g.2"]}}
    cfg = C.validate(raw)
    assert C.validate(tomllib.loads(C.to_toml(cfg))) == cfg


def test_to_dict_is_plain_json_data():
    d = C.to_dict(C.load("ka2005-logic-g1"))
    assert d["schedule"] == {"name": "fixed", "goals": ["G1"], "period": 20}
    assert d["representation"]["settle_steps"] == 13
    assert C.validate(d) == C.load("ka2005-logic-g1")


# --- bad input -------------------------------------------------------------------------------

def test_unknown_top_level_key():
    e = error_of({"generation": 5})
    assert e.key == "generation" and "'generation'" in str(e) and "generations" in str(e)


def test_unknown_key_in_selection_lists_allowed():
    e = error_of({"selection": {"pmm": 0.5}})
    assert e.key == "selection.pmm"
    for allowed in ("name", "pm", "pc", "elite"):
        assert allowed in str(e).split("allowed")[1]


def test_unknown_key_in_task():
    e = error_of({"task": {"input": ["x"]}})
    assert e.key == "task.input" and "inputs" in str(e)


@pytest.mark.parametrize("raw,key", [
    ({"representation": {"gates": "12"}}, "representation.gates"),
    ({"selection": {"pm": "high"}}, "selection.pm"),
    ({"representation": {"gates": True}}, "representation.gates"),
    ({"representation": {"gates": 12.0}}, "representation.gates"),
    ({"population": "1000"}, "population"),
    ({"stop_on_solve": "yes"}, "stop_on_solve"),
    ({"schedule": {"goals": "G1"}}, "schedule.goals"),
    ({"description": 5}, "description"),
])
def test_wrong_type(raw, key):
    e = error_of(raw)
    assert e.key == key and key in str(e)


@pytest.mark.parametrize("raw,key", [
    ({"selection": {"pm": 1.01}}, "selection.pm"),
    ({"selection": {"pm": -0.1}}, "selection.pm"),
    ({"selection": {"pc": 2}}, "selection.pc"),
    ({"population": 1}, "population"),
    ({"generations": 0}, "generations"),
    ({"seed": -1}, "seed"),
    ({"schedule": {"period": 0}}, "schedule.period"),
    ({"representation": {"gates": 0}}, "representation.gates"),
    ({"fitness": {"gate_penalty": -0.5}}, "fitness.gate_penalty"),
])
def test_out_of_range(raw, key):
    e = error_of(raw)
    assert e.key == key and key in str(e)


def test_pm_bounds_inclusive_and_int_accepted():
    assert C.validate({"selection": {"pm": 1}}).selection.pm == 1.0
    assert C.validate({"selection": {"pm": 0}}).selection.pm == 0.0


def test_elite_at_most_half_population():
    e = error_of({"population": 599})
    assert e.key == "selection.elite" and "299" in str(e)
    assert C.validate({"population": 600}).selection.elite == 300  # 2L == S is fine
    e = error_of({"population": 10, "selection": {"elite": 6}})
    assert e.key == "selection.elite"


def test_unknown_schedule_lists_known():
    e = error_of({"schedule": {"name": "weekly"}})
    assert e.key == "schedule.name"
    assert "'weekly'" in str(e) and all(n in str(e) for n in ("fixed", "mvg", "rmvg"))


def test_unknown_selection_name():
    e = error_of({"selection": {"name": "tournaments"}})
    assert e.key == "selection.name" and "'tournaments'" in str(e)
    assert all(n in str(e) for n in ("elite", "tournament", "nsga2", "lexicase", "deap:NAME"))


def test_unknown_representation_name():
    e = error_of({"representation": {"name": "tree"}})
    assert e.key == "representation.name" and "nand" in str(e)


def test_goal_with_unknown_input():
    e = error_of({"task": {"goals": {"G1": "x & q", "G2": "x"}}})
    assert e.key == "task.goals.G1" and "task.goals.G1" in str(e) and "'q'" in str(e)


def test_goal_syntax_error():
    e = error_of({"task": {"goals": {"G1": "x &", "G2": "x"}}})
    assert e.key == "task.goals.G1"


def test_schedule_goal_not_defined():
    e = error_of({"schedule": {"goals": ["G1", "G3"]}})
    assert e.key == "schedule.goals" and "'G3'" in str(e) and "G1" in str(e)


def test_settle_steps_below_gates_plus_one():
    e = error_of({"representation": {"gates": 12, "settle_steps": 12}})
    assert e.key == "representation.settle_steps" and "13" in str(e)
    assert C.validate({"representation": {"gates": 12, "settle_steps": 13}})


def test_rmvg_needs_four_inputs_one_output():
    e = error_of({"task": {"inputs": ["x", "y", "z"], "goals": {"A": "x ^ y"}},
                  "schedule": {"name": "rmvg"}})
    assert e.key == "schedule.name" and "4 inputs" in str(e)
    e = error_of({"representation": {"outputs": 2},
                  "task": {"goals": {"A": ["x", "y"]}}, "schedule": {"name": "rmvg"}})
    assert e.key == "schedule.name"


def test_goal_list_length_must_match_outputs():
    e = error_of({"representation": {"outputs": 2}})  # built-in goals are single expressions
    assert e.key.startswith("task.goals.") and "2" in str(e)
    e = error_of({"task": {"goals": {"G1": ["x", "y", "z"], "G2": ["x", "y"]}},
                  "representation": {"outputs": 2}})
    assert e.key == "task.goals.G1"


def test_duplicate_inputs():
    e = error_of({"task": {"inputs": ["x", "x", "z", "w"]}})
    assert e.key == "task.inputs"


def test_section_not_a_table():
    assert error_of({"selection": 5}).key == "selection"
    assert error_of({"task": 5}).key == "task"


def test_invalid_input_name_names_task_inputs():
    e = error_of({"task": {"inputs": ["x", "y", "z", "not"]}})
    assert e.key == "task.inputs"


def test_invalid_input_name_rejected_without_goals():
    # rmvg draws its own goals, and the task's one goal does not read the bad name:
    # the name itself is refused, not a goal that uses it
    e = error_of({"task": {"inputs": ["x", "y", "z", "not"], "goals": {"G1": "x & y"}},
                  "schedule": {"name": "rmvg"}})
    assert e.key == "task.inputs" and "'not'" in str(e)
    assert C.validate({"task": {"inputs": ["x", "y", "z", "v"], "goals": {"G1": "x & y"}},
                       "schedule": {"name": "rmvg"}}).task.inputs == ["x", "y", "z", "v"]


# --- sources and overrides ---------------------------------------------------------------------

def test_unknown_preset():
    e = error_of("no-such-preset")
    assert "no-such-preset" in str(e) and "ka2005-logic-mvg" in str(e)


def test_toml_file_source(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('population = 50\n[selection]\nelite = 10\npm = 0.25\n')
    cfg = C.load(str(path))
    assert (cfg.population, cfg.selection.elite, cfg.selection.pm) == (50, 10, 0.25)
    assert C.load(path) == cfg
    assert "not found" in str(error_of(str(tmp_path / "missing.toml")))
    bad = tmp_path / "bad.toml"
    bad.write_text("population = = 3\n")
    assert "not valid TOML" in str(error_of(str(bad)))


def test_dict_source_is_copied():
    raw = {"population": 20, "selection": {"elite": 5}}
    cfg = C.load(raw, ["selection.pm=0.1"])
    assert cfg.selection.pm == 0.1
    assert raw == {"population": 20, "selection": {"elite": 5}}


def test_overrides():
    cfg = C.load("ka2005-logic-mvg", ["selection.pm=0.5", "schedule.name=fixed", "seed=7",
                                      "stop_on_solve=true", 'schedule.goals=["G2"]',
                                      "representation.gates = 6", "description=two words"])
    assert cfg.selection.pm == 0.5
    assert cfg.schedule.name == "fixed" and cfg.schedule.goals == ["G2"]
    assert cfg.seed == 7 and cfg.stop_on_solve is True
    assert cfg.representation.gates == 6 and cfg.representation.settle_steps == 7
    assert cfg.description == "two words"


def test_override_later_wins_and_updates():
    cfg = C.load(None, ["selection.pm=0.5", "selection.pm=0.25"], seed=3, generations=40)
    assert cfg.selection.pm == 0.25 and cfg.seed == 3 and cfg.generations == 40


def test_parse_override():
    assert C.parse_override("selection.pm=0.5") == (["selection", "pm"], 0.5)
    assert C.parse_override("schedule.name=fixed") == (["schedule", "name"], "fixed")
    assert C.parse_override('schedule.goals=["G1", "G2"]') == (["schedule", "goals"], ["G1", "G2"])
    assert C.parse_override("seed=7") == (["seed"], 7)
    assert C.parse_override("x=true") == (["x"], True)


@pytest.mark.parametrize("item", ["selection.pm", "=0.5", "selection..pm=1", ".pm=1", "a.=1", " =3"])
def test_malformed_override(item):
    e = error_of(None, [item])
    assert "--set" in str(e)


@pytest.mark.parametrize("item,key", [
    ("selection.pm=2", "selection.pm"),
    ("selection.pmm=0.5", "selection.pmm"),
    ("schedule.name.x=1", "schedule.name.x"),
    ("selection.pm=", "selection.pm"),
])
def test_override_values_validated(item, key):
    assert error_of(None, [item]).key == key

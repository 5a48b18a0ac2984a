"""The config's schemas (grokrewarm/config_schema.py): every option file of the groups a user sets
by hand has one that matches it, and a wrong type or an unknown key is refused as the config is
composed, naming the key, the value and the type, before any folder is made."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest
import yaml
from hydra.errors import ConfigCompositionException
from hydra.utils import get_object

from grokrewarm import config_schema
from grokrewarm.compose import CONF_DIR
from grokrewarm.config_schema import SCHEMAS, ConfigError, refuse_undeclared_keys

# the option files a schema types: conf/<group>/<option>.yaml -> its (group, name) in SCHEMAS
OPTION_FILES = {
    CONF_DIR / group / f"{name}.yaml": (group, name)
    for group, name, _ in SCHEMAS
    if group != "budget"
}
OPTION_FILES.update({path: ("budget", "budget") for path in (CONF_DIR / "budget").glob("*.yaml")})
TYPED_GROUPS = ("task", "model", "optimizer", "projection", "metrics", "rewarm")


def _load(path: Path) -> dict:
    """A config file's keys and its ``defaults`` list (under ``defaults``)."""
    return yaml.safe_load(path.read_text()) or {}


def _keys(path: Path) -> dict:
    data = _load(path)
    data.pop("defaults", None)
    return data


def test_every_option_of_the_typed_groups_has_a_schema():
    for group in TYPED_GROUPS:
        for path in (CONF_DIR / group).glob("*.yaml"):
            assert path in OPTION_FILES, f"{path} has no schema in grokrewarm/config_schema.py"


def _is_schema(hint) -> bool:
    return inspect.isclass(hint) and hasattr(hint, "__dataclass_fields__")


def _fields(schema: type) -> dict:
    return typing.get_type_hints(schema)


def _check_node(data: dict, schema: type, where: str) -> None:
    """``data`` (a YAML node) has the keys ``schema`` declares (all of them when it is closed),
    and nested nodes match their nested schemas."""
    fields = _fields(schema)
    declared = set(schema.__dataclass_fields__)
    if issubclass(schema, dict):  # open: it types what it declares, every file has those
        assert declared <= set(data) | {"_target_", "_partial_"}, f"{where}: {declared - set(data)}"
    else:
        assert set(data) <= declared, f"{where}: undeclared {set(data) - declared}"
        assert declared <= set(data) | {"_target_", "_partial_"}, f"{where}: {declared - set(data)}"
    target = schema.__dataclass_fields__.get("_target_")
    if target is not None and "_target_" in data:
        assert data["_target_"] == target.default, where
    for key, value in data.items():
        hint = fields.get(key)
        if isinstance(value, dict) and _is_schema(hint):
            _check_node(value, hint, f"{where}.{key}")


@pytest.mark.parametrize("path", sorted(OPTION_FILES), ids=lambda p: str(p.relative_to(CONF_DIR)))
def test_each_option_file_extends_its_schema_and_matches_it(path):
    group, name = OPTION_FILES[path]
    data = _load(path)
    defaults = data.pop("defaults")
    assert f"/schema/{group}/{name}@_here_" in defaults, f"{path}: its schema comes first"
    schema = next(s for g, n, s in SCHEMAS if (g, n) == (group, name))
    _check_node(data, schema, str(path))


# the Atari domain's scale at each budget: its `budgets:` table, merged over `budget`
ATARI_BUDGETS = _load(CONF_DIR / "domain" / "atari.yaml")["budgets"]


@pytest.mark.parametrize("budget", sorted(ATARI_BUDGETS))
def test_each_atari_budget_entry_extends_its_schema_and_matches_it(budget):
    data = dict(ATARI_BUDGETS[budget])
    assert "/schema/budget/atari@atari" in data.pop("defaults"), "its schema comes first"
    schema = next(s for g, n, s in SCHEMAS if (g, n) == ("budget", "atari"))
    _check_node(data["atari"], schema, f"conf/domain/atari.yaml: budgets.{budget}")


def _targets(schema: type, data: dict):
    """(class built, keys passed) for every node with a ``_target_`` under ``schema``."""
    target = schema.__dataclass_fields__.get("_target_")
    if target is not None:
        yield target.default, [k for k in data if not k.startswith("_")]
    for key, hint in _fields(schema).items():
        if _is_schema(hint) and key in data:
            yield from _targets(hint, data[key])


@pytest.mark.parametrize(
    "path",
    sorted(p for p, (g, _) in OPTION_FILES.items() if g != "budget"),
    ids=lambda p: str(p.relative_to(CONF_DIR)),
)
def test_the_classes_the_schemas_build_take_their_keys(path):
    group, name = OPTION_FILES[path]
    schema = next(s for g, n, s in SCHEMAS if (g, n) == (group, name))
    for target, keys in _targets(schema, _keys(path)):
        parameters = inspect.signature(get_object(target)).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            continue
        assert set(keys) <= set(parameters), f"{target} takes no {set(keys) - set(parameters)}"


@pytest.mark.parametrize(
    ("overrides", "key", "value", "expected"),
    [
        (["task.train_fraction=abc"], "task.train_fraction", "'abc'", "Float"),
        (["seed=abc"], "seed", "'abc'", "Integer"),
        (["budget.steps=1e3"], "budget.steps", "'1000.0'", "Integer"),
        (["model.d_model=12.5"], "model.d_model", "'12.5'", "Integer"),
        (["optimizer.weight_decay=[1]"], "optimizer.weight_decay", "'[1]'", "Float"),
        (["rewarm.lr=fast"], "rewarm.lr", "'fast'", "Float"),
        (["+experiment=fig7", "agent.replay_ratio=x"], "agent.replay_ratio", "'x'", "Float"),
        (["+experiment=fig7", "budget.atari.frames=1M"], "budget.atari.frames", "'1M'", "Integer"),
        (["threads=two"], "threads", "'two'", "Integer"),
    ],
)
def test_a_wrong_type_is_refused_at_composition_naming_key_value_and_type(
    overrides, key, value, expected, compose_run, tmp_path
):
    with pytest.raises(ConfigCompositionException) as error:
        compose_run(["budget=smoke", *overrides], tmp_path)
    message = f"{error.value}\n{error.value.__cause__}"
    assert f"full_key: {key}" in message
    assert f"Value {value}" in message and f"converted to {expected}" in message


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("task.train_fractoin=0.5", "train_fractoin"),  # Hydra already refused a key without +
        ("rewarm=cusum rewarm.controller.trigger.threshhold=3", "threshhold"),
    ],
)
def test_an_unknown_key_is_refused_at_composition(override, key, compose_run, tmp_path):
    with pytest.raises(ConfigCompositionException) as error:
        compose_run(["budget=smoke", *override.split()], tmp_path)
    assert f"Key '{key}' not in" in str(error.value.__cause__)


def test_a_key_added_with_plus_to_a_closed_node_is_refused_with_its_keys(compose_run, tmp_path):
    cfg = compose_run(["budget=smoke", "+task.train_fractoin=0.5"], tmp_path)
    with pytest.raises(ConfigError) as error:
        refuse_undeclared_keys(cfg)
    assert str(error.value) == (
        "unknown config keys, refused:\n  task.train_fractoin=0.5: ModularArithmeticTask has no "
        "key 'train_fractoin' (its keys: p, op, train_fraction, seed, batch_size, probe_size, "
        "loss_dtype); did you mean train_fraction?"
    )


def test_open_nodes_take_new_keys_from_files_and_plus_but_type_their_own(compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig3", "budget=smoke", "+budget.note=hello"], tmp_path)
    refuse_undeclared_keys(cfg)  # budget is open: the scale file's and the user's keys stay
    assert cfg.budget.offsets and cfg.budget.note == "hello"
    assert config_schema.Budget.__dataclass_fields__["steps"].type in ("int", int)


BAD_INPUTS = [
    (["task.train_fraction=abc"], "Value 'abc' of type 'str' could not be converted to Float"),
    (["+task.train_fractoin=0.5"], "did you mean train_fraction?"),
    (["resume=maybe"], "resume='maybe' (str): expected true, false or strict"),
    (["+experiment=fig7", "layer_lr=fast_features"], "layer_lr (fast_features): use layer_lr"),
]


@pytest.mark.parametrize(("args", "says"), BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_the_cli_refuses_bad_input_before_any_folder_is_made(args, says, run_cli, tmp_path):
    result = run_cli([*args, "budget=smoke"], cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    assert says in result.stderr, result.stderr[-3000:]
    assert not (tmp_path / "outputs").exists()

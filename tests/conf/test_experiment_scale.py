"""An experiment's scale lives in its own file (the ``budgets:`` table of
``conf/experiment/<experiment>.yaml``, and what a domain's experiments share in that of
``conf/domain/<domain>.yaml``: hydra_plugins/grokrewarm_schema/budget_tables.py); what each
experiment composes to at each budget is checked by ``test_snapshots.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grokrewarm.compose import CONF_DIR

BUDGETS = ("paper", "quick", "smoke")  # every experiment has its scale at these
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
DOMAINS = sorted(p.stem for p in (CONF_DIR / "domain").glob("*.yaml"))
ATARI_RUNNER = "grokrewarm.domains.atari.train.train"
NOT_FOR_ATARI = ("task", "model", "trainer", "metrics")  # the Atari runner has its own
# Experiments without scale of their own: all of it is their domain's or the budget's.
SCALE_ELSEWHERE = {
    **dict.fromkeys(["fig2", "fig8"], "the grokking task at the budget's scale (conf/budget)"),
    **dict.fromkeys(["fig4", "fig5", "fig9", "fig13"], "the warm-start domain's"),
    **dict.fromkeys(["fig6", "fig7", "fig10", "fig11", "fig12"], "the Atari domain's"),
    **dict.fromkeys(["kumar_fig1", "kumar_fig4"], "the lazy-rich domain's polynomial task"),
}
# The blocks conf/budget/*.yaml held before the move; none may come back.
OLD_BLOCKS = {"vision", "atari", "lazy_rich"}


@pytest.mark.parametrize("experiment", ["fig6", "fig7", "fig10", "fig11", "fig12"])
def test_atari_jobs_compose_no_supervised_groups(experiment, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", "budget=smoke"], tmp_path)
    assert cfg.runner == ATARI_RUNNER
    assert not set(NOT_FOR_ATARI) & set(cfg), "conf/domain/atari.yaml drops them"


def _table(group: str, option: str) -> dict:
    """The ``budgets:`` table of ``conf/<group>/<option>.yaml`` (empty entries as ``{}``)."""
    data = yaml.safe_load((CONF_DIR / group / f"{option}.yaml").read_text()) or {}
    return {budget: entry or {} for budget, entry in (data.get("budgets") or {}).items()}


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_has_its_scale_at_every_budget(experiment):
    table = _table("experiment", experiment)
    if experiment in SCALE_ELSEWHERE:  # at most an empty entry: sized for medium as it is
        assert not any(table.values()), f"{experiment} has scale: drop it from SCALE_ELSEWHERE"
        assert set(table) <= {"medium"}, experiment
    else:  # a missing budget would silently fall back to the domain's or budget's values
        assert set(table) - {"medium"} == set(BUDGETS), f"{experiment}'s `budgets:`: {BUDGETS}"


@pytest.mark.parametrize(("group", "options"), [("experiment", EXPERIMENTS), ("domain", DOMAINS)])
def test_budget_tables_name_budgets(group, options):
    budgets = {p.stem for p in (CONF_DIR / "budget").glob("*.yaml")}
    for option in options:
        table = _table(group, option)
        assert set(table) <= budgets, f"conf/{group}/{option}.yaml: {sorted(set(table) - budgets)}"
        if group == "domain":
            assert set(table) - {"medium"} == set(BUDGETS), option


def test_the_scale_folders_are_gone():
    for folder in ("scale", "domain_scale"):  # their files are the experiments' and domains' tables
        assert not (CONF_DIR / folder).exists(), f"conf/{folder}/: move it into `budgets:` tables"


def _yaml(path: Path) -> dict:
    """A config file's keys (its defaults list, e.g. its schema, is not one)."""
    data = yaml.safe_load(path.read_text()) or {}
    data.pop("defaults", None)
    return data


@pytest.mark.parametrize("budget", [*BUDGETS, "medium"])
def test_budget_files_hold_no_experiment_or_domain_block(budget):
    cfg = _yaml(CONF_DIR / "budget" / f"{budget}.yaml")
    assert cfg["name"] == budget
    named = set(cfg) & (set(EXPERIMENTS) | set(DOMAINS) | OLD_BLOCKS)
    assert not named, f"conf/budget/{budget}.yaml: {sorted(named)} belong in a `budgets:` table"
    blocks = {k for k, v in cfg.items() if isinstance(v, dict)}
    assert blocks <= {"datasets"}, f"conf/budget/{budget}.yaml: blocks {sorted(blocks)}"
    tasks = {p.stem for p in (CONF_DIR / "task").glob("*.yaml")}
    assert set(cfg["datasets"]) <= tasks  # the data each task loads at this budget


@pytest.mark.parametrize("folder", ["experiment", "domain"])
def test_experiment_and_domain_files_set_no_budget_values(folder):
    for path in sorted((CONF_DIR / folder).glob("*.yaml")):
        assert "budget" not in _yaml(path), f"{path}: scale goes in its `budgets:` table"


@pytest.mark.parametrize(
    ("overrides", "key", "value"),
    [
        (["+experiment=fig3", "budget=quick", "budget.offsets=[10]"], "budget.offsets", [10]),
        (["+experiment=fig3", "budget=quick", "budget.long_steps=7"], "trainer.max_steps", 7),
        (["+experiment=kumar_fig2", "budget=smoke", "budget.steps=7"], "trainer.max_steps", 7),
        (
            ["+experiment=fig7", "budget=smoke", "budget.atari.frames=1200"],
            "budget.atari.frames",
            1200,
        ),
        (["+experiment=fig4", "budget=smoke", "budget.phase_steps=7"], "task.switch_step", 7),
        (["+experiment=kumar_fig8", "budget.seeds=[0]"], "hydra.sweeper.params.seed", [0]),
        (["task=mnist", "budget=smoke", "budget.datasets.mnist=mnist"], "task.dataset", "mnist"),
    ],
)
def test_command_line_overrides_reach_the_scale(overrides, key, value, compose_run, tmp_path):
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    cfg = compose_run(overrides, tmp_path)
    if key.startswith("hydra."):
        cfg = HydraConfig.get()
        key = key.removeprefix("hydra.")
    got = OmegaConf.select(cfg, key)
    assert (OmegaConf.to_container(got, resolve=True) if OmegaConf.is_config(got) else got) == value


def test_adhoc_runs_get_the_plain_budget(compose_run, tmp_path):
    cfg = compose_run(["budget=quick"], tmp_path)
    assert set(cfg.budget) == set(_yaml(CONF_DIR / "budget" / "quick.yaml"))


MEDIUM = [e for e in EXPERIMENTS if "medium" in _table("experiment", e)]


def test_medium_refuses_the_experiments_without_a_medium_entry():
    """``medium`` is sized for a few experiments; the others are refused at run time
    (grokrewarm.lifecycle.groups, tests/lifecycle/test_groups.py)."""
    from grokrewarm.lifecycle.groups import sized_budgets

    assert _yaml(CONF_DIR / "budget" / "medium.yaml")["refuse_unsized"] is True
    assert "fig3" in MEDIUM and "fig7" not in MEDIUM
    assert [e for e in EXPERIMENTS if "medium" in sized_budgets(e)] == MEDIUM


@pytest.mark.parametrize("experiment", MEDIUM)
def test_medium_experiments_are_longer_than_at_quick(experiment, compose_run, tmp_path):
    quick = compose_run([f"+experiment={experiment}", "budget=quick"], tmp_path)
    medium = compose_run([f"+experiment={experiment}", "budget=medium"], tmp_path)
    assert medium.budget.name == "medium"
    assert medium.budget.steps >= 2 * quick.budget.steps
    assert medium.budget.seeds == [0]


def test_kumar_fig14_medium_trains_at_the_papers_step_size(compose_run, tmp_path):
    """At quick's eta_0 = 4N the He_3 network memorizes; medium takes the paper's eta_0 = N for
    the same eta x steps (README, Kumar Fig. 14)."""
    quick = compose_run(["+experiment=kumar_fig14", "budget=quick"], tmp_path)
    medium = compose_run(["+experiment=kumar_fig14", "budget=medium"], tmp_path)
    assert medium.rewarm.lr == medium.model.width == 500
    assert medium.rewarm.lr * medium.trainer.max_steps == quick.rewarm.lr * quick.trainer.max_steps
    assert medium.task.n_train == quick.task.n_train == 4000


def test_the_budget_tables_are_served_as_scale_configs_and_left_out_of_the_job(
    compose_run, tmp_path
):
    from hydra_plugins.grokrewarm_schema.budget_tables import SCHEME, BudgetTablesSource, _folder

    source = BudgetTablesSource("test", f"{SCHEME}://{CONF_DIR}")
    assert "fig3" in source.list("scale", None) and "atari" in source.list("domain_scale", None)
    assert source.list("scale/fig3", None) == ["medium", "paper", "quick", "smoke"]
    assert source.is_config("scale/fig3/medium") and not source.is_config("scale/fig7/quick")
    assert source.load_config("scale/fig3/quick").config.long_steps == 6000
    assert "budgets" not in source.load_config("experiment/fig3").config
    assert _folder("pkg://conf") == str(CONF_DIR)  # the CLI's search path names the package
    cfg = compose_run(["+experiment=fig3", "budget=quick"], tmp_path)
    assert "budgets" not in cfg and cfg.trainer.max_steps == 6000


def test_dqn_and_rainbow_hold_dopamines_durations_the_cpu_budgets_shrink(compose_run, tmp_path):
    """conf/agent/{dqn,rainbow}.yaml hold Dopamine's values; only the Atari domain's smoke and
    quick entries shrink them (``budget.atari.epsilon_decay``, ``target_update``)."""
    atari = {b: entry.get("atari", {}) for b, entry in _table("domain", "atari").items()}
    assert {b for b, a in atari.items() if "epsilon_decay" in a or "target_update" in a} == {
        "smoke",
        "quick",
    }
    expected = {"paper": (1000000, 32000), "quick": (4000, 2000), "smoke": (400, 200)}
    for budget, durations in expected.items():
        for agent in ("dqn", "rainbow"):
            cfg = compose_run(["+experiment=fig7", f"budget={budget}", f"agent={agent}"], tmp_path)
            assert (cfg.agent.epsilon.decay_frames, cfg.agent.target_update_frames) == durations

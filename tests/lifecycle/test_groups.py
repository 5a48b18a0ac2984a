"""Each runner honours an option or refuses it: the table of options and the runners' claims."""

import pytest
from omegaconf import OmegaConf, open_dict

from grokrewarm.domains.atari.train import ATARI
from grokrewarm.lifecycle import UnconsumedGroupError, refuse_unconsumed
from grokrewarm.lifecycle.groups import KNOWN, OPTIONS
from grokrewarm.training.run import SUPERVISED


def test_every_option_is_consumed_by_some_runner_and_claims_are_known():
    assert SUPERVISED.consumes | ATARI.consumes == KNOWN
    assert SUPERVISED.consumes & ATARI.consumes == set()  # today no option is shared


def test_neutral_values_pass_and_each_non_neutral_one_is_named():
    neutral = OmegaConf.create({"layer_lr": {"rule": None}, "intervention": {}, "init_scale": 1.0})
    refuse_unconsumed(neutral, "test", consumes=())
    busy = OmegaConf.create(
        {"task": {"_target_": "a.Task"}, "layer_lr": {"rule": "constant"}, "init_scale": 8.0}
    )
    with pytest.raises(UnconsumedGroupError) as error:
        refuse_unconsumed(busy, "test", consumes=())
    message = str(error.value)
    assert "the test runner does not use" in message
    assert "task (a.Task): use no task group" in message
    assert "layer_lr (constant): use layer_lr=none" in message
    assert "init_scale=8.0: use init_scale=1" in message
    refuse_unconsumed(busy, "test", consumes=("task", "layer_lr", "init_scale"))


def test_a_runner_cannot_claim_an_unknown_option():
    with pytest.raises(ValueError, match="unknown options"):
        refuse_unconsumed(OmegaConf.create({}), "test", consumes=("warp_drive",))


def test_the_supervised_runner_refuses_the_atari_groups(compose_run, tmp_path):
    from grokrewarm.training.run import train

    cfg = compose_run(["budget=smoke", "+agent=dqn"], tmp_path / "run")
    with pytest.raises(UnconsumedGroupError, match=r"agent \(set\): use no agent group"):
        train(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_options_have_distinct_keys():
    keys = [option.key for option in OPTIONS]
    assert len(keys) == len(set(keys))


def test_a_budget_refuses_an_experiment_it_is_not_sized_for(compose_run, tmp_path):
    from grokrewarm.lifecycle.groups import UnsizedBudgetError
    from grokrewarm.training.run import train

    cfg = compose_run(["+experiment=kumar_fig2", "budget=medium"], tmp_path / "run")
    with pytest.raises(UnsizedBudgetError, match="budget=medium is sized only for .*kumar_fig2"):
        train(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("experiment", "refused"),
    [("fig3", False), ("fig4", False), ("kumar_fig1", True), ("fig7", True)],
)
def test_medium_runs_the_experiments_with_a_medium_entry_in_their_file(
    experiment, refused, compose_run, tmp_path
):
    """fig3 has its own medium scale, fig4 an empty entry (its domain's); kumar_fig1 and fig7
    have none (kumar_fig1's domain has one, which does not size it)."""
    from grokrewarm.lifecycle.groups import UnsizedBudgetError, refuse_unsized_budget

    cfg = compose_run([f"+experiment={experiment}", "budget=smoke"], tmp_path)
    with open_dict(cfg):  # smoke, made to refuse as medium does (fig7 has no Atari medium)
        cfg.budget.name, cfg.budget.refuse_unsized = "medium", True
    if refused:
        with pytest.raises(UnsizedBudgetError, match=f"conf/experiment/{experiment}.yaml"):
            refuse_unsized_budget(cfg)
    else:
        refuse_unsized_budget(cfg)

"""Packed runs: each member of a pack trains as its solo run does, up to float rounding.

The tolerance: a member and its solo run compute the same operations, but batched kernels
(vmap's batched matmuls, the math attention kernel instead of the fused one, stacked norms) sum
in another order, so the two differ by float32 rounding (about 1e-7 relative per operation),
which tens of Adam steps amplify to at most a few 1e-5 relative in these smoke runs (measured:
3e-5). ``RTOL = 1e-3`` leaves room for other CPUs' kernels while any real mistake (a member
given another member's learning rate, decay, projection, output scale or data) moves the metrics
by far more than 1e-2.
"""

import logging

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.lifecycle import BUSY, DIVERGED, FINISHED, RunFolder, RunLock
from grokrewarm.training.packed_run import train_pack
from grokrewarm.training.run import train
from tests.overrides import CUSUM_FIRING_OFTEN, SMOKE

RTOL, ATOL = 1e-3, 1e-6

PACKS = {
    # the grokking transformer without norms: NaP on/off, LR, weight decay and seed per member
    "fig2_lhs": (
        ["+experiment=fig2"],
        [
            ["projection=nap", "rewarm.lr=1e-2", "optimizer.weight_decay=0.01"],
            ["projection=none", "rewarm.lr=1e-3", "optimizer.weight_decay=1.0", "seed=1"],
        ],
    ),
    # LayerNorm, scale decay per member, warmup-cosine against NaP with a CUSUM trigger that fires
    "fig2_rhs_cusum": (
        ["+experiment=fig2", "model.norm=layernorm", "trainer.max_steps=60"],
        [
            ["rewarm=warmup_cosine", "optimizer.scale_decay=10.0"],
            [*CUSUM_FIRING_OFTEN, "seed=1"],
        ],
    ),
    # Fig. 3's offsets: one schedule shape per member
    "fig3_offsets": (["+experiment=fig3"], [["rewarm.offset=0"], ["rewarm.offset=20"]]),
    # Kumar's quadratic MLP: SGD, the centred output scale alpha (and its LR) per member
    "kumar_fig2_alpha": (
        ["+experiment=kumar_fig2"],
        [["output_scale.alpha=0.5"], ["output_scale.alpha=2.0", "seed=1"]],
    ),
    # Kumar's polynomial task (committee machine), init scale per member, Omnigrok's sphere
    "kumar_fig1_polynomial": (
        ["+experiment=kumar_fig1", "metrics.ntk_regression=false"],
        [["init_scale=1.0"], ["init_scale=2.0", "projection=sphere"]],
    ),
}


def _configs(compose_run, tmp_path, base, variants, kind):
    configs = []
    for index, variant in enumerate(variants):
        run_dir = tmp_path / kind / str(index)
        cfg = compose_run(SMOKE + base + variant, run_dir)
        OmegaConf.resolve(cfg)  # a pack member's config is resolved before the pack starts
        configs.append((cfg, run_dir))
    return configs


def _assert_close(solo_dir, packed_dir):
    solo = pd.read_csv(solo_dir / "metrics.csv")
    packed = pd.read_csv(packed_dir / "metrics.csv")
    assert list(solo.columns) == list(packed.columns)
    assert solo["step"].tolist() == packed["step"].tolist()
    np.testing.assert_allclose(packed.to_numpy(), solo.to_numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", sorted(PACKS))
def test_each_member_matches_its_solo_run(case, compose_run, tmp_path):
    base, variants = PACKS[case]
    for cfg, run_dir in _configs(compose_run, tmp_path, base, variants, "solo"):
        train(cfg, run_dir)
    members = _configs(compose_run, tmp_path, base, variants, "packed")
    records = train_pack(members)
    assert [r.status for r in records] == [FINISHED] * len(variants)
    for index in range(len(variants)):
        solo_dir, packed_dir = tmp_path / "solo" / str(index), tmp_path / "packed" / str(index)
        _assert_close(solo_dir, packed_dir)
        assert RunFolder(packed_dir).end_record().status == FINISHED
        assert (packed_dir / "config.yaml").is_file() and (packed_dir / "metadata.json").is_file()
    if case == "fig2_rhs_cusum":  # the trigger fired, at the solo run's steps
        rewarms = pd.read_csv(tmp_path / "packed" / "1" / "metrics.csv")["rewarms"]
        assert rewarms.iloc[-1] > 0


def test_a_diverged_member_stops_alone(compose_run, tmp_path, caplog):
    base = ["+experiment=fig2", "projection=none"]
    variants = [["rewarm.lr=1e-3"], ["rewarm.lr=1e12"], ["rewarm.lr=1e-2", "seed=1"]]
    solo = _configs(compose_run, tmp_path, base, variants, "solo")
    for cfg, run_dir in solo:
        train(cfg, run_dir)
    with caplog.at_level(logging.ERROR):
        records = train_pack(_configs(compose_run, tmp_path, base, variants, "packed"))
    assert [r.status for r in records] == [FINISHED, DIVERGED, FINISHED]
    solo_record = RunFolder(tmp_path / "solo" / "1").end_record()
    assert records[1].progress == solo_record.progress  # the same first non-finite step
    assert "the pack goes on" in caplog.text
    for index in range(3):  # the diverged member's rows stop where its solo run's do
        _assert_close(tmp_path / "solo" / str(index), tmp_path / "packed" / str(index))


@pytest.mark.parametrize("damage", [None, "truncated_last"])
def test_a_resumed_pack_ends_bitwise_equal_to_an_uninterrupted_one(damage, compose_run, tmp_path):
    base = ["+experiment=fig2", "model.norm=layernorm", "budget.checkpoint_every=7"]
    variants = [
        ["rewarm=cusum", "rewarm.controller.trigger.observe_every=4"],
        ["projection=none", "optimizer.scale_decay=1.0", "seed=1"],
    ]
    straight = _configs(compose_run, tmp_path, base + ["trainer.max_steps=40"], variants, "a")
    train_pack(straight)
    half = _configs(compose_run, tmp_path, base + ["trainer.max_steps=18"], variants, "b")
    train_pack(half)  # stops at 18: a loss window and a metric interval straddle it
    checkpoints = half[0][1] / "checkpoints"
    assert torch.load(checkpoints / "last.ckpt")["global_step"] == 18
    assert torch.load(checkpoints / "previous.ckpt")["global_step"] == 14
    if damage == "truncated_last":  # member 0 falls back to step 14, and member 1 with it
        last = checkpoints / "last.ckpt"
        last.write_bytes(last.read_bytes()[:100])
    train_pack(_configs(compose_run, tmp_path, base + ["trainer.max_steps=40"], variants, "b"))
    if damage == "truncated_last":
        assert (checkpoints / "last.ckpt.corrupt").is_file()
    for index in range(len(variants)):
        a = torch.load(tmp_path / "a" / str(index) / "checkpoints" / "last.ckpt")
        b = torch.load(tmp_path / "b" / str(index) / "checkpoints" / "last.ckpt")
        assert a["global_step"] == b["global_step"] == 40
        for name, tensor in a["module"].items():
            assert torch.equal(tensor, b["module"][name]), name
        for name, state in a["optimizer"]["state"].items():
            for key, tensor in state.items():
                assert torch.equal(tensor, b["optimizer"]["state"][name][key]), (name, key)
        assert a["rewarm_controller"] == b["rewarm_controller"]
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "a" / str(index) / "metrics.csv"),
            pd.read_csv(tmp_path / "b" / str(index) / "metrics.csv"),
        )


def test_a_member_another_process_holds_is_left_out_as_busy(compose_run, tmp_path):
    base = ["+experiment=fig2"]
    members = _configs(compose_run, tmp_path, base, [["seed=0"], ["seed=1"]], "packed")
    with RunLock(members[1][1]):
        records = train_pack(members)
    assert [r.status for r in records] == [FINISHED, BUSY]
    assert RunFolder(members[0][1]).end_record().status == FINISHED
    assert {p.name for p in members[1][1].iterdir()} == {"BUSY"}  # nothing else touched
    assert train_pack(members)[1].status == FINISHED  # released: it trains, member 0 is done


def test_runs_that_cannot_be_packed_train_one_by_one(compose_run, tmp_path, caplog):
    base = ["+experiment=fig2"]
    variants = [["model.norm=none"], ["model.norm=layernorm"]]  # different parameter sets
    with caplog.at_level(logging.WARNING):
        records = train_pack(_configs(compose_run, tmp_path, base, variants, "packed"))
    assert [r.status for r in records] == [FINISHED, FINISHED]
    assert "cannot be packed (the runs' models differ in parameter names or shapes)" in caplog.text
    checkpoint = torch.load(tmp_path / "packed" / "0" / "checkpoints" / "last.ckpt")
    assert "packed" not in checkpoint  # each trained by the solo runner


def test_each_member_logs_its_own_wandb_run(compose_run, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_SILENT", "true")
    base = ["+experiment=kumar_fig2", "logger=wandb", "logger.wandb.mode=offline"]
    members = _configs(compose_run, tmp_path, base, [["seed=0"], ["seed=1"]], "packed")
    train_pack(members)
    runs = [sorted((run_dir / "wandb").glob("offline-run-*")) for _, run_dir in members]
    assert [len(found) for found in runs] == [1, 1]
    ids = [(run_dir / "wandb_run_id").read_text() for _, run_dir in members]
    assert ids[0] != ids[1] and all(i in f[0].name for i, f in zip(ids, runs, strict=True))

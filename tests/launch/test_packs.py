"""pack=N in a sweep: jobs grouped into packs, each one process, every run keeping its folder."""

import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.lifecycle import FINISHED, RunFolder
from grokrewarm.sweep_status import DONE, sweep_status
from grokrewarm.training.bench_pack import CHECKED, check, metrics_differences
from grokrewarm.training.packs import pack_key, unpackable_reason
from grokrewarm.training.run import train

# Kumar Fig. 2 at the smoke budget with four runs: two output scales alpha x two seeds
KUMAR = ["budget.alphas=[0.5,2.0]", "budget.seeds=[0,1]"]


def test_a_packed_sweep_gives_every_run_its_folder_and_its_solo_metrics(
    smoke_sweep, compose_run, tmp_path
):
    packed = smoke_sweep("kumar_fig2", tmp_path, *KUMAR, "pack=2")
    runs = sorted(p.name for p in packed.iterdir() if (p / "metrics.csv").is_file())
    assert len(runs) == 4
    assert len(list((packed / ".packs").glob("*/members.yaml"))) == 2  # two runs per process
    for run in runs:
        folder = RunFolder(packed / run)
        assert folder.end_record().status == FINISHED
        assert (folder.path / "config.yaml").is_file() and (folder.path / ".hydra").is_dir()
        assert torch.load(folder.checkpoint_path, weights_only=False)["packed"]
        # the same run alone, composed from the overrides the sweep recorded for it
        overrides = list(OmegaConf.load(folder.path / ".hydra" / "overrides.yaml"))
        train(compose_run(overrides, tmp_path / "solo" / run), tmp_path / "solo" / run)
    assert [r.state for r in sweep_status(packed)] == [DONE] * 4
    assert (packed / "kumar_fig2_summary.csv").is_file()  # the after-sweep pipeline ran
    # float32: see tests/training/test_packing.py for this tolerance
    assert metrics_differences(tmp_path / "solo", packed, rtol=1e-3, atol=1e-6) == {}


def test_what_cannot_be_packed_says_why(compose_run, tmp_path):
    atari = compose_run(["+experiment=atari100k", "budget=smoke"], tmp_path)
    assert "trains one run per process" in unpackable_reason(atari)
    layerwise = compose_run(
        ["+experiment=fig4", "budget=smoke", "layer_lr=fast_features"], tmp_path
    )
    assert "per-layer learning rates" in unpackable_reason(layerwise)
    perturbed = compose_run(
        ["+experiment=fig4", "budget=smoke", "intervention=shrink_perturb"], tmp_path
    )
    assert "intervention" in unpackable_reason(perturbed)
    assert unpackable_reason(compose_run(["+experiment=fig2", "budget=smoke"], tmp_path)) is None


def test_runs_share_a_pack_when_only_per_run_values_differ(compose_run, tmp_path):
    def key(*overrides):
        return pack_key(compose_run(["+experiment=fig2", "budget=smoke", *overrides], tmp_path))

    base = key()
    assert key("seed=3", "rewarm.lr=0.1", "projection=none", "optimizer.weight_decay=1.0") == base
    assert key("optimizer.scale_decay=1.0", "init_scale=2.0", "rewarm=cusum") == base
    assert key("model.norm=layernorm") != base  # other parameters
    assert key("budget.train_fraction=0.5") != base  # other data sizes
    assert key("trainer.max_steps=50") != base  # another budget


@pytest.mark.slow
def test_packed_smoke_sweeps_of_three_figures_equal_their_solo_sweeps(capsys):
    assert check(list(CHECKED), pack=4) == 0, capsys.readouterr().out

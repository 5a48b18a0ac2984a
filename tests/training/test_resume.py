"""Resume equivalence: N steps then resume to 2N equals 2N straight."""

import pandas as pd
import pytest

from grokrewarm.training.run import train
from tests.training.same_run import assert_same_run, last_checkpoint

N = 30
CASES = {
    # the offset re-warm (at step 20) happens before the interruption
    "offset": ["+experiment=fig3", "rewarm.offset=20"],
    # CUSUM firing often, with its loss window straddling the interruption (N % 4 != 0)
    "cusum": None,
    # warm-starting interrupted exactly at the data addition (step N): the re-warm and Shrink &
    # Perturb must happen once, after the resume; per-layer LRs refreshed off the interruption
    "warm_start": [
        "+experiment=fig4",
        "intervention=shrink_perturb",
        "projection=none",
        "layer_lr=even_ratio_abs",
        "layer_lr.refresh_every=7",
        f"budget.phase_steps={N}",
        "metrics=eval_only",
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_resume_gives_identical_parameters_and_metrics(
    case, smoke, cusum_firing_often, compose_run, tmp_path
):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    overrides = smoke + (CASES[case] or cusum_firing_often)
    train(compose_run(overrides + [f"trainer.max_steps={2 * N}"], straight), straight)
    train(compose_run(overrides + [f"trainer.max_steps={N}"], resumed), resumed)
    assert last_checkpoint(resumed)["global_step"] == N
    train(compose_run(overrides + [f"trainer.max_steps={2 * N}"], resumed), resumed)

    assert_same_run(straight, resumed, 2 * N, metrics_every=5)  # no gap, no duplicate row
    rewarms = last_checkpoint(straight)["rewarm_controller"]["rewarm_steps"]
    if case == "cusum":  # the detector fired on both sides of the interruption
        assert any(step <= N for step in rewarms) and any(step > N for step in rewarms)
    elif case == "warm_start":
        assert rewarms == [N]
    else:  # the offset schedule re-warms by itself, no trigger
        assert rewarms == []


def test_done_run_is_skipped_and_force_retrains(smoke, compose_run, tmp_path):
    cfg = compose_run(smoke + ["trainer.max_steps=10"], tmp_path)
    first = train(cfg, tmp_path)
    assert (tmp_path / "DONE").is_file()
    stamp = (tmp_path / "checkpoints" / "last.ckpt").stat().st_mtime_ns
    assert train(cfg, tmp_path) == first  # skipped: nothing retrained
    assert (tmp_path / "checkpoints" / "last.ckpt").stat().st_mtime_ns == stamp
    forced = compose_run(smoke + ["trainer.max_steps=10", "force=true"], tmp_path)
    train(forced, tmp_path)
    assert (tmp_path / "checkpoints" / "last.ckpt").stat().st_mtime_ns != stamp
    assert pd.read_csv(tmp_path / "metrics.csv")["step"].tolist() == [0, 5, 10]

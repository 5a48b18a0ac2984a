"""``make bench-gpu``'s script in its CPU mode (the GPU run itself is not a test)."""

import json

import pytest

from grokrewarm.bench_gpu import FIG3_RUNS, fig3_projection, main


def test_bench_gpu_tiny_on_the_cpu_measures_every_part(tmp_path):
    out = tmp_path / "gpu.json"
    results = main(["--device", "cpu", "--tiny", "--steps", "3", "--out", str(out)])
    assert json.loads(out.read_text()) == results
    assert results["device"] == "cpu" and results["budget"] == "smoke"
    for model in ("fig3_transformer", "kumar_committee_machine"):
        assert results["solo"][model]["eager_ms"] > 0
    assert set(results["packed"]) == {"1", "2"}
    two = results["packed"]["2"]
    assert two["run_steps_per_s"] == pytest.approx(2 * two["pack_steps_per_s"])
    assert set(results["atari_updates_per_s"]) == {
        "dqn/fp32", "dqn/bf16", "rainbow/fp32", "rainbow/bf16"
    }  # fmt: skip
    assert all(rate > 0 for rate in results["atari_updates_per_s"].values())
    assert results["projection"]["runs"] == FIG3_RUNS


def test_fig3_projection_from_step_times():
    # 1 ms a step: 24 runs x 1M steps is 24,000 s; a pack of 16 at 100 pack-steps/s takes
    # 10,000 s, and 24 runs need two such packs
    packed = {"1": {"pack_steps_per_s": 1000.0}, "16": {"pack_steps_per_s": 100.0}}
    hours = fig3_projection(1.0, packed, 1_000_000)["hours"]
    assert hours == {
        "one run per process": pytest.approx(24_000 / 3600),
        "2 pack(s) of up to 16": pytest.approx(20_000 / 3600),
    }

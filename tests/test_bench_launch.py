"""``make bench-parallel`` (grokrewarm.bench_launch) end to end on a two-job smoke sweep."""

import json

import pytest

from grokrewarm.bench_launch import main


@pytest.mark.slow  # five CLI processes: about a minute on 2 busy cores
def test_the_launch_benchmark_times_both_launchers_and_the_twin(tmp_path, capsys):
    out = tmp_path / "parallel.json"
    args = ["--experiment", "fig3", "--budget", "smoke", "--twin-steps", "100"]
    results = main([*args, "--out", str(out), "budget.offsets=[10]"])
    printed = capsys.readouterr().out
    assert json.loads(out.read_text()) == results
    sweep, twin = results["sweep"], results["twin"]
    assert sweep["jobs_in_sweep"] == 2
    assert sweep["speedup"] == pytest.approx(sweep["local_s"] / sweep["parallel_s"])
    assert f"parallel is {sweep['speedup']:.2f}x faster" in printed
    assert sweep["local_cpu_s"] > 0 and sweep["parallel_cpu_s"] > 0
    assert twin["fraction"] == pytest.approx(twin["alone_s"] / twin["beside_twin_s"])
    assert twin["twin_ran_throughout"]  # the twin outlasted the measured run
    assert results["machine"]["usable_cores"] >= 1

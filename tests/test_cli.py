"""The command line as a user types it: single runs, sweeps, figures, errors, loggers."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

SMOKE = ["budget=smoke", "trainer.enable_progress_bar=false"]


def test_unknown_experiment_fails_listing_the_available_ones(run_cli, tmp_path):
    result = run_cli(["+experiment=fig99", *SMOKE], cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    assert "Could not find 'experiment/fig99'" in result.stderr
    for name in ("fig2", "fig3", "fig8"):
        assert name in result.stderr.split("Available options")[1]
    assert not (tmp_path / "outputs").exists()  # failed before any run folder was made


def test_single_run_from_another_directory_writes_the_run_folder(run_cli, tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(["+experiment=fig3", *SMOKE, f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("config.yaml", "metadata.json", "metrics.csv", "checkpoints/last.ckpt", "DONE"):
        assert (run_dir / name).is_file(), name
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["step"].tolist() == list(range(0, 61, 10))  # long_steps=60, every 10
    for column in (
        "train/loss",
        "test/acc",
        "lr",
        "elr/query.weight",
        "activation_change/mlp",
        "feature_cov_change/mlp",
        "rank/attention",
        "dead_units/mlp",
        "update_norm",
    ):
        assert column in metrics.columns, column
    done = json.loads((run_dir / "DONE").read_text())
    assert (done["status"], done["unit"], done["progress"], done["budget"]) == (
        "finished",
        "step",
        60,
        60,
    )
    assert set(done["metrics"]) == {"train/loss", "train/acc", "test/loss", "test/acc"}
    assert json.loads((run_dir / "metadata.json").read_text())["seed"] == 0
    # without a terminal (a batch job) progress goes to the job log, one line per metric row
    job_log = (run_dir / "grokrewarm.log").read_text()
    assert "step 30/60: train/loss=" in job_log and "step 60/60: " in job_log


def test_sweep_runs_its_jobs_and_renders_the_figure(run_cli, tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = ["+experiment=fig3", *SMOKE, "budget.offsets=[10]", f"hydra.sweep.dir={sweep_dir}", "-m"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == ["0_peak0.01_offset10_s0", "1_peak0.001_offset10_s0"]
    assert all((sweep_dir / job / "DONE").is_file() for job in jobs)
    for suffix in ("png", "pdf"):
        assert (sweep_dir / f"fig3.{suffix}").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / "fig3_summary.csv")
    assert sorted(summary["panel"]) == ["lhs", "rhs"]
    # the paper's claims, judged from that summary: 60 steps groks nowhere
    claims = pd.read_csv(sweep_dir / "claims.csv")
    assert claims["verdict"].tolist() == ["does not hold", "holds"]
    assert "offsets_all_seeds_grokked=0" in claims["numbers"].iloc[0]
    os.remove(sweep_dir / "claims.csv")
    again_claims = subprocess.run(
        [sys.executable, "-m", "grokrewarm.claims", str(sweep_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again_claims.returncode == 2  # a claim does not hold
    assert "DOES NOT HOLD: Fig. 3 LHS" in again_claims.stdout
    assert pd.read_csv(sweep_dir / "claims.csv").equals(claims)
    # re-rendering from saved outputs gives the same files
    os.remove(sweep_dir / "fig3.png")
    subprocess.run(
        [sys.executable, "-m", "grokrewarm.figures", "fig3", str(sweep_dir)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (sweep_dir / "fig3.png").is_file()
    # re-running the finished sweep skips every job
    again = run_cli(args, cwd=tmp_path)
    assert again.returncode == 0
    assert (again.stdout + again.stderr).count("already ended (finished at step 60; DONE)") == 2


def test_a_sweep_renders_from_its_finished_jobs_marks_the_others_and_exits_non_zero(
    run_cli, tmp_path
):
    sweep_dir = tmp_path / "sweep"
    args = [
        "+experiment=fig3",
        *SMOKE,
        "budget.offsets=[10]",
        "~hydra.sweeper.panels.rhs",
        "optimizer=sgd",
        "model.norm=none",
        "projection=none",
        "rewarm.lr=1e-2,1e8",  # 1e8 diverges
        "task.p=13,1",  # p = 1 fails when the task is built
        f"hydra.sweep.dir={sweep_dir}",
        "-m",
    ]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 1
    assert "2 of 4 jobs failed" in result.stderr
    assert "modulus p must be an integer >= 2, got 1" in result.stderr
    jobs = pd.read_csv(sweep_dir / "fig3_runs.csv").sort_values("job")
    # jobs in sweep order: (1e-2, p 13), (1e-2, p 1), (1e8, p 13), (1e8, p 1)
    assert jobs["state"].tolist() == ["done", "failed", "diverged", "failed"]
    assert "became non-finite at step" in jobs["detail"].iloc[2]
    assert (sweep_dir / "fig3.png").stat().st_size > 10_000  # drawn from the jobs with metrics
    summary = pd.read_csv(sweep_dir / "fig3_summary.csv").set_index("condition")
    assert summary.loc["peak0.01_offset10", ["jobs_diverged", "jobs_failed"]].tolist() == [0, 1]
    assert summary.loc["peak100000000.0_offset10", "jobs_diverged"] == 1
    # the RHS panel was not run: its claim cannot be told, never "holds"
    claims = pd.read_csv(sweep_dir / "claims.csv").set_index("claim")
    assert claims["verdict"].tolist()[1] == "cannot tell"
    assert "no finished runs for panel=rhs" in claims["reason"].iloc[1]
    status = subprocess.run(
        [sys.executable, "-m", "grokrewarm.sweep_status", str(sweep_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 1
    assert "4 jobs, 1 done, 1 diverged, 0 running or incomplete, 2 failed" in status.stdout


def test_every_experiment_runs_once_at_smoke_size(experiments, run_cli, tmp_path):
    # budget=smoke alone: the Atari jobs have no trainer group for trainer.* overrides
    args = ["+experiment=glob(*)", "budget=smoke", f"hydra.sweep.dir={tmp_path / 'all'}", "-m"]
    result = run_cli(args, cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    done = sorted(int(p.parent.name.split("_")[0]) for p in (tmp_path / "all").glob("*/DONE"))
    assert done == list(range(len(experiments)))


def test_warm_start_sweep_renders_its_figure_and_gap_table(run_cli, tmp_path):
    sweep_dir = tmp_path / "fig4"
    args = ["+experiment=fig4", *SMOKE, "metrics=eval_only", f"hydra.sweep.dir={sweep_dir}", "-m"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == [
        "0_nap_fixed_f0.1_s0",
        "1_none_fixed_f0.1_s0",
        "2_nap_fixed_f1.0_s0",
        "3_none_fixed_f1.0_s0",
    ]
    assert (sweep_dir / "fig4.png").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / "fig4_summary.csv")
    assert sorted(summary["method"]) == ["nap_fixed", "nap_fixed", "none_fixed", "none_fixed"]
    full = summary[summary.initial_fraction == 1.0]
    assert (full["gap_to_100pct"] == 0).all()
    for _, row in summary[summary.initial_fraction == 0.1].iterrows():
        reference = full[full.method == row.method].final_test_acc_mean.item()
        assert row.gap_to_100pct == pytest.approx(reference - row.final_test_acc_mean)
    metrics = pd.read_csv(sweep_dir / jobs[0] / "metrics.csv")
    assert metrics.rewarms.tolist() == [0, 0, 1, 1, 1]  # re-warmed at the addition (step 20)


@pytest.mark.parametrize("logger", ["wandb", "tensorboard"])
def test_other_loggers_write_offline_beside_the_csv(logger, run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    run_dir = tmp_path / "run"
    args = ["+experiment=fig3", *SMOKE, f"logger={logger}", f"hydra.run.dir={run_dir}"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (run_dir / "metrics.csv").is_file()
    if logger == "wandb":
        (offline,) = (run_dir / "wandb").glob("offline-run-*")
        assert list(offline.glob("*.wandb"))
    else:
        assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))


def test_wandb_sweep_offline_resumes_the_same_run_and_logs_the_figure(
    run_cli, tmp_path, monkeypatch
):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    sweep = tmp_path / "sweep"
    base = ["+experiment=fig3", *SMOKE, "logger=wandb", "budget.offsets=[10]", "seed=0"]
    args = [*base, f"hydra.sweep.dir={sweep}"]
    first = run_cli([*args, "trainer.max_steps=20", "-m"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_cli([*args, "trainer.max_steps=40", "-m"], cwd=tmp_path)  # resumes both jobs
    assert second.returncode == 0, second.stderr[-3000:]
    for job in ("0_peak0.01_offset10_s0", "1_peak0.001_offset10_s0"):
        run_id = (sweep / job / "wandb_run_id").read_text()
        runs = sorted((sweep / job / "wandb").glob("offline-run-*"))
        assert len(runs) == 2 and all(r.name.endswith(run_id) for r in runs)  # one W&B run
    figure_runs = list((sweep / "wandb").glob("offline-run-*"))
    assert len(figure_runs) == 2  # one per sweep end
    images = list(figure_runs[0].glob("files/media/images/fig3_*.png"))
    tables = list(figure_runs[0].glob("files/media/table/fig3_summary_*.table.json"))
    assert images and tables
    # each training run carries its resolved config and the experiment, sweep and code tags;
    # offline, both live in the run's record file
    job_run = sorted((sweep / "0_peak0.01_offset10_s0" / "wandb").glob("offline-run-*"))[-1]
    (records,) = job_run.glob("*.wandb")
    data = records.read_bytes()
    for text in ("fig3", "smoke", "sweep:sweep", "git:", "scale_decay", "peak0.01_offset10"):
        assert text.encode() in data, text


@pytest.mark.parametrize(
    ("experiment", "unit"), [("fig10", "frame"), ("kumar_fig2", "step")]
)  # the Atari runner's sweep and a lazy-rich one: one record schema
def test_sweep_status_reads_a_finished_sweep_of_either_runner(experiment, unit, run_cli, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run_cli(
        [f"+experiment={experiment}", "budget=smoke", f"hydra.sweep.dir={sweep_dir}", "-m"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = len([p for p in sweep_dir.iterdir() if (p / ".hydra").is_dir()])
    status = subprocess.run(
        [sys.executable, "-m", "grokrewarm.sweep_status", str(sweep_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert (
        f"{jobs} jobs, {jobs} done, 0 diverged, 0 running or incomplete, 0 failed" in status.stdout
    )
    assert status.stdout.count(f"  {unit} ") == jobs  # e.g. "frame 600/600"

"""The launcher group: sweeps through submitit (local processes, a real Slurm), the site file, the
refusal to launch from a dirty tree, the sweep status command and the sbatch driver script."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import joblib
import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.plugins import Plugins
from joblib import Parallel, delayed
from omegaconf import OmegaConf

from grokrewarm.compose import CONF_DIR
from grokrewarm.launch_checks import RefuseDirtyTree
from grokrewarm.lifecycle import read_metadata
from hydra_plugins.grokrewarm_launcher.parallel_launcher import stop_workers

REPO = CONF_DIR.parent
SMOKE_SWEEP = [
    "+experiment=fig3",
    "budget=smoke",
    "budget.offsets=[10]",
    "trainer.enable_progress_bar=false",
]
JOBS = ["0_peak0.01_offset10_s0", "1_peak0.001_offset10_s0"]
# The test cluster (launch/slurm/up.sh) has two CPUs and no GPUs.
TEST_CLUSTER = [
    "hydra.launcher.gpus_per_node=null",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=null",
]


def run(args: list[str], cwd: Path, timeout: float = 300, **env: str):
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "HYDRA_FULL_ERROR": "1", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def grokrewarm(args: list[str], cwd: Path, **env: str):
    return run([sys.executable, "-m", "grokrewarm", *args], cwd, **env)


def sweep_status(sweep_dir: Path):
    return run([sys.executable, "-m", "grokrewarm.sweep_status", str(sweep_dir)], sweep_dir)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def dirty_repo(tmp_path):
    """A git checkout with one committed file, modified since."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "train.py").write_text("lr = 1e-3\n")
    git(repo, "add", "train.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "lr")
    (repo / "train.py").write_text("lr = 1e-2\n")
    return repo


def assert_sweep_complete(sweep_dir: Path) -> None:
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and p.name[0] != ".") == JOBS
    assert all((sweep_dir / job / "DONE").is_file() for job in JOBS)
    assert (sweep_dir / "fig3.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("launcher", "target"),
    [
        ("local", "BasicLauncher"),
        ("parallel", "ParallelLauncher"),
        ("submitit_local", "LocalLauncher"),
        ("slurm", "SlurmLauncher"),
    ],
)
def test_launcher_option_picks_the_hydra_launcher(launcher, target):
    GlobalHydra.instance().clear()
    Plugins.instance()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        default = compose("config", return_hydra_config=True)
        cfg = compose("config", overrides=[f"launcher={launcher}"], return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert default.hydra.launcher._target_.endswith(".BasicLauncher")
    assert cfg.hydra.launcher._target_.endswith(f".{target}")
    assert cfg.launcher.name == launcher
    if launcher == "parallel":
        assert cfg.hydra.launcher.n_jobs == cfg.launcher.jobs == -1  # one job per core
        assert int(cfg.hydra.launcher.batch_size) == 1  # a str field: joblib also takes "auto"
    if launcher == "slurm":
        assert cfg.hydra.launcher.max_num_timeout > 0  # timeouts requeue
        assert "refuse_dirty_tree" in cfg.hydra.callbacks


def test_site_file_and_environment_fill_in_the_cluster_values(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("hydra:\n  launcher:\n    qos: site-qos\n    setup: [module load cuda]\n")
    show = ["launcher=slurm", "--cfg", "all", "--resolve", "-p", "hydra.launcher"]
    result = grokrewarm(
        show,
        tmp_path,
        GROKREWARM_SITE=str(site),
        GROKREWARM_SLURM_PARTITION="env-partition",
        GROKREWARM_SLURM_QOS="env-qos",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    launcher = yaml.safe_load(result.stdout)
    assert launcher["partition"] == "env-partition"
    assert launcher["qos"] == "site-qos"  # the site file wins over the environment
    assert launcher["account"] is None
    assert launcher["setup"] == ["module load cuda"]
    assert (launcher["gpus_per_node"], launcher["max_num_timeout"]) == (1, 20)

    example = grokrewarm(show, tmp_path, GROKREWARM_SITE=str(REPO / "launch/site.example.yaml"))
    assert example.returncode == 0, example.stderr[-3000:]
    launcher = yaml.safe_load(example.stdout)
    assert (launcher["partition"], launcher["account"]) == ("gpu", "my-project")
    assert any("activate" in line for line in launcher["setup"])


def test_dirty_tree_refuses_before_submitting(dirty_repo, tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = [
        *SMOKE_SWEEP,
        "launcher=slurm",
        f"+hydra.callbacks.refuse_dirty_tree.repo={dirty_repo}",
        f"hydra.sweep.dir={sweep_dir}",
        "-m",
    ]
    result = grokrewarm(args, tmp_path)
    assert result.returncode == 1
    assert f"refusing to launch: {dirty_repo} has uncommitted changes" in result.stderr
    assert " M train.py" in result.stderr
    assert "launcher.allow_dirty=true" in result.stderr
    assert not sweep_dir.exists()  # refused before anything was submitted


def test_allow_dirty_and_a_clean_tree_let_the_launch_go_on(dirty_repo, caplog):
    config = OmegaConf.create()
    RefuseDirtyTree(allow_dirty=True, repo=str(dirty_repo)).on_multirun_start(config=config)
    assert "launching from a dirty tree" in caplog.text
    assert "M train.py" in caplog.text
    git(dirty_repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "lr")
    RefuseDirtyTree(repo=str(dirty_repo)).on_multirun_start(config=config)


@pytest.fixture(scope="module")
def submitit_local_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("submitit_local")
    sweep_dir = tmp / "sweep"
    result = grokrewarm(
        [*SMOKE_SWEEP, "launcher=submitit_local", f"hydra.sweep.dir={sweep_dir}", "-m"], tmp
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return sweep_dir


def test_submitit_local_sweep_completes_and_renders_the_figure(submitit_local_sweep):
    assert_sweep_complete(submitit_local_sweep)
    assert len(list(submitit_local_sweep.glob(".submitit/*/*_result.pkl"))) == 2  # two processes
    for job in JOBS:  # every job starts at once, so each takes the launcher's cpus_per_task
        threads = read_metadata(submitit_local_sweep / job)["threads"]
        assert (threads["count"], threads["source"]) == (1, "launcher.cpus_per_task")


def test_status_lists_done_and_incomplete_jobs(submitit_local_sweep, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(submitit_local_sweep, sweep_dir)
    # A run stopped part-way (killed, or timed out and waiting for its requeue) has all but DONE.
    (sweep_dir / JOBS[1] / "DONE").unlink()
    # The checkpoint's age is set, not waited on: the module fixture may be minutes old.
    checkpoint = next((sweep_dir / JOBS[1]).rglob("last.ckpt"))
    written = time.time() - 7 * 60
    os.utime(checkpoint, (written, written))
    result = sweep_status(sweep_dir)
    assert result.returncode == 0, result.stderr
    assert "2 jobs, 1 done, 0 diverged, 1 running or incomplete, 0 failed" in result.stdout
    done, incomplete = result.stdout.split("running or incomplete:")
    assert re.search(rf"{JOBS[0]} +step 60/60, test/acc=", done)
    assert re.search(rf"{JOBS[1]} +step 60/60, last.ckpt 7 min old", incomplete)


@pytest.fixture(scope="module")
def parallel_sweep(tmp_path_factory):
    """The smoke sweep with launcher=parallel, two jobs at once, from an environment without
    OMP_WAIT_POLICY (so the project, not the caller, must set it in the job processes)."""
    tmp = tmp_path_factory.mktemp("parallel")
    sweep_dir = tmp / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    args = [*SMOKE_SWEEP, "launcher=parallel", "launcher.jobs=2", f"hydra.sweep.dir={sweep_dir}"]
    result = subprocess.run(
        [sys.executable, "-m", "grokrewarm", *args, "-m"],
        cwd=tmp,
        env={**env, "PYTHONUNBUFFERED": "1", "HYDRA_FULL_ERROR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return sweep_dir, result


def test_parallel_sweep_completes_with_a_thread_share_per_job(parallel_sweep):
    sweep_dir, result = parallel_sweep
    assert_sweep_complete(sweep_dir)
    assert (sweep_dir / "claims.csv").is_file()  # the end-of-sweep callback judged the claims
    assert "Joblib.Parallel(n_jobs=2" in result.stdout + result.stderr
    share = max(joblib.cpu_count() // 2, 1)
    for job in JOBS:
        threads = read_metadata(sweep_dir / job)["threads"]
        assert threads["count"] == share
        assert (
            threads["source"] == f"launcher=parallel (2 jobs at once on {joblib.cpu_count()} cores)"
        )
        assert threads["omp_wait_policy"] == "PASSIVE"
        assert OmegaConf.load(sweep_dir / job / "config.yaml").launcher.name == "parallel"
    status = sweep_status(sweep_dir)
    assert "2 jobs, 2 done, 0 diverged, 0 running or incomplete, 0 failed" in status.stdout


def test_parallel_sweep_run_again_skips_the_finished_jobs(parallel_sweep, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(parallel_sweep[0], sweep_dir)
    args = [*SMOKE_SWEEP, "launcher=parallel", "launcher.jobs=2", f"hydra.sweep.dir={sweep_dir}"]
    result = grokrewarm([*args, "-m"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (result.stdout + result.stderr).count("already ended (finished at step 60") == 2


def test_stop_workers_kills_joblibs_worker_processes():
    pids = set(Parallel(n_jobs=2, backend="loky")(delayed(os.getpid)() for _ in range(4)))
    assert os.getpid() not in pids
    stop_workers()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize("launcher", ["submitit_local", "parallel"])
def test_status_shows_why_jobs_failed(launcher, tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = [*SMOKE_SWEEP, "model.norm=bogus", f"launcher={launcher}"]
    assert grokrewarm([*args, f"hydra.sweep.dir={sweep_dir}", "-m"], tmp_path).returncode != 0
    result = sweep_status(sweep_dir)
    assert result.returncode == 1
    assert "2 jobs, 0 done, 0 diverged, 0 running or incomplete, 2 failed" in result.stdout
    # each job's entry (its line and its log's tail) names its error
    first, second = result.stdout.split(f"  {JOBS[1]} ")
    assert f"  {JOBS[0]} " in first
    assert all("ValueError(\"unknown norm 'bogus'" in entry for entry in (first, second))


@pytest.mark.slurm
def test_slurm_sweep_completes_and_renders_the_figure(cluster, dirty_repo, tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = [
        *SMOKE_SWEEP,
        "launcher=slurm",
        *TEST_CLUSTER,
        # Checked against a dirty repository, so that the override, not the state of this
        # checkout, decides whether it launches.
        f"+hydra.callbacks.refuse_dirty_tree.repo={dirty_repo}",
        "launcher.allow_dirty=true",
        f"hydra.sweep.dir={sweep_dir}",
        "-m",
    ]
    result = grokrewarm(args, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "launching from a dirty tree" in result.stdout + result.stderr
    assert_sweep_complete(sweep_dir)
    # One Slurm array, one task per run: Hydra records each task's id in its run folder.
    job_ids = [OmegaConf.load(sweep_dir / job / ".hydra/hydra.yaml").hydra.job.id for job in JOBS]
    array_id = job_ids[0].split("_")[0]
    assert job_ids == [f"{array_id}_0", f"{array_id}_1"]
    status = sweep_status(sweep_dir)
    assert "2 jobs, 2 done, 0 diverged, 0 running or incomplete, 0 failed" in status.stdout


@pytest.mark.slurm
def test_trainer_in_a_slurm_job_leaves_requeue_to_submitit(cluster, tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from grokrewarm.compose import compose_job\n"
        "from grokrewarm.training.run import build\n"
        "cfg = compose_job(['+experiment=fig3', 'budget=smoke'], sys.argv[1])\n"
        "trainer, _ = build(cfg, Path(sys.argv[1]))\n"
        "env = trainer._accelerator_connector.cluster_environment\n"  # no public accessor
        "print(type(env).__name__, env.auto_requeue)\n"
    )
    # Bounded twice: a blocking srun against a busy or drained node would wait forever.
    srun = ["timeout", "180", "srun", "--immediate=60", "-Jgrokrewarm", "--cpus-per-task=1"]
    result = run([*srun, sys.executable, "-c", script, str(tmp_path)], tmp_path, timeout=200)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["SLURMEnvironment", "False"]


@pytest.mark.slurm
def test_driver_job_runs_the_sweep(cluster, dirty_repo, tmp_path):
    sweep_dir = tmp_path / "sweep"
    sbatch = ["timeout", "300", "sbatch", "--wait", f"--output={tmp_path}/driver.out"]
    args = [
        *SMOKE_SWEEP,
        "launcher=slurm",
        *TEST_CLUSTER,
        f"+hydra.callbacks.refuse_dirty_tree.repo={dirty_repo}",
        "launcher.allow_dirty=true",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    result = run([*sbatch, "launch/submit_sweep.sh", *args], REPO, timeout=320)
    assert result.returncode == 0, (tmp_path / "driver.out").read_text()[-3000:]
    assert_sweep_complete(sweep_dir)

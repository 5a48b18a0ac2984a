"""Thread discipline: each job's torch thread count comes from what it was given, is applied and
recorded in metadata.json; OMP_WAIT_POLICY=PASSIVE is in place before torch loads."""

import os
import subprocess
import sys

import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.lifecycle import Runner, read_metadata, run_job
from grokrewarm.lifecycle.threads import decide_threads, jobs_at_once


def job(**keys):
    return OmegaConf.create({"seed": 0, "force": False, "logger": {}, "threads": None, **keys})


PARALLEL = {"name": "parallel", "jobs": -1}


@pytest.mark.parametrize(
    ("cfg", "environ", "cores", "expected"),
    [
        # an explicit threads= wins over everything the job was given
        (job(threads=3, launcher=PARALLEL), {"SLURM_CPUS_PER_TASK": "8"}, 8, (3, "threads=")),
        # Slurm's allocation over the launcher's share
        (job(launcher=PARALLEL), {"SLURM_CPUS_PER_TASK": "4"}, 8, (4, "SLURM_CPUS_PER_TASK")),
        # the parallel launcher's share: cores // jobs at once
        (job(launcher=PARALLEL), {}, 8, (1, "launcher=parallel (8 jobs at once on 8 cores)")),
        (
            job(launcher={"name": "parallel", "jobs": 2}),
            {"OMP_NUM_THREADS": "1"},
            8,
            (4, "launcher=parallel (2 jobs at once on 8 cores)"),
        ),
        (
            job(launcher={"name": "parallel", "jobs": -2}),
            {},
            2,
            (2, "launcher=parallel (1 jobs at once on 2 cores)"),
        ),
        # more jobs than cores: still one thread each
        (
            job(launcher={"name": "parallel", "jobs": 6}),
            {},
            4,
            (1, "launcher=parallel (6 jobs at once on 4 cores)"),
        ),
        (
            job(launcher={"name": "submitit_local", "cpus_per_task": 2}),
            {},
            8,
            (2, "launcher.cpus_per_task"),
        ),
        # the Atari budgets' own default, then OMP_NUM_THREADS, then every core
        (
            job(launcher={"name": "local"}, budget={"atari": {"torch_threads": 1}}),
            {"OMP_NUM_THREADS": "3"},
            8,
            (1, "budget.atari.torch_threads"),
        ),
        (
            job(launcher={"name": "local"}, budget={"atari": {"torch_threads": None}}),
            {"OMP_NUM_THREADS": "3"},
            8,
            (3, "OMP_NUM_THREADS"),
        ),
        (job(launcher={"name": "local"}), {}, 6, (6, "all 6 cores")),
    ],
)
def test_thread_count_comes_from_what_the_job_was_given(cfg, environ, cores, expected):
    threads = decide_threads(cfg, environ, cores)
    assert (threads.count, threads.source) == expected


def test_nonsense_thread_settings_are_refused():
    with pytest.raises(ValueError, match="at least one thread"):
        decide_threads(job(threads=0), {}, 4)
    with pytest.raises(ValueError, match="runs nothing"):
        jobs_at_once(0, 4)


def test_run_job_sets_torchs_threads_and_records_them_in_metadata(tmp_path):
    seen = []

    def fit(folder):
        seen.append(torch.get_num_threads())
        return 10, {}

    runner = Runner(name="test", unit="step", consumes=frozenset())
    start = torch.get_num_threads()
    wanted = 2 if start != 2 else 3
    run_job(job(threads=wanted), tmp_path, runner, 10, fit)
    assert seen == [wanted]
    recorded = read_metadata(tmp_path)["threads"]
    assert (recorded["count"], recorded["source"]) == (wanted, "threads=")
    assert recorded["omp_wait_policy"] == os.environ["OMP_WAIT_POLICY"]


def test_a_slurm_job_takes_its_allocation(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "1")
    runner = Runner(name="test", unit="step", consumes=frozenset())
    run_job(job(launcher={"name": "slurm"}), tmp_path, runner, 10, lambda folder: (10, {}))
    recorded = read_metadata(tmp_path)["threads"]
    assert (recorded["count"], recorded["source"]) == (1, "SLURM_CPUS_PER_TASK")
    assert torch.get_num_threads() == 1


# Records OMP_WAIT_POLICY at the moment torch is first imported, then imports the runner (which
# imports torch) the way a job does: through the grokrewarm package.
AT_TORCH_IMPORT = """
import importlib.abc, os, sys
seen = []
class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "torch" and not seen:
            seen.append(os.environ.get("OMP_WAIT_POLICY"))
        return None
sys.meta_path.insert(0, Watch())
import grokrewarm.cli, grokrewarm.training.run
print(seen[0])
"""


@pytest.mark.parametrize(("user_value", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_omp_wait_policy_is_passive_before_torch_loads_unless_the_user_set_it(user_value, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if user_value:
        env["OMP_WAIT_POLICY"] = user_value
    result = subprocess.run(
        [sys.executable, "-c", AT_TORCH_IMPORT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == expected

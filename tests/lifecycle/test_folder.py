"""The run folder's records and run_job's lifecycle: skip, force, diverged, failed."""

import json

import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.lifecycle import (
    DIVERGED,
    FINISHED,
    EndRecord,
    NonFiniteLoss,
    RunFolder,
    Runner,
    read_metadata,
    restore_rng,
    rng_state,
    run_job,
)

RUNNER = Runner(name="test", unit="step", consumes=frozenset())


def config(**overrides):
    return OmegaConf.create({"seed": 3, "force": False, "logger": {}, **overrides})


def test_end_record_ends_when_finished_at_the_budget_or_diverged():
    finished = EndRecord(FINISHED, "step", 60, 60, {"test/acc": 1.0})
    assert finished.ends(60) and not finished.ends(100)  # a longer budget resumes it
    assert EndRecord(DIVERGED, "frame", 12, 600).ends(10**9)
    assert EndRecord.from_dict(json.loads(json.dumps(finished.__dict__))) == finished


def test_run_job_writes_config_metadata_done_and_skips_a_finished_run(tmp_path):
    calls = []

    def fit(folder):
        calls.append(folder.path)
        return 60, {"test/acc": 0.5}

    record = run_job(config(), tmp_path, RUNNER, 60, fit)
    assert record == EndRecord(FINISHED, "step", 60, 60, {"test/acc": 0.5})
    assert json.loads((tmp_path / "DONE").read_text())["progress"] == 60
    assert OmegaConf.load(tmp_path / "config.yaml").seed == 3
    meta = read_metadata(tmp_path)
    assert (meta["runner"], meta["unit"], meta["budget"], meta["seed"]) == ("test", "step", 60, 3)
    assert "torch" in meta["versions"] and "sha" in meta["git"]
    assert run_job(config(), tmp_path, RUNNER, 60, fit) == record and len(calls) == 1
    run_job(config(force=True), tmp_path, RUNNER, 60, fit)
    assert len(calls) == 2


def test_a_run_stopped_before_its_budget_writes_no_done(tmp_path):
    record = run_job(config(), tmp_path, RUNNER, 60, lambda folder: (20, {}))
    assert record.progress == 20 and not (tmp_path / "DONE").exists()


def test_non_finite_loss_becomes_a_diverged_record_not_an_exception(tmp_path):
    def fit(folder):
        raise NonFiniteLoss("train/loss", "step", 17)

    record = run_job(config(), tmp_path, RUNNER, 60, fit)
    assert (record.status, record.progress, record.budget) == (DIVERGED, 17, 60)
    assert record.detail == "the training loss 'train/loss' became non-finite at step 17"
    assert RunFolder(tmp_path).end_record() == record
    assert run_job(config(), tmp_path, RUNNER, 60, fit) == record  # a result: not re-run


def test_an_exception_is_recorded_as_failed_and_the_next_start_clears_it(tmp_path):
    def broken(folder):
        raise ValueError("no such dataset")

    with pytest.raises(ValueError, match="no such dataset"):
        run_job(config(), tmp_path, RUNNER, 60, broken)
    failure = RunFolder(tmp_path).failure()
    assert failure["error"] == "ValueError: no such dataset"
    assert "in broken" in failure["traceback"]
    run_job(config(), tmp_path, RUNNER, 60, lambda folder: (60, {}))
    assert RunFolder(tmp_path).failure() is None and (tmp_path / "DONE").is_file()


def test_rng_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    import random

    import numpy as np

    torch.manual_seed(0), np.random.seed(1), random.seed(2)
    torch.save(rng_state(), tmp_path / "rng.pt")
    expected = (torch.rand(3), np.random.rand(3), random.random())
    restore_rng(torch.load(tmp_path / "rng.pt", weights_only=True))
    again = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(expected[0], again[0])
    assert (expected[1] == again[1]).all() and expected[2] == again[2]

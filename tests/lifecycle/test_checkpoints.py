"""Checkpoint files written whole with the one before kept, the choice of where to resume, and
metrics.csv cut back to it."""

from __future__ import annotations

import errno
import logging

import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.lifecycle.checkpoints import (
    CheckpointFiles,
    CheckpointWriteError,
    NoCheckpointLoads,
    choose_resume,
    cut_metrics,
    resume_mode,
    torch_writer,
)


def save(files: CheckpointFiles, step: int) -> None:
    files.save(torch_writer({"step": torch.tensor(step)}), step)


def step_of(path) -> int:
    return int(torch.load(path, weights_only=True)["step"])


def config(**keys):
    return OmegaConf.create({"resume": True, "force": False, **keys})


def choose(files, metrics=None, **keys):
    load = lambda path: torch.load(path, weights_only=True)  # noqa: E731
    return choose_resume(files, config(**keys), load, lambda s: int(s["step"]), metrics)


def test_each_save_keeps_the_one_before_and_a_repeat_of_the_same_step_does_not(tmp_path):
    files = CheckpointFiles(tmp_path)
    save(files, 10)
    assert step_of(files.last) == 10 and not files.previous.exists()
    save(files, 20)
    assert (step_of(files.last), step_of(files.previous)) == (20, 10)
    save(files, 20)  # the final save at the last periodic step: previous stays the older one
    assert (step_of(files.last), step_of(files.previous)) == (20, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt", "previous.ckpt"]


def test_a_failed_write_names_the_intact_checkpoint_and_leaves_no_temporary(tmp_path):
    files = CheckpointFiles(tmp_path)
    save(files, 10)
    save(files, 20)

    def full_disk(file):
        file.write(b"x" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CheckpointWriteError) as error:
        files.save(full_disk, 30)
    assert str(error.value) == (
        f"could not write the checkpoint at step 30 to {tmp_path}: [Errno 28] No space left on "
        f"device; {files.last} (step 20) is intact: make room and run again to resume from it"
    )
    assert (step_of(files.last), step_of(files.previous)) == (20, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt", "previous.ckpt"]


@pytest.mark.parametrize("damage", ["truncated", "zero_bytes"])
def test_an_unloadable_last_checkpoint_falls_back_to_the_previous(damage, tmp_path, caplog):
    files = CheckpointFiles(tmp_path / "checkpoints")
    for step in (10, 20):
        save(files, step)
    data = files.last.read_bytes()
    files.last.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    metrics = tmp_path / "metrics.csv"
    metrics.write_bytes(b"step,loss\r\n0,1.0\r\n10,0.5\r\n15,0.4\r\n20,0.3\r\n")
    with caplog.at_level(logging.WARNING):
        resume = choose(files, metrics)
    assert (resume.path, resume.progress) == (files.previous, 10)
    assert f"checkpoint {files.last} does not load" in caplog.text
    assert f"resuming from the previous checkpoint {files.previous} at step 10" in caplog.text
    assert (files.directory / "last.ckpt.corrupt").is_file() and not files.last.exists()
    # cut back to step 10
    assert metrics.read_bytes().decode() == "step,loss\r\n0,1.0\r\n10,0.5\r\n"


def test_when_no_checkpoint_loads_the_run_starts_over_or_stops_with_strict(tmp_path, caplog):
    files = CheckpointFiles(tmp_path / "checkpoints")
    for step in (10, 20):
        save(files, step)
    files.last.write_bytes(b"")
    files.previous.write_bytes(b"PK\x03\x04 not a zip")
    metrics = tmp_path / "metrics.csv"
    metrics.write_text("step,loss\r\n0,1.0\r\n")
    with pytest.raises(NoCheckpointLoads, match=r"resume=strict: no checkpoint in .* loads: last"):
        choose(files, metrics, resume="strict")
    assert files.last.is_file() and files.previous.is_file() and metrics.is_file()  # untouched
    with caplog.at_level(logging.WARNING):
        resume = choose(files, metrics)
    assert resume.path is None and resume.progress == 0
    assert f"no checkpoint in {files.directory} loads: starting over" in caplog.text
    assert not metrics.exists()  # the run starts over: its old rows go
    assert sorted(p.name for p in files.directory.iterdir()) == [
        "last.ckpt.corrupt",
        "previous.ckpt.corrupt",
    ]


@pytest.mark.parametrize("keys", [{"resume": False}, {"force": True}])
def test_starting_over_removes_every_checkpoint_it_could_later_fall_back_to(keys, tmp_path):
    files = CheckpointFiles(tmp_path)
    for step in (10, 20):
        save(files, step)
    (tmp_path / ".last.ckpt.123.tmp").write_bytes(b"half")
    assert choose(files, **keys).path is None
    assert list(tmp_path.iterdir()) == []


def test_cut_metrics_keeps_whole_rows_at_or_before_the_step(tmp_path):
    metrics = tmp_path / "metrics.csv"
    metrics.write_bytes(b"step,a,b\r\n0,1,2\r\n5,1,2\r\n10,1\r\nx,1,2\r\n20,1,2\r\n25,1")
    assert cut_metrics(metrics, 20) == 3  # 10 (half a row), x (no step), 25 (half, and past)
    assert metrics.read_bytes().decode() == "step,a,b\r\n0,1,2\r\n5,1,2\r\n20,1,2\r\n"
    assert cut_metrics(metrics, 20) == 0
    cut_metrics(metrics, None)
    assert not metrics.exists()


@pytest.mark.parametrize(
    ("value", "mode"), [(True, "on"), (False, "off"), ("strict", "strict"), ("STRICT", "strict")]
)
def test_resume_modes(value, mode):
    assert resume_mode(config(resume=value)) == mode


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_other_resume_values_are_refused_naming_them(value):
    with pytest.raises(ValueError, match=r"resume=.*: expected true, false or strict"):
        resume_mode(config(resume=value))

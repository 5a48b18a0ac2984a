"""The supervised runner on a damaged run folder: a truncated or zero-byte checkpoint, none that
loads (``resume=strict``), a checkpoint that would run code, a zero-byte ``DONE``."""

from __future__ import annotations

import logging

import pytest
import torch

from grokrewarm.lifecycle.checkpoints import NoCheckpointLoads
from grokrewarm.training.run import train
from tests.training.same_run import assert_same_run, last_checkpoint

STEPS = 60


@pytest.fixture(name="overrides")
def overrides_fixture(smoke) -> list[str]:
    return [*smoke, "budget.checkpoint_every=10"]


@pytest.fixture(scope="module", name="straight")
def straight_fixture(tmp_path_factory):
    """The run nothing damaged (60 smoke steps, checkpoints every 10)."""
    from grokrewarm.compose import compose_job

    run_dir = tmp_path_factory.mktemp("straight")
    overrides = [
        "budget=smoke",
        "trainer.enable_progress_bar=false",
        "budget.metrics_every=5",
        "budget.checkpoint_every=10",
        f"trainer.max_steps={STEPS}",
    ]
    train(compose_job(overrides, run_dir), run_dir)
    return run_dir


def stopped_at_30(compose_run, overrides, run_dir):
    train(compose_run([*overrides, "trainer.max_steps=30"], run_dir), run_dir)
    assert last_checkpoint(run_dir)["global_step"] == 30
    previous = run_dir / "checkpoints" / "previous.ckpt"
    assert torch.load(previous, weights_only=True)["global_step"] == 20


@pytest.mark.parametrize("damage", ["truncated", "zero_bytes"])
def test_a_damaged_last_checkpoint_resumes_from_the_previous_one(
    damage, straight, overrides, compose_run, tmp_path, caplog
):
    stopped_at_30(compose_run, overrides, tmp_path)
    last = tmp_path / "checkpoints" / "last.ckpt"
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    with caplog.at_level(logging.WARNING):
        train(compose_run(overrides + [f"trainer.max_steps={STEPS}"], tmp_path), tmp_path)
    assert f"checkpoint {last} does not load" in caplog.text
    assert "resuming from the previous checkpoint" in caplog.text and "at step 20" in caplog.text
    assert (tmp_path / "checkpoints" / "last.ckpt.corrupt").is_file()
    assert_same_run(straight, tmp_path, STEPS, metrics_every=5)


def test_when_no_checkpoint_loads_it_starts_over_or_stops_with_resume_strict(
    straight, overrides, compose_run, tmp_path, caplog
):
    stopped_at_30(compose_run, overrides, tmp_path)
    for name in ("last.ckpt", "previous.ckpt"):
        (tmp_path / "checkpoints" / name).write_bytes(b"")
    full = [*overrides, f"trainer.max_steps={STEPS}"]
    with pytest.raises(NoCheckpointLoads, match="resume=strict: no checkpoint in .* loads"):
        train(compose_run([*full, "resume=strict"], tmp_path), tmp_path)
    assert "NoCheckpointLoads" in (tmp_path / "FAILED").read_text()
    with caplog.at_level(logging.WARNING):
        train(compose_run(full, tmp_path), tmp_path)
    assert "loads: starting over" in caplog.text
    assert_same_run(straight, tmp_path, STEPS, metrics_every=5)


class _RunsCode:
    def __reduce__(self):
        return (exec, ("open(__import__('os').environ['MARKER'], 'w').write('ran')",))


def test_a_checkpoint_that_would_run_code_is_never_unpickled(
    overrides, compose_run, tmp_path, monkeypatch, caplog
):
    marker = tmp_path / "code_ran"
    monkeypatch.setenv("MARKER", str(marker))
    (tmp_path / "checkpoints").mkdir()
    torch.save({"global_step": 10, "payload": _RunsCode()}, tmp_path / "checkpoints" / "last.ckpt")
    with caplog.at_level(logging.WARNING):
        train(compose_run([*overrides, "trainer.max_steps=20"], tmp_path), tmp_path)
    assert not marker.exists()
    assert "does not load (UnpicklingError" in caplog.text
    assert last_checkpoint(tmp_path)["global_step"] == 20  # it started over


def test_an_unreadable_done_is_taken_as_absent(overrides, compose_run, tmp_path, caplog):
    cfg = compose_run([*overrides, "trainer.max_steps=20"], tmp_path)
    train(cfg, tmp_path)
    (tmp_path / "DONE").write_bytes(b"")  # a disk that filled as DONE was written, before
    with caplog.at_level(logging.WARNING):
        record = train(cfg, tmp_path)  # resumes at 20 of 20: nothing to train, DONE again
    assert "DONE is unreadable" in caplog.text
    assert record.progress == 20 and (tmp_path / "DONE").read_text().startswith("{")

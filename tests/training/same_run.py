"""A run folder against the uninterrupted run it must equal, bit for bit (the resume, interruption
and damaged-checkpoint tests)."""

import pandas as pd
import torch


def last_checkpoint(run_dir):
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)


def assert_same_run(a_dir, b_dir, steps: int, metrics_every: int | None = None) -> None:
    """Both ended at ``steps`` with equal parameters, re-warm controller state and metrics (with
    ``metrics_every``: every row logged once, none missing)."""
    a, b = last_checkpoint(a_dir), last_checkpoint(b_dir)
    assert a["global_step"] == b["global_step"] == steps
    for name, tensor in a["state_dict"].items():
        assert torch.equal(tensor, b["state_dict"][name]), name
    assert a["rewarm_controller"] == b["rewarm_controller"]
    metrics_a, metrics_b = pd.read_csv(a_dir / "metrics.csv"), pd.read_csv(b_dir / "metrics.csv")
    if metrics_every:
        assert metrics_b["step"].tolist() == list(range(0, steps + 1, metrics_every))
    pd.testing.assert_frame_equal(metrics_a, metrics_b)

"""Capture and restore the process's global random states, in a form that
``torch.load(weights_only=True)`` reads back (numpy's key array as a tensor)."""

from __future__ import annotations

import random

import numpy as np
import torch


def rng_state() -> dict:
    name, keys, *rest = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "numpy": (name, torch.from_numpy(keys.copy()), *rest),
        "python": random.getstate(),
    }


def restore_rng(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy(), *rest))
    random.setstate(state["python"])

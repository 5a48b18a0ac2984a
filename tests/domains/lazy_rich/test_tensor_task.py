"""``TensorTask``: tensors on the device, full-batch or seeded minibatches, and a loss."""

import pytest
import torch

from grokrewarm.domains.lazy_rich.tensor_task import TensorTask


def test_minibatches_cover_an_epoch_once_in_a_seeded_order():
    x = torch.arange(10.0)[:, None]
    task = TensorTask(x, torch.arange(10.0), x, torch.arange(10.0), batch_size=5, seed=1)
    epoch = torch.cat([task.train_batch(s)[1] for s in (0, 1)])
    assert sorted(epoch.tolist()) == list(range(10))
    again = TensorTask(x, torch.arange(10.0), x, torch.arange(10.0), batch_size=5, seed=1)
    assert torch.equal(again.train_batch(1)[1], task.train_batch(1)[1])


def test_invalid_loss_and_batch_size_are_rejected():
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="loss must be"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), loss="l1")
    with pytest.raises(ValueError, match="cross_entropy needs integer"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), loss="cross_entropy")
    with pytest.raises(ValueError, match="batch_size"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), batch_size=0)

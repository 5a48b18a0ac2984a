import pytest
import torch

from grokrewarm.domains.grokking.task import ModularArithmeticTask


def test_split_sizes_tokens_and_answers():
    task = ModularArithmeticTask(p=7, op="+", train_fraction=0.2, seed=0)
    assert len(task.train_labels) == round(0.2 * 49) == 10
    assert len(task.test_labels) == 39
    x, op, y, eq, blank = task.train_tokens.T
    assert torch.equal(task.train_labels, (x + y) % 7)
    assert set(op.tolist()) == {7} and set(eq.tolist()) == {8} and set(blank.tolist()) == {9}
    assert task.vocab_size == 10 and task.num_classes == 7


def test_ordered_pairs_are_separate_examples_and_splits_disjoint():
    task = ModularArithmeticTask(p=11, train_fraction=0.5, seed=3)
    pairs = lambda tokens: {(a, b) for a, b in tokens[:, [0, 2]].tolist()}  # noqa: E731
    train, test = pairs(task.train_tokens), pairs(task.test_tokens)
    assert not train & test
    assert len(train | test) == 121  # every ordered pair once: (x, y) and (y, x) both present
    assert any((b, a) in test for a, b in train)  # mirrored pairs can land on different sides


@pytest.mark.parametrize(
    ("op", "expected"), [("-", (3 - 5) % 7), ("*", (3 * 5) % 7), ("/", (3 * 3) % 7)]
)
def test_operations(op, expected):
    task = ModularArithmeticTask(p=7, op=op, train_fraction=0.5)
    tokens = torch.cat([task.train_tokens, task.test_tokens])
    labels = torch.cat([task.train_labels, task.test_labels])
    row = ((tokens[:, 0] == 3) & (tokens[:, 2] == 5)).nonzero().item()
    assert labels[row].item() == expected  # 5 * 3 = 15 = 1 mod 7, so 5^-1 = 3


def test_split_depends_on_seed_only():
    a, b = ModularArithmeticTask(p=13, seed=1), ModularArithmeticTask(p=13, seed=1)
    c = ModularArithmeticTask(p=13, seed=2)
    assert torch.equal(a.train_tokens, b.train_tokens)
    assert not torch.equal(a.train_tokens, c.train_tokens)


def test_minibatch_order_is_a_function_of_the_step():
    task = ModularArithmeticTask(p=13, train_fraction=0.5, batch_size=16, seed=0)
    assert task.batches_per_epoch == len(task.train_labels) // 16
    rows = torch.cat([task.train_batch(s)[0][:, [0, 2]] for s in range(task.batches_per_epoch)])
    assert len({tuple(r) for r in rows.tolist()}) == 16 * task.batches_per_epoch  # no repeats
    fresh = ModularArithmeticTask(p=13, train_fraction=0.5, batch_size=16, seed=0)
    for step in (7, 0, task.batches_per_epoch + 2):  # any order of asking, same batches
        assert torch.equal(fresh.train_batch(step)[0], task.train_batch(step)[0])
    assert not torch.equal(task.train_batch(0)[0], task.train_batch(task.batches_per_epoch)[0])


def test_full_batch_and_probe():
    task = ModularArithmeticTask(p=11, train_fraction=0.3, batch_size=None, probe_size=8)
    assert torch.equal(task.train_batch(5)[0], task.train_tokens)
    probe = task.probe_inputs()
    assert probe.shape == (8, 5)
    assert torch.equal(
        probe, ModularArithmeticTask(p=11, train_fraction=0.3, probe_size=8).probe_inputs()
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": 1}, "p must be an integer >= 2"),
        ({"p": 7.5}, "p must be an integer >= 2"),
        ({"op": "^"}, "unknown operation"),
        ({"op": "/", "p": 117}, "needs a prime"),
        ({"train_fraction": 0.0}, "train_fraction"),
        ({"train_fraction": 1.0}, "train_fraction"),
        ({"p": 2, "train_fraction": 0.1}, "empty split"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_invalid_inputs_fail_before_training(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModularArithmeticTask(**kwargs)


def test_float64_loss_resolves_what_float32_rounds_to_zero():
    # logits (30, 0, 0), answer 0: the loss is log(1 + 2 e^-30) ~ 2 e^-30 = 1.87e-13, below
    # float32's resolution at 30, so float32 gives 0 and no gradient to the correct logit
    logits = torch.tensor([[30.0, 0.0, 0.0]], requires_grad=True)
    answers = torch.tensor([0])
    exact = 2 * torch.exp(torch.tensor(-30.0, dtype=torch.float64)).item()
    task32 = ModularArithmeticTask(p=5, train_fraction=0.5)
    task64 = ModularArithmeticTask(p=5, train_fraction=0.5, loss_dtype="float64")
    assert task32.loss(logits, answers).item() == 0.0
    loss = task64.loss(logits, answers)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(exact, rel=1e-5)
    loss.backward()
    assert logits.grad[0, 0].item() == pytest.approx(-exact, rel=1e-5)


def test_unknown_loss_dtype_is_refused():
    with pytest.raises(ValueError, match="loss_dtype must be one of"):
        ModularArithmeticTask(p=5, train_fraction=0.5, loss_dtype="bfloat16")

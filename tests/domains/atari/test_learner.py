"""DQN and C51 losses against hand-computed targets."""

import copy

import pytest
import torch
from torch import nn

from grokrewarm.domains.atari.learner import c51_loss, categorical_projection, dqn_loss, q_values
from grokrewarm.domains.atari.networks import AtariNetwork


class Fixed(nn.Module):
    """A 'network' answering a fixed output for observation i (obs holds the index)."""

    def __init__(self, outputs: torch.Tensor) -> None:
        super().__init__()
        self.outputs = nn.Parameter(outputs.clone())

    def forward(self, obs):
        return self.outputs[obs.long()]


SUPPORT = torch.tensor([-1.0, 0.0, 1.0])


def test_categorical_projection_splits_mass_between_neighbours():
    probs = torch.tensor([[0.2, 0.3, 0.5]])
    # 0.5 + 0.5 * z = [0, 0.5, 1]: atom 0 -> point 0 (index 1); atom 1 halves to indices 1, 2
    target = categorical_projection(probs, torch.tensor([0.5]), torch.tensor([0.5]), SUPPORT)
    assert target.tolist()[0] == pytest.approx([0.0, 0.35, 0.65])


def test_categorical_projection_clamps_and_handles_terminals():
    probs = torch.tensor([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]])
    target = categorical_projection(
        probs, torch.tensor([2.0, -0.25]), torch.tensor([0.9, 0.0]), SUPPORT
    )
    assert target[0].tolist() == pytest.approx([0.0, 0.0, 1.0])  # everything above v_max
    assert target[1].tolist() == pytest.approx([0.25, 0.75, 0.0])  # a point mass at -0.25
    assert target.sum(dim=1).tolist() == pytest.approx([1.0, 1.0])


def _batch(**values):
    return {k: torch.as_tensor(v) for k, v in values.items()}


def test_dqn_target_is_reward_plus_discounted_max_and_double_q_uses_online_argmax():
    online = Fixed(torch.tensor([[1.0, 2.0], [5.0, 0.0]]))  # obs 0 -> [1, 2], obs 1 -> [5, 0]
    target = Fixed(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    batch = _batch(obs=[0], actions=[1], returns=[1.0], discounts=[0.5], next_obs=[1])
    loss, td = dqn_loss(online, target, batch)
    assert td.item() == pytest.approx(abs(2.0 - (1.0 + 0.5 * 4.0)))  # max of target: 4
    assert loss.item() == pytest.approx(0.5 * 1.0**2)  # Huber, |x| <= 1
    _, td_double = dqn_loss(online, target, batch, double=True)
    assert td_double.item() == pytest.approx(abs(2.0 - (1.0 + 0.5 * 3.0)))  # online picks a0
    terminal = dict(batch, discounts=torch.tensor([0.0]))
    assert dqn_loss(online, target, terminal)[1].item() == pytest.approx(1.0)


def test_c51_loss_is_cross_entropy_to_the_projected_greedy_distribution():
    logits_online = torch.log(
        torch.tensor(
            [
                [[0.6, 0.2, 0.2], [0.1, 0.1, 0.8]],  # obs 0
                [[0.1, 0.1, 0.8], [0.8, 0.1, 0.1]],  # obs 1: online prefers action 0
            ]
        )
    )
    logits_target = torch.log(
        torch.tensor([[[1 / 3] * 3] * 2, [[0.2, 0.3, 0.5], [0.0 + 1e-9, 0.0 + 1e-9, 1.0]]])
    )
    online, target = Fixed(logits_online), Fixed(logits_target)
    assert q_values(online, torch.tensor([1]), SUPPORT).argmax().item() == 0
    batch = _batch(obs=[0], actions=[0], returns=[0.5], discounts=[0.5], next_obs=[1])
    loss, priority = c51_loss(online, target, batch, SUPPORT)
    # target distribution of action 0 at obs 1, projected as in the test above: [0, .35, .65]
    expected = -(0.35 * torch.log(torch.tensor(0.2)) + 0.65 * torch.log(torch.tensor(0.2)))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert priority.item() == pytest.approx(loss.item())
    loss.sum().backward()
    assert online.outputs.grad[0, 0].abs().sum() > 0 and target.outputs.grad is None


def _atari_batch(n: int = 4, actions: int = 4) -> dict:
    generator = torch.Generator().manual_seed(0)
    obs = torch.randint(0, 256, (2 * n, 4, 84, 84), dtype=torch.uint8, generator=generator)
    return {
        "obs": obs[:n],
        "next_obs": obs[n:],
        "actions": torch.randint(0, actions, (n,), generator=generator),
        "returns": torch.tensor([0.0, 1.0, 10.0, -1.0])[:n],
        "discounts": torch.tensor([0.99, 0.99, 0.0, 0.99])[:n],
    }


@pytest.mark.parametrize("agent", ["dqn", "rainbow"])
def test_bf16_autocasts_the_networks_and_keeps_losses_and_gradients_fp32(agent):
    """The bf16 learner's loss is the fp32 one to bf16's precision, not bit for bit (the
    networks ran in bf16), while the loss, priorities and gradients stay fp32; "fp32" is the
    learner as it was (the default)."""
    torch.manual_seed(0)
    rainbow = agent == "rainbow"
    online = AtariNetwork(4, atoms=51 if rainbow else 1, dueling=rainbow, noisy=rainbow)
    target = copy.deepcopy(online).requires_grad_(False)
    support = torch.linspace(-10.0, 10.0, 51)
    batch = _atari_batch()
    results = {}
    for precision in ("default", "fp32", "bf16"):
        online.zero_grad(set_to_none=True)
        torch.manual_seed(1)  # the same noisy-net noise in every pass
        kwargs = {} if precision == "default" else {"precision": precision}
        if rainbow:
            loss, priorities = c51_loss(online, target, batch, support, **kwargs)
        else:
            loss, priorities = dqn_loss(online, target, batch, double=True, **kwargs)
        loss.mean().backward()
        grads = [p.grad for p in online.parameters()]
        assert loss.dtype == priorities.dtype == torch.float32
        assert all(g.dtype == torch.float32 for g in grads)
        results[precision] = (loss.detach(), torch.cat([g.flatten() for g in grads]))
    assert torch.equal(results["default"][0], results["fp32"][0])
    assert torch.equal(results["default"][1], results["fp32"][1])
    fp32_loss, bf16_loss = results["fp32"][0], results["bf16"][0]
    assert not torch.equal(fp32_loss, bf16_loss)
    assert torch.allclose(bf16_loss, fp32_loss, rtol=0.05, atol=0.02)


def test_an_unknown_precision_is_refused():
    batch = _atari_batch()
    network = AtariNetwork(4)
    with pytest.raises(ValueError, match="agent.precision"):
        dqn_loss(network, network, batch, precision="fp16")

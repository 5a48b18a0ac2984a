"""The Atari bench's FLOP count of a learner update, against the Nature CNN's shapes by hand."""

from grokrewarm.domains.atari.bench import learner_update_flops

BATCH = 32
# multiply-accumulates per sample: output units x inputs read by each
CONV1 = 32 * 20 * 20 * (4 * 8 * 8)  # 84x84x4 -> 20x20x32, 8x8 kernel, stride 4
CONV2 = 64 * 9 * 9 * (32 * 4 * 4)  # -> 9x9x64, 4x4 kernel, stride 2
CONV3 = 64 * 7 * 7 * (64 * 3 * 3)  # -> 7x7x64, 3x3 kernel
FC = 3136 * 512 + 512 * 18  # hidden layer and 18 action values


def flops(macs: int) -> int:
    return 2 * BATCH * macs


def test_a_dqn_update_counts_two_forwards_and_one_backward_by_hand():
    """Nature DQN (no double Q): forwards of the online network on s and the target on s'; the
    backward takes each layer's weight gradient and every input gradient but the first conv's."""
    forward = flops(CONV1 + CONV2 + CONV3 + FC)
    backward = flops(CONV1 + CONV2 + CONV3 + FC) + flops(CONV2 + CONV3 + FC)
    assert learner_update_flops(("dqn",))["dqn"] == 2 * forward + backward


def test_a_rainbow_update_counts_three_forwards_and_two_matmuls_per_noisy_layer():
    """Rainbow adds the online network's forward on s' (double Q) and a noisy dueling C51 head:
    value 3136->512->51 and advantage 3136->512->18x51, each noisy layer two matmuls (mean, and
    sigma on the noise-scaled input) forward, and two for each of its weight and input gradients.
    That is ~2.1x a DQN update's arithmetic."""
    convs = CONV1 + CONV2 + CONV3
    head = 2 * (2 * 3136 * 512 + 512 * 51 + 512 * 18 * 51)
    forward = flops(convs + head)
    backward = flops(convs) + flops(CONV2 + CONV3) + 2 * flops(head)
    counted = learner_update_flops(("dqn", "rainbow"))
    assert counted["rainbow"] == 3 * forward + backward
    assert round(counted["rainbow"] / counted["dqn"], 2) == 2.12

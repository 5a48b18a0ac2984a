"""Replay: sum-tree sampling, prioritized proportions and importance weights, n-step returns,
frame stacks rebuilt across episode boundaries (checked against real ALE observations)."""

import numpy as np
import pytest

from grokrewarm.domains.atari.env import AtariEnvs
from grokrewarm.domains.atari.replay import FrameReplay, SumTree


def test_sum_tree_finds_the_leaf_whose_interval_holds_the_mass():
    tree = SumTree(5)
    assert (tree.size, tree.depth) == (8, 3)  # log2 levels: O(log n) per item
    tree.set(np.arange(5), [1.0, 2.0, 0.0, 3.0, 4.0])
    assert tree.total == 10.0
    # cumulative intervals: [0,1) -> 0, [1,3) -> 1, leaf 2 empty, [3,6) -> 3, [6,10) -> 4
    masses = np.array([0.0, 0.99, 1.0, 2.99, 3.0, 5.99, 6.0, 9.999999])
    assert tree.find(masses).tolist() == [0, 0, 1, 1, 3, 3, 4, 4]
    tree.set(np.array([4]), 0.0)
    assert tree.total == 6.0
    assert tree.find(np.array([5.999999999999])).tolist() == [3]  # never the empty leaves


def test_sum_tree_state_round_trip():
    tree = SumTree(6)
    tree.set(np.arange(6), np.arange(6, dtype=float))
    other = SumTree(6)
    other.load_state_dict(tree.state_dict())
    np.testing.assert_array_equal(other.tree, tree.tree)


def _filled(n_rows, n_step=1, alpha=0.0, gamma=0.5, capacity=64, **flags):
    """A one-env replay whose row r holds a frame filled with r + 1 and reward r + 1."""
    replay = FrameReplay(capacity, num_envs=1, n_step=n_step, gamma=gamma, alpha=alpha)
    for r in range(n_rows):
        replay.add(
            np.full((1, 84, 84), r + 1, np.uint8),
            [r % 4],
            [float(r + 1)],
            [r in flags.get("terminal", ())],
            [r in flags.get("truncated", ())],
            [r == 0 or r in flags.get("first", ())],
            [r not in flags.get("invalid", ())],
        )
    return replay


def _sample_row(replay, row, beta=0.0):
    """Sample with every leaf but ``row`` zeroed, so the batch is that row."""
    leaves = replay.tree.leaves(np.arange(replay.tree.capacity)).copy()
    assert leaves[row] > 0, f"row {row} is not sampleable"
    replay.tree.set(np.arange(replay.tree.capacity), 0.0)
    replay.tree.set(np.array([row]), 1.0)
    batch = replay.sample(4, np.random.default_rng(0), beta)
    replay.tree.set(np.arange(replay.tree.capacity), leaves)
    assert (batch["indices"] == row).all()
    return {k: v[0] for k, v in batch.items()}


def test_n_step_return_and_discount_hand_computed():
    replay = _filled(10, n_step=3, gamma=0.5)
    batch = _sample_row(replay, 2)
    assert batch["returns"] == pytest.approx(3 + 0.5 * 4 + 0.25 * 5)  # rewards of rows 2, 3, 4
    assert batch["discounts"] == pytest.approx(0.5**3)
    assert batch["next_obs"][:, 0, 0].tolist() == [3, 4, 5, 6]  # the stack ending at row 5
    assert batch["obs"][:, 0, 0].tolist() == [0, 1, 2, 3]  # zeros before the first frame
    assert batch["actions"] == 2


def test_n_step_stops_at_a_terminal_and_does_not_bootstrap():
    replay = _filled(10, n_step=3, gamma=0.5, terminal={3})
    batch = _sample_row(replay, 2)
    assert batch["returns"] == pytest.approx(3 + 0.5 * 4)
    assert batch["discounts"] == 0.0


def test_n_step_bootstraps_from_the_final_observation_after_a_truncation():
    # row 3's step hit the frame cap; row 4 holds the final observation (auto-reset step)
    replay = _filled(12, n_step=3, gamma=0.5, truncated={3}, invalid={4}, first={5})
    batch = _sample_row(replay, 2)
    assert batch["returns"] == pytest.approx(3 + 0.5 * 4)
    assert batch["discounts"] == pytest.approx(0.25)
    assert batch["next_obs"][:, 0, 0].tolist() == [2, 3, 4, 5]


def test_auto_reset_rows_and_incomplete_windows_are_never_sampled():
    replay = _filled(12, n_step=3, truncated={3}, invalid={4}, first={5})
    leaves = replay.tree.leaves(np.arange(replay.tree.capacity))
    sampleable = np.flatnonzero(leaves).tolist()
    assert 4 not in sampleable  # the auto-reset step's row
    assert sampleable == [0, 1, 2, 3, 5, 6, 7, 8]  # rows 9-11 wait for their 3-step window
    assert len(replay) == 8


def test_stack_hides_frames_from_before_an_episode_start():
    replay = _filled(12, n_step=1, first={5})
    assert _sample_row(replay, 6)["obs"][:, 0, 0].tolist() == [0, 0, 6, 7]
    assert _sample_row(replay, 4)["obs"][:, 0, 0].tolist() == [2, 3, 4, 5]
    assert _sample_row(replay, 8)["obs"][:, 0, 0].tolist() == [6, 7, 8, 9]


def test_overwritten_history_makes_rows_unsampleable():
    replay = _filled(30, n_step=1, capacity=10)  # rows 20-29 live in the buffer
    sampleable = np.flatnonzero(replay.tree.leaves(np.arange(10)))
    rows = sorted(20 + (p - 20) % 10 for p in sampleable)
    assert rows == list(range(23, 29))  # full 4-frame history and a written next row


def test_prioritized_proportions_and_importance_weights():
    replay = _filled(8, n_step=1, alpha=0.5)
    rows = np.arange(4)
    replay.tree.set(np.arange(8), 0.0)
    replay.update_priorities(np.arange(8), np.zeros(8))  # only live leaves change: none
    assert replay.tree.total == 0.0
    replay.tree.set(rows, 1.0)  # make rows 0-3 live, then give them priorities 1, 4, 9, 16
    replay.update_priorities(rows, np.array([1.0, 4.0, 9.0, 16.0]) - replay.priority_eps)
    # p^alpha = 1, 2, 3, 4: probabilities 0.1, 0.2, 0.3, 0.4
    np.testing.assert_allclose(replay.tree.leaves(rows) / replay.tree.total, [0.1, 0.2, 0.3, 0.4])
    batch = replay.sample(10_000, np.random.default_rng(0), beta=1.0)
    counts = np.bincount(batch["indices"], minlength=4) / 10_000
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.3, 0.4], atol=1e-3)  # stratified: exact-ish
    weight_of = dict(zip(batch["indices"].tolist(), batch["weights"].tolist(), strict=True))
    # (N P(i))^-1 normalized by the largest: P_min / P_i
    assert [weight_of[i] for i in range(4)] == pytest.approx([1.0, 0.5, 1 / 3, 0.25])
    half = replay.sample(10_000, np.random.default_rng(1), beta=0.5)["weights"]
    assert sorted(set(np.round(half, 6))) == pytest.approx(sorted(np.sqrt([1, 0.5, 1 / 3, 0.25])))
    assert replay.max_priority == pytest.approx(16.0)


def test_new_rows_enter_at_the_largest_priority():
    replay = _filled(6, n_step=1, alpha=0.5)
    replay.update_priorities(np.array([0]), np.array([100.0]))
    replay.add(np.zeros((1, 84, 84), np.uint8), [0], [0.0], [False], [False], [False], [True])
    assert replay.tree.leaves(np.array([5]))[0] == pytest.approx((100.0 + 1e-6) ** 0.5)


def test_state_round_trip_and_cut_episodes():
    replay = _filled(10, n_step=3, alpha=0.5)
    restored = FrameReplay(64, n_step=3, gamma=0.5, alpha=0.5)
    restored.load_state_dict(replay.state_dict())
    np.testing.assert_array_equal(restored.frames, replay.frames)
    assert restored.written == 10 and len(restored) == len(replay) == 7
    restored.cut_episodes()  # rows 7-9 would bootstrap into the restarted games
    for _ in range(5):
        restored.add(np.zeros((1, 84, 84), np.uint8), [0], [0.0], [False], [False], [False], [True])
    live = np.flatnonzero(restored.tree.leaves(np.arange(64))).tolist()
    assert 7 not in live and 8 not in live and 9 not in live and 10 in live and 11 in live


def test_stacks_rebuilt_from_single_frames_match_real_ale_observations():
    """Pong with a 200-frame cap: several episodes end (truncated) and auto-reset within 150
    steps; every rebuilt stack must equal the observation the environment returned."""
    envs = AtariEnvs("pong", num_envs=2, seed=3, max_episode_frames=200, num_threads=1)
    replay = FrameReplay(1000, num_envs=2, n_step=1)
    obs, first = envs.reset(), np.ones(2, dtype=bool)
    seen, acted_log = [], []
    rng = np.random.default_rng(0)
    for _ in range(150):
        actions = rng.integers(0, envs.num_actions, size=2)
        step = envs.step(actions)
        replay.add(
            obs[:, -1], actions, step.reward, step.terminal, step.truncated, first, step.acted
        )
        seen.append(obs)
        acted_log.append(step.acted)
        obs, first = step.obs, ~step.acted
    envs.close()
    seen, acted_log = np.stack(seen), np.stack(acted_log)  # (T, E, ...)
    assert (~acted_log).sum() >= 4  # auto-resets happened in both environments
    rows = np.arange(150)
    for env in range(2):
        stacks = replay._stacks(np.full(150, env), rows)
        np.testing.assert_array_equal(stacks, seen[:, env])
    # auto-reset steps are not sampleable transitions
    live = replay.tree.leaves(np.arange(replay.tree.capacity)).reshape(2, -1)[:, :150]
    assert not live.T[~acted_log].any()

"""The environment protocol on real ALE games: life loss, auto-reset steps, raw vs clipped
rewards."""

import numpy as np

from grokrewarm.domains.atari.env import AtariEnvs


def test_a_lost_life_is_a_learning_terminal_that_does_not_restart_the_game():
    envs = AtariEnvs("breakout", num_envs=1, seed=0, num_threads=1)
    envs.reset()
    rng = np.random.default_rng(0)
    lives_lost, games_ended = 0, 0
    for _ in range(2000):
        step = envs.step(rng.integers(0, envs.num_actions, size=1))
        if step.terminal[0] and not step.episode_returns:
            lives_lost += 1
            follow = envs.step(np.array([1]))
            assert follow.acted[0]  # the game goes on: the next action is taken
        if step.episode_returns:
            games_ended += 1
            assert step.terminal[0] and not step.truncated[0]
            assert not envs.step(np.array([0])).acted[0]  # the auto-reset step ignores it
            break
    envs.close()
    assert lives_lost == 4 and games_ended == 1  # Breakout: five lives


def test_returns_are_unclipped_while_learning_rewards_are_clipped():
    envs = AtariEnvs("space_invaders", num_envs=1, seed=1, num_threads=1)
    envs.reset()
    rng = np.random.default_rng(1)
    clipped = 0.0
    for _ in range(5000):
        step = envs.step(rng.integers(0, envs.num_actions, size=1))
        assert set(np.unique(step.reward)) <= {0.0, 1.0}
        clipped += float(step.reward.sum())
        if step.episode_returns:
            break
    envs.close()
    # each Space Invaders kill is one clipped reward of 1 and worth 5 to 30 points (a saucer 300)
    assert clipped > 0 and 5 * clipped <= step.episode_returns[0] <= 300 * clipped


def test_frame_cap_truncates_and_the_next_step_is_an_auto_reset():
    envs = AtariEnvs("pong", num_envs=1, seed=0, max_episode_frames=100, num_threads=1)
    envs.reset()
    for _ in range(40):
        step = envs.step(np.array([0]))
        if step.truncated[0]:
            assert not step.terminal[0] and len(step.episode_returns) == 1
            after = envs.step(np.array([0]))
            assert not after.acted[0] and not after.truncated[0]
            assert (after.obs[0, :3] == 0).all()  # a new game: empty history in the stack
            break
    else:
        raise AssertionError("no truncation within 40 steps at a 100-frame cap")
    envs.close()

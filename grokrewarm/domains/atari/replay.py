"""Replay memory that stores each 84x84 frame once and rebuilds stacks and n-step returns when
sampling, with proportional prioritization through a sum tree (Schaul et al. 2016).

Layout: one circular buffer of ``capacity // num_envs`` rows per environment. Every environment
step appends one row per environment (all environments write the same position), holding the
newest frame of the observation the agent acted on, the action, the clipped reward, whether the
step ended learning (``terminal``: game over or a life lost), whether the episode was cut by the
frame cap (``truncated``), whether the observation is the first of an episode (``first``) and
whether the row may start a transition (``valid``: false for the final observation of an episode,
recorded on the auto-reset step whose action the environment ignores, so that step never enters
the memory as a transition but its frame can still be bootstrapped from after a truncation).

A row becomes sampleable once the ``n`` rows after it are written and stops being sampleable when
the frames its stack needs are overwritten; its sum-tree leaf is zero otherwise. Uniform replay is
the same tree with ``alpha = 0`` (every sampleable leaf weighs 1).
"""

from __future__ import annotations

import numpy as np

STACK = 4  # frames per observation (Mnih et al. 2015)


class SumTree:
    """Binary tree over ``capacity`` non-negative leaves; each node holds the sum of its children.

    Updates and sampling are O(log n) per item and vectorized over a batch of items with numpy
    (one loop over tree levels, none over items).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 1 << max(0, (capacity - 1).bit_length())  # leaves, a power of two
        self.depth = self.size.bit_length() - 1
        self.tree = np.zeros(2 * self.size, dtype=np.float64)

    @property
    def total(self) -> float:
        return float(self.tree[1])

    def leaves(self, index: np.ndarray) -> np.ndarray:
        return self.tree[self.size + np.asarray(index)]

    def set(self, index: np.ndarray, value: np.ndarray) -> None:
        """Set leaves ``index`` to ``value`` and recompute their ancestors (exact sums)."""
        node = self.size + np.asarray(index, dtype=np.int64).ravel()
        self.tree[node] = np.broadcast_to(np.asarray(value, dtype=np.float64), node.shape)
        for _ in range(self.depth):  # duplicate parents just get the same sum twice
            node >>= 1
            self.tree[node] = self.tree[2 * node] + self.tree[2 * node + 1]

    def find(self, mass: np.ndarray) -> np.ndarray:
        """For each ``mass`` in [0, total), the leaf whose cumulative-sum interval contains it."""
        mass = np.asarray(mass, dtype=np.float64).copy()
        node = np.ones(mass.shape, dtype=np.int64)
        for _ in range(self.depth):
            # keep mass strictly inside the node, so rounding never walks into an empty subtree
            mass = np.minimum(mass, np.nextafter(self.tree[node], 0.0))
            left = self.tree[2 * node]
            go_right = mass >= left
            mass -= left * go_right
            node = 2 * node + go_right
        return node - self.size

    def state_dict(self) -> dict:
        return {"leaves": self.tree[self.size : self.size + self.capacity].copy()}

    def load_state_dict(self, state: dict) -> None:
        self.tree[:] = 0.0
        self.tree[self.size : self.size + self.capacity] = state["leaves"]
        for level in range(self.depth - 1, -1, -1):
            node = np.arange(1 << level, 2 << level)
            self.tree[node] = self.tree[2 * node] + self.tree[2 * node + 1]


class FrameReplay:
    """Frame-deduplicated replay for ``num_envs`` environments stepping in lockstep.

    ``alpha = 0`` gives uniform sampling; ``alpha > 0`` samples row i with probability
    p_i^alpha / sum_j p_j^alpha, where p_i is its last |TD| (or loss) plus ``priority_eps`` and
    new rows get the largest priority seen so far.
    """

    def __init__(
        self,
        capacity: int,
        num_envs: int = 1,
        n_step: int = 1,
        gamma: float = 0.99,
        alpha: float = 0.0,
        priority_eps: float = 1e-6,
        frame_shape: tuple[int, int] = (84, 84),
    ) -> None:
        rows = capacity // num_envs
        if rows < n_step + STACK + 1:
            raise ValueError(f"capacity {capacity} is too small for {num_envs} envs")
        self.rows, self.num_envs, self.n_step, self.gamma = rows, num_envs, n_step, gamma
        self.alpha, self.priority_eps = alpha, priority_eps
        self.frames = np.zeros((num_envs, rows, *frame_shape), dtype=np.uint8)
        self.actions = np.zeros((num_envs, rows), dtype=np.int64)
        self.rewards = np.zeros((num_envs, rows), dtype=np.float32)
        self.terminal = np.zeros((num_envs, rows), dtype=bool)
        self.truncated = np.zeros((num_envs, rows), dtype=bool)
        self.first = np.zeros((num_envs, rows), dtype=bool)
        self.valid = np.zeros((num_envs, rows), dtype=bool)
        self.tree = SumTree(num_envs * rows)
        self.max_priority = 1.0
        self.written = 0  # rows appended per environment since the start
        self._env_offsets = np.arange(num_envs) * rows

    def __len__(self) -> int:
        """Rows that can start a transition now."""
        return int(np.count_nonzero(self.tree.leaves(np.arange(self.tree.capacity))))

    def _leaves_of_row(self, row: int) -> np.ndarray:
        return self._env_offsets + row % self.rows

    def add(self, frame, action, reward, terminal, truncated, first, valid) -> None:
        """Append one row per environment (arrays of length ``num_envs``; ``frame`` is the newest
        84x84 frame of the observation acted on)."""
        t, pos = self.written, self.written % self.rows
        self.frames[:, pos] = frame
        self.actions[:, pos] = action
        self.rewards[:, pos] = reward
        self.terminal[:, pos] = terminal
        self.truncated[:, pos] = truncated
        self.first[:, pos] = first
        self.valid[:, pos] = valid
        # one tree update: the new row (its n-step window is not written yet), the row whose
        # stack now reaches an overwritten frame, and the row whose window just completed
        leaves, values = [self._leaves_of_row(t)], [np.zeros(self.num_envs)]
        stale = t - self.rows + STACK - 1
        if stale >= 0:
            leaves.append(self._leaves_of_row(stale))
            values.append(np.zeros(self.num_envs))
        ready = t - self.n_step
        if ready >= 0 and ready > stale:
            leaves.append(self._leaves_of_row(ready))
            ok = self.valid[:, ready % self.rows]
            values.append(np.where(ok, self.max_priority**self.alpha, 0.0))
        self.tree.set(np.concatenate(leaves), np.concatenate(values))
        self.written += 1

    def cut_episodes(self) -> None:
        """Make rows whose n-step window reaches past the newest row unsampleable for good (the
        environments restart after a resume, so those windows would run into new episodes)."""
        for row in range(max(0, self.written - self.n_step), self.written):
            self.valid[:, row % self.rows] = False  # their leaves are still zero: see ``add``

    def _stacks(self, env: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Observations ending at rows ``pos``: frames before the episode's first row are zero,
        as the environment shows them."""
        offsets = np.arange(-(STACK - 1), 1)
        rows = (pos[:, None] + offsets) % self.rows
        stacks = self.frames[env[:, None], rows]  # (B, STACK, 84, 84)
        first = self.first[env[:, None], rows]
        # frame j is hidden when a later frame of the stack starts an episode
        later_first = np.flip(np.cumsum(np.flip(first[:, 1:], axis=1), axis=1), axis=1) > 0
        if later_first.any():
            stacks[:, :-1][later_first] = 0
        return stacks

    def sample(self, batch_size: int, rng: np.random.Generator, beta: float = 0.0) -> dict:
        """A batch of n-step transitions: stacked observations, actions, discounted n-step
        returns, bootstrap discounts (0 after a terminal), next observations, leaf indices and
        importance weights (N P(i))^-beta normalized by the batch maximum."""
        total = self.tree.total
        if total <= 0:
            raise RuntimeError("no sampleable transitions in the replay memory yet")
        # stratified: one draw per equal slice of the total mass (Schaul et al. 2016)
        mass = (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)
        leaf = self.tree.find(mass)
        env, pos = np.divmod(leaf, self.rows)
        n = self.n_step
        window = (pos[:, None] + np.arange(n)) % self.rows
        rewards = self.rewards[env[:, None], window]
        terminal = self.terminal[env[:, None], window]
        stop = terminal | self.truncated[env[:, None], window]
        # alive[k]: no stop among steps 0..k-1, so reward k belongs to this transition
        alive = np.concatenate(
            [np.ones((batch_size, 1), bool), np.cumprod(~stop, axis=1)[:, :-1].astype(bool)], 1
        )
        returns = (rewards * alive * self.gamma ** np.arange(n)).sum(axis=1)
        stopped = stop.any(axis=1)
        steps = np.where(stopped, stop.argmax(axis=1) + 1, n)  # rows to the bootstrap row
        ended = (terminal & alive).any(axis=1)
        discounts = np.where(ended, 0.0, self.gamma**steps)
        probabilities = self.tree.leaves(leaf) / total
        weights = (probabilities.min() / probabilities) ** beta
        return {
            "obs": self._stacks(env, pos),
            "actions": self.actions[env, pos],
            "returns": returns.astype(np.float32),
            "discounts": discounts.astype(np.float32),
            "next_obs": self._stacks(env, (pos + steps) % self.rows),
            "indices": leaf,
            "weights": weights.astype(np.float32),
        }

    def update_priorities(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Set the priorities of sampled rows that are still sampleable (a row overwritten since
        it was sampled stays out)."""
        if self.alpha == 0:
            return
        priorities = np.asarray(priorities, dtype=np.float64) + self.priority_eps
        live = self.tree.leaves(indices) > 0
        self.tree.set(indices[live], priorities[live] ** self.alpha)
        self.max_priority = max(self.max_priority, float(priorities.max()))

    def state_dict(self) -> dict:
        arrays = ("frames", "actions", "rewards", "terminal", "truncated", "first", "valid")
        return {
            **{name: getattr(self, name) for name in arrays},
            **self.tree.state_dict(),
            "written": np.int64(self.written),
            "max_priority": np.float64(self.max_priority),
        }

    def load_state_dict(self, state: dict) -> None:
        for name in ("frames", "actions", "rewards", "terminal", "truncated", "first", "valid"):
            getattr(self, name)[...] = state[name]
        self.tree.load_state_dict({"leaves": state["leaves"]})
        self.written = int(state["written"])
        self.max_priority = float(state["max_priority"])

"""Atari (ALE) reinforcement learning: DQN and Rainbow with NaP, LR cycling and resets.

Lyle et al. 2025, Section 6, A.3, B.3, B.4. ``train.train(cfg, run_dir)`` is the Hydra runner
(``runner: grokrewarm.domains.atari.train.train``); ``bench`` times it against a bare loop.
"""

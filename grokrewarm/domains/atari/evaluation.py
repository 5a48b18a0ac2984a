"""Human-normalized scores and aggregate metrics with stratified bootstrap confidence intervals
(Agarwal et al. 2021). rliable 1.2.0 does not import with this environment's pandas (its
dependency ``arch`` 7.2 fails at import), so the few functions used are written here.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np


@cache
def random_human_scores() -> dict[str, tuple[float, float]]:
    """``game -> (random, human)`` from the standard Atari-57 table (Mnih et al. 2015; Badia
    et al. 2020), shipped with the package."""
    text = resources.files("grokrewarm.domains.atari").joinpath("data/atari57_random_human.csv")
    with text.open() as file:
        return {
            row["game"]: (float(row["random"]), float(row["human"])) for row in csv.DictReader(file)
        }


def human_normalized(game: str, score):
    """(score - random) / (human - random)."""
    random, human = random_human_scores()[game]
    return (np.asarray(score, dtype=np.float64) - random) / (human - random)


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean: the mean of the middle 50% of all scores (scipy's trim_mean(0.25))."""
    values = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    cut = int(0.25 * len(values))
    return float(values[cut : len(values) - cut].mean())


AGGREGATES = {
    "iqm": iqm,
    "median": lambda s: float(np.median(s)),
    "mean": lambda s: float(np.mean(s)),
}


def aggregate_with_ci(
    scores: np.ndarray, reps: int = 2000, confidence: float = 0.95, seed: int = 0
) -> dict[str, tuple[float, float, float]]:
    """``scores`` is (runs, games). For each aggregate: (point estimate, CI low, CI high), the
    percentile interval of a bootstrap that resamples runs with replacement within each game
    (stratified by game, as rliable's ``StratifiedBootstrap``). Medians and means are over the
    per-game means of the runs, as in rliable; the IQM is over all run-game scores."""
    scores = np.asarray(scores, dtype=np.float64)
    runs, games = scores.shape
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, runs, size=(reps, runs, games))
    resampled = scores[picks, np.arange(games)]  # (reps, runs, games)
    alpha = (1 - confidence) / 2
    out = {}
    for name, fn in AGGREGATES.items():

        def stat(s, fn=fn, name=name):
            return fn(s) if name == "iqm" else fn(s.mean(axis=0))

        samples = np.array([stat(r) for r in resampled])
        low, high = np.quantile(samples, [alpha, 1 - alpha])
        out[name] = (stat(scores), float(low), float(high))
    return out

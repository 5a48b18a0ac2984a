"""Human-normalized scores and rliable's aggregate metrics (Agarwal et al. 2021): IQM, median,
mean and optimality gap with stratified bootstrap confidence intervals, and performance profiles.

rliable's ``StratifiedBootstrap`` draws its resampling indices from NumPy's global legacy RNG
(``np.random.choice``), not from the ``random_state`` it accepts (which arch only stores, with a
FutureWarning). Reproducible intervals therefore come from seeding the global RNG around each
call; :func:`_seeded_global_rng` does that and restores the caller's global state afterwards.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources

import numpy as np
from rliable import library, metrics

# rliable's default for ``get_interval_estimates`` is 50,000 replications (its README's too);
# 10,000 keeps a figure's summary at ~1.3 s per (agent setting, variant) at 26 games x 5
# seeds, and the Monte-Carlo error of the 2.5%/97.5% percentiles is then ~0.16 percentage points
# of coverage (sqrt(0.025 * 0.975 / 10_000)), well below the spread between seeds.
BOOTSTRAP_REPS = 10_000
PROFILE_REPS = 2_000  # rliable's default for ``create_performance_profile``
SEED = 0


@cache
def random_human_scores() -> dict[str, tuple[float, float]]:
    """``game -> (random, human)`` from the standard Atari-57 table (Mnih et al. 2015; Badia
    et al. 2020), shipped with the package."""
    text = resources.files("grokrewarm.domains.atari").joinpath("data/atari57_random_human.csv")
    with text.open() as file:
        return {
            row["game"]: (float(row["random"]), float(row["human"])) for row in csv.DictReader(file)
        }


@cache
def published_atari100k_scores() -> dict[tuple[str, str], float]:
    """``(game, agent) -> mean final score`` of published Atari-100k agents (DER, DrQ(eps)),
    with their sources in ``data/atari100k_published.csv``."""
    text = resources.files("grokrewarm.domains.atari").joinpath("data/atari100k_published.csv")
    with text.open() as file:
        return {(row["game"], row["agent"]): float(row["score"]) for row in csv.DictReader(file)}


def human_normalized(game: str, score):
    """(score - random) / (human - random)."""
    random, human = random_human_scores()[game]
    return (np.asarray(score, dtype=np.float64) - random) / (human - random)


def iqm(scores) -> float:
    """Interquartile mean over all scores: rliable's ``aggregate_iqm`` (scipy's 25% trim_mean)."""
    return float(metrics.aggregate_iqm(np.asarray(scores, dtype=np.float64)))


# name -> rliable estimator of a (runs, games) matrix. Median and mean are over the per-game means
# of the runs; IQM and optimality gap (gamma = 1, human level) are over all run-game scores.
AGGREGATES = {
    "iqm": metrics.aggregate_iqm,
    "median": metrics.aggregate_median,
    "mean": metrics.aggregate_mean,
    "optimality_gap": metrics.aggregate_optimality_gap,
}


@contextmanager
def _seeded_global_rng(seed: int) -> Iterator[None]:
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _all_aggregates(scores: np.ndarray) -> np.ndarray:
    return np.array([fn(scores) for fn in AGGREGATES.values()])


def aggregate_with_ci(
    scores: np.ndarray,
    reps: int = BOOTSTRAP_REPS,
    confidence: float = 0.95,
    seed: int = SEED,
) -> dict[str, tuple[float, float, float]]:
    """``scores`` is (runs, games). For each of :data:`AGGREGATES`: (point estimate, CI low,
    CI high) from rliable's ``get_interval_estimates``: the percentile interval of a bootstrap
    that resamples runs with replacement within each game (stratified by game). All aggregates
    share the same ``reps`` resamples; a given ``seed`` gives the same intervals on every call."""
    scores = np.asarray(scores, dtype=np.float64)
    with _seeded_global_rng(seed):
        points, intervals = library.get_interval_estimates(
            {"scores": scores},
            _all_aggregates,
            method="percentile",
            reps=reps,
            confidence_interval_size=confidence,
        )
    point, (low, high) = points["scores"], intervals["scores"]
    return {
        name: (float(point[i]), float(low[i]), float(high[i])) for i, name in enumerate(AGGREGATES)
    }


def performance_profile(
    scores: np.ndarray,
    taus: np.ndarray,
    reps: int = PROFILE_REPS,
    confidence: float = 0.95,
    seed: int = SEED,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """rliable's score-distribution performance profile of a (runs, games) matrix: the fraction
    of run-game scores above each ``tau``, with its stratified bootstrap percentile interval.
    Returns (profile, low, high), each of ``len(taus)``."""
    scores = np.asarray(scores, dtype=np.float64)
    with _seeded_global_rng(seed):
        profiles, intervals = library.create_performance_profile(
            {"scores": scores},
            np.asarray(taus, dtype=np.float64),
            reps=reps,
            confidence_interval_size=confidence,
        )
    low, high = intervals["scores"]
    return profiles["scores"], low, high

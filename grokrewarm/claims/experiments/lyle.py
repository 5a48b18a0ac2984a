"""Lyle et al. 2025 (ELR re-warming, Normalize-and-Project): the claims of each experiment."""

import math
import re

import pandas as pd

from grokrewarm.analysis.runs import GROKKED_ACC, RANK_DROP
from grokrewarm.claims.core import MissingRows, column, floats, kind, require, rows

# --- reaches a threshold / never does, per condition (Lyle et al. 2025: one row per condition)


@kind
def seeds_grok(summary, every: bool = True, **where):
    """Test accuracy reaches ``GROKKED_ACC`` in every seed of every matching condition (or, not
    ``every``, in no seed of any)."""
    found = rows(summary, **where)
    grokked = column(found, "grokked_seeds")
    hit = grokked == column(found, "seeds") if every else grokked > 0
    acc = column(found, "final_test_acc_mean")
    return bool(hit.all() if every else not hit.any()), {
        "offsets": len(found),
        f"offsets_{'all_seeds' if every else 'any_seed'}_grokked": int(hit.sum()),
        f"{'min' if every else 'max'}_final_test_acc": float(acc.min() if every else acc.max()),
        "threshold": GROKKED_ACC,
    }


# --- within k points of a reference: the warm-start gap (Lyle et al. 2025, Section 5) -----------
#
# The summary has one row per (panel, method, initial fraction), ``gap_to_100pct`` = the method's
# mean final test accuracy from 100% minus this fraction's. The paper judges its warm-start
# figures by eye ("the same final generalization performance") and gives no number: two final
# test accuracies are "the same" within SAME_ACC, 1 percentage point: above the noise of a 5-seed
# mean (the paper's seeds) when seeds spread by half a point (the standard error of a difference
# of two such means is then 0.3 points), and no finer than the paper's plots let a reader judge.
# A gap "closes" when no initial fraction ends more than SAME_ACC below the 100% run, and is
# "kept" otherwise; a fraction ending above its 100% run is no gap (Section 5: the 100% run
# "presents an upper bound").
SAME_ACC = 0.01
# Section 5.1: "three initial dataset fractions, corresponding to 10%, 50%, and 100%"; a check
# needs at least the smallest (where the gap is largest) and the 100% run it is measured against
SMALLEST_FRACTION = 0.1
# A 100% run ending within SAME_ACC of chance (10 classes) learned nothing (e.g. diverged at a
# high LR): a gap against it would read as "closed" and say nothing, so it is 'cannot tell'.
CHANCE_ACC = 0.1


def fractions(summary: pd.DataFrame, panel: str, method: str) -> pd.DataFrame:
    """The method's rows by initial fraction; 'cannot tell' without the smallest or 100%."""
    found = rows(summary, panel=panel, method=method).sort_values("initial_fraction")
    values = column(found, "initial_fraction")
    for needed in (SMALLEST_FRACTION, 1.0):
        if not (values - needed).abs().lt(1e-9).any():
            raise MissingRows(f"no {needed:.0%} initial-fraction run of {panel}/{method}")
    return found


def gaps(summary: pd.DataFrame, panel: str, method: str) -> dict[float, float]:
    """{initial fraction below 100%: gap to the method's 100% run}."""
    found = fractions(summary, panel, method)
    reference = float(column(found[found["initial_fraction"] >= 1.0], "final_test_acc_mean").max())
    if reference <= CHANCE_ACC + SAME_ACC:
        raise MissingRows(
            f"the 100% run of {panel}/{method} ended at chance (test accuracy "
            f"{reference:.3f}): no reference to measure a gap against"
        )
    warm = found[found["initial_fraction"] < 1.0]
    return dict(zip(warm["initial_fraction"], column(warm, "gap_to_100pct"), strict=True))


@kind
def gap(summary, panel: str, method: str, closed: bool = True):
    """The method's warm-start gap closes (or, not ``closed``, is kept)."""
    found = gaps(summary, panel, method)
    worst = float(max(found.values()))
    numbers = {f"gap_f{fraction:g}": float(v) for fraction, v in found.items()}
    return (worst <= SAME_ACC) == closed, numbers | {"max_gap": worst, "tol": SAME_ACC}


# --- ordered over games (Atari: one row per group, variant and game, plus 'ALL' aggregates) -----
#
# Per-game comparisons use ``final_return`` (on one game the human-normalized score is an
# increasing affine map of it, so the order is the same, and it exists for every game); aggregate
# ones use rliable's IQM with its 95% stratified bootstrap CI, which the figures draw.

# the summary's agent settings: Rainbow + NaP at the low replay ratio (Lyle Fig. 6 LHS, 11, 12),
# DQN and Rainbow without NaP at the high one (Fig. 6 RHS, 7, 10)
LOW_UTD_RAINBOW = "rainbow, NaP, replay ratio 0.25"
HIGH_UTD_DQN = "dqn, replay ratio 1"
HIGH_UTD_RAINBOW = "rainbow, replay ratio 1"
# "most games" is a majority of the games evaluated (more than half); under three games a majority
# is one or two coin flips (the paper's claims are over 20 or 57 games), so fewer: 'cannot tell'
MIN_GAMES = 3
# a stratified bootstrap CI resamples runs within each game: with one run per game it has zero
# width, so the checks that read an interval ("significant", "large gap", "similar",
# "does not improve") need at least two runs on every game (the paper budget has three seeds)
MIN_RUNS_FOR_CI = 2
IQM = ("iqm", "iqm_low", "iqm_high")


def per_game(summary, group: str, variants: list[str], named=None, min_games: int = MIN_GAMES):
    """Final return per game (index) and variant (columns) of the group, on the games (of
    ``named`` only, when given) where every variant has one; 'cannot tell' under ``min_games``."""
    found = rows(summary, group=group, variant=variants)
    found = found[found["game"].isin(named) if named else found["game"] != "ALL"]
    require(found, "final_return")
    wide = found.pivot(index="game", columns="variant", values="final_return")
    wide = wide.reindex(columns=variants).dropna()  # a variant with no rows leaves no game
    if len(wide) < min_games:
        raise MissingRows(
            f"{len(wide)} game(s) with a final return for every one of "
            f"{', '.join(variants)} ({group}), {min_games} needed"
        )
    return wide


@kind
def games_won(summary, group: str, variants: list[str], wins, needed=None):
    """Each comparison of ``wins(returns)``, ``{label: a boolean per game}`` over the per-game
    final returns, holds on ``needed(games)`` games or more; by default on most games."""
    returns = per_game(summary, group, variants)
    counts = {label: int(hit.sum()) for label, hit in wins(returns).items()}
    need = needed(len(returns)) if needed else len(returns) // 2 + 1
    numbers = {"games": len(returns)} | {f"games_{label}": n for label, n in counts.items()}
    return all(n >= need for n in counts.values()), numbers | {"needed": need}


def beats_on_most_games(group: str, better: str, others: list[str]):
    """``better`` ends strictly above each of ``others`` on more than half of the games."""
    return games_won(
        group, [better, *others], lambda r: {f"above_{o}": r[better] > r[o] for o in others}
    )


@kind
def iqm_order(summary, group: str, variants: list[str], holds, min_runs: int = 1):
    """``holds(iqms)`` over the variants' IQM of human-normalized final scores and its 95% CI
    (point, low, high), from the group's ``ALL`` rows; 'cannot tell' unless every variant's
    aggregate covers the same MIN_GAMES or more games with ``min_runs`` runs or more each (IQMs
    over different games are not comparable)."""
    iqms, games = {}, set()
    for variant in variants:
        found = rows(summary, group=group, variant=variant)
        scored = found[(found["game"] != "ALL") & found["human_normalized"].notna()]
        if len(scored) < MIN_GAMES:
            raise MissingRows(
                f"{len(scored)} game(s) with a human-normalized score for {variant} "
                f"({group}), {MIN_GAMES} needed"
            )
        if (scored["runs"] < min_runs).any():
            raise MissingRows(f"fewer than {min_runs} runs on some game for {variant} ({group})")
        games.add(frozenset(scored["game"]))
        aggregate = rows(summary, group=group, variant=variant, game="ALL")
        iqms[variant] = tuple(float(column(aggregate, name).iloc[0]) for name in IQM)
    if len(games) > 1:
        raise MissingRows(f"the variants' aggregates cover different games ({group})")
    numbers = {f"{v}_{name}": x for v, ci in iqms.items() for name, x in zip(IQM, ci, strict=True)}
    return bool(holds(iqms)), numbers


CLAIMS: dict[str, dict] = {}

# --- Fig. 2: grokking with and without the norm-constraining projection
CONDITION = re.compile(r"^(?P<projection>[a-z]+)_lr(?P<lr>[^_]+)_wd(?P<wd>[^_]+)_sd(?P<sd>[^_]+)$")


def conditions(summary, panel: str, projection: str) -> pd.DataFrame:
    """The panel's runs under ``projection`` ('nap' or 'none'), with lr, wd and sd parsed from
    the condition (``nap_lr0.01_wd1.0_sd0.0``) and all_grokked (in every seed)."""
    found = rows(summary, panel=panel)
    parts = found["condition"].str.extract(CONDITION)
    if parts.isna().any().any():
        raise MissingRows(f"unparsable Fig. 2 conditions: {found['condition'].tolist()}")
    all_grokked = column(found, "grokked_seeds") == column(found, "seeds")
    found = found.assign(**parts[["lr", "wd", "sd"]].astype(float), all_grokked=all_grokked)
    found = found[parts["projection"] == projection]
    if found.empty:
        raise MissingRows(f"no {projection} runs in Fig. 2 {panel}")
    return found


def projection_groks_consistently(summary):
    projected = conditions(summary, "lhs", "nap")
    top = projected[projected["lr"] == projected["lr"].max()]
    grokked = int(top["all_grokked"].sum())
    numbers = {"lr": float(top["lr"].iloc[0]), "conditions": len(top)}
    return grokked == len(top) >= 2, numbers | {"all_seeds_grokked": grokked}


def unconstrained_needs_weight_decay(summary):
    free = conditions(summary, "lhs", "none")
    if not {0.01, 1.0} <= set(free["wd"]):
        raise MissingRows("unconstrained runs at weight decay 0.01 and 1.0 are both needed")
    at = {wd: int((free["grokked_seeds"] > 0)[free["wd"] == wd].sum()) for wd in (0.01, 1.0)}
    return at[1.0] > at[0.01], {"lrs_grokked_wd1": at[1.0], "lrs_grokked_wd0.01": at[0.01]}


def layernorm_needs_scale_decay(summary):
    projected = conditions(summary, "rhs", "nap")
    without, with_decay = projected[projected["sd"] == 0], projected[projected["sd"] > 0]
    if without.empty or with_decay.empty:
        raise MissingRows("projected runs with and without scale decay are both needed")
    holds = (without["grokked_seeds"] == 0).all() and with_decay["all_grokked"].any()
    return bool(holds), {
        "grokked_seeds_without": int(without["grokked_seeds"].sum()),
        "scale_decays_all_seeds_grokked": floats(with_decay.loc[with_decay["all_grokked"], "sd"]),
    }


CLAIMS["fig2"] = {
    # Section 3.2: periodic re-scaling makes grokking fast and consistent across seeds
    "Fig. 2 LHS: the projected network at the largest LR groks in every seed at both weight "
    "decays": projection_groks_consistently,
    "Fig. 2 LHS: without projection, grokking needs large weight decay: the unconstrained network "
    "groks at more LRs with weight decay 1.0 than with 0.01": unconstrained_needs_weight_decay,
    # Section 3.2: "weight normalization completely fails to generalize" with LayerNorm unless
    # weight decay is applied to the norm scales
    "Fig. 2 RHS: the projected LayerNorm network groks in no seed without scale decay and in every "
    "seed with it (at 1.0 or 10.0)": layernorm_needs_scale_decay,
}

# --- Fig. 3: grokking induced by re-warming the LR after an offset
CLAIMS["fig3"] = {
    # Fig. 3 caption: "We can induce grokking at arbitrary points during training ... increasing
    # the learning rate to 0.01 leads to feature learning and grokking"; Section 4.2: "even after
    # several hundred thousand optimizer steps, it is still possible to induce grokking". Read as:
    # grokked = test accuracy >= 95% (analysis.runs.GROKKED_ACC) after every offset, in every seed
    "Fig. 3 LHS: re-warming to a peak of 1e-2 induces grokking after every offset": seeds_grok(
        panel="lhs"
    ),
    "Fig. 3 RHS: re-warming to a peak of 1e-3 induces grokking after no offset": seeds_grok(
        every=False, panel="rhs"
    ),
}

# --- Fig. 4: warm-starting from a fraction of the data, re-warmed when the rest is added
CLAIMS["fig4"] = {
    # Section 5.1: the NaP variant "attains the same final generalization performance independent
    # of the initial dataset size"; "same" = within SAME_ACC
    "Fig. 4: projected networks re-warmed when the data is added reach the same final "
    "test accuracy from every initial fraction: none ends more than 1 point below the "
    "100% run": gap("main", "nap_fixed"),
    # Fig. 4 caption: re-warming norm-constrained networks shows "significant improvements on
    # CIFAR-10 over naively applying learning rate cycling on an unregularized network"
    "Fig. 4: unconstrained networks with the same re-warm keep a warm-start gap: some initial "
    "fraction ends more than 1 point below the 100% run": gap("main", "none_fixed", closed=False),
}

# --- Fig. 5: per-layer LR rules (LHS) and ablations of projection and the changepoint re-warm (RHS)
LHS = "nap_fixed_{}"  # LHS methods: NaP, re-warmed at the addition, a per-layer rule
# RHS methods: projection x re-warm trigger (the RHS keeps one LR for all layers)
RHS_METHODS = {
    "full": "nap_cusum_none",
    "no_changepoint": "nap_warmup_cosine_none",
    "no_projection": "none_cusum_none",
    "neither": "none_warmup_cosine_none",
}


def final_layer_lr_does_not_matter(summary):
    constant, fast = (
        fractions(summary, "lhs", LHS.format(rule)).set_index("initial_fraction")
        for rule in ("constant", "fast_features")
    )
    if set(constant.index) != set(fast.index):
        raise MissingRows(
            f"initial fractions differ: constant {list(constant.index)}, fast {list(fast.index)}"
        )
    diff = (fast["final_test_acc_mean"] - constant["final_test_acc_mean"]).abs()
    numbers = {f"acc_diff_f{f:g}": float(d) for f, d in diff.items()}
    return bool((diff <= SAME_ACC).all()), numbers | {"tol": SAME_ACC}


def feature_lr_changes_gap(summary):
    constant, slow = (
        float(gaps(summary, "lhs", LHS.format(rule))[SMALLEST_FRACTION])
        for rule in ("constant", "slow_features")
    )
    numbers = {"gap_constant": constant, "gap_slow_features": slow, "change": slow - constant}
    return abs(slow - constant) > SAME_ACC, numbers | {"tol": SAME_ACC}


@kind
def warm_started_below(summary, lower: list[str], than: list[str], by: float = 0.0):
    """Each RHS method of ``lower`` ends more than ``by`` below each of ``than`` in warm-started
    final test accuracy, the mean over the initial fractions below 100% (at 100% nothing is added
    for the re-warm to answer); all four RHS methods must be there."""
    accs = {}
    for name, method in RHS_METHODS.items():
        warm = fractions(summary, "rhs", method).query("initial_fraction < 1.0")
        accs[name] = float(column(warm, "final_test_acc_mean").mean())
    drops = {name: min(accs[other] for other in than) - accs[name] for name in lower}
    numbers = {f"acc_{name}": acc for name, acc in accs.items()}
    numbers |= {f"drop_{name}": drop for name, drop in drops.items()}
    return all(drop > by for drop in drops.values()), numbers | {"tol": by}


CLAIMS["fig5"] = {
    # Section 5.2: "provided the learning rate on the features component of the network is held
    # constant, the learning rate on the final linear layer does not have a noticeable effect on
    # performance"; "noticeable" = more than SAME_ACC
    "Fig. 5 LHS: dividing only the final layer's LR by 10 (fast features) leaves the "
    "final test accuracy within 1 point of the constant rule's at every initial "
    "fraction": final_layer_lr_does_not_matter,
    # Fig. 5 caption: "Re-scaling learning rates in different layers results in significant changes
    # in the magnitude of the warm-starting effect"; with the final layer's LR ruled out (Section
    # 5.2), the feature layers' LR is what must change it; no direction is stated, none is checked
    "Fig. 5 LHS: dividing the feature layers' LR by 10 (slow features) changes the "
    "warm-start gap from the smallest initial fraction by more than 1 point against the "
    "constant rule": feature_lr_changes_gap,
    # Section 5.1: "removing any single component of this approach degrades performance";
    # a degradation = more than SAME_ACC lower
    "Fig. 5 RHS: removing either projection or the CUSUM changepoint re-warm lowers the "
    "warm-started final test accuracy (mean over initial fractions below 100%) by more than 1 "
    "point": warm_started_below(["no_changepoint", "no_projection"], ["full"], SAME_ACC),
    # Section 5.1: "with the unconstrained parameters trained on a single continuous learning rate
    # decay performing worst"
    "Fig. 5 RHS: the unconstrained network under a single warmup-cosine over the whole run has "
    "the lowest warm-started final test accuracy (mean over initial fractions below 100%) of the "
    "four": warm_started_below(["neither"], ["full", "no_changepoint", "no_projection"]),
}

# --- Fig. 6 (Section 6.1): Rainbow + NaP at the low replay ratio (LHS), DQN at the high one (RHS)
# Section 6.1 / Fig. 6 caption name the games where cycling "suffers from instability": "seaquest
# and krull" (text), "Seaquest and Wizard of Wor" (caption)
UNSTABLE_GAMES = ("seaquest", "krull", "wizard_of_wor")
RHS = ["cyclic", "baseline", "low_lr"]


def cyclic_unstable_on_a_named_game(summary):
    returns = per_game(summary, HIGH_UTD_DQN, RHS, UNSTABLE_GAMES, min_games=1)
    best_fixed = returns[["baseline", "low_lr"]].max(axis=1)
    below = returns["cyclic"] < best_fixed
    return bool(below.any()), {
        "named_games": len(returns),
        "named_games_below_best_fixed": int(below.sum()),
        **{f"{g}_cyclic": float(v) for g, v in returns["cyclic"].items()},
        **{f"{g}_best_fixed": float(v) for g, v in best_fixed.items()},
    }


CLAIMS["fig6"] = {
    # Section 6.1: "the cyclic LR agent recovers more rapidly and attains higher final
    # performance on most environments" (than resets); "most" = more than half
    "Fig. 6 LHS: with Rainbow + NaP at the low replay ratio, the cyclic LR ends "
    "with a higher return than resets on more than half of the games (at least "
    "three)": beats_on_most_games(LOW_UTD_RAINBOW, "cyclic", ["resets"]),
    # Fig. 6 caption: cycling "exhibits heterogeneous effects across environments, outperforming
    # resets and a constant learning rate"; heterogeneous, so not every game: read as most games,
    # the same reading as the text's claim against resets
    "Fig. 6 LHS: with Rainbow + NaP at the low replay ratio, the cyclic LR ends with a "
    "higher return than the constant LR on more than half of the games (at least "
    "three)": beats_on_most_games(LOW_UTD_RAINBOW, "cyclic", ["constant"]),
    # Fig. 6 caption: "exhibiting similar performance to a single cycle of learning rate decay";
    # Section 6.1: "convergence of the cyclic schedules to approximately the same performance at
    # the end of training regardless of the number of cycles". The paper gives no tolerance:
    # "similar" is read as not told apart by the bootstrap (overlapping 95% CIs of the IQM)
    "Fig. 6 LHS: with Rainbow + NaP at the low replay ratio, the cyclic LR and a single cycle end "
    "at about the same IQM human-normalized score: their 95% CIs overlap": iqm_order(
        LOW_UTD_RAINBOW,
        ["cyclic", "single_cycle"],
        lambda q: q["cyclic"][1] <= q["single_cycle"][2] and q["single_cycle"][1] <= q["cyclic"][2],
        MIN_RUNS_FOR_CI,
    ),
    # Fig. 6 caption: "outperforming both fixed learning rate baselines in several environments";
    # Section 6.1: "the cyclic variant often exhibits performance improvements". Not "most":
    # "several" is more than one game, "often" is read as at least a quarter of those evaluated
    "Fig. 6 RHS: with DQN at the high replay ratio, the cyclic LR ends above both fixed "
    "LRs (6.25e-5 and 1e-6) on several games: at least a quarter of the games and at least "
    "two": games_won(
        HIGH_UTD_DQN,
        RHS,
        lambda r: {"above_both": r["cyclic"] > r[["baseline", "low_lr"]].max(axis=1)},
        lambda games: max(2, math.ceil(games / 4)),
    ),
    # Section 6.1: the cyclic variant "suffers from similar degrees of instability in
    # environments such as seaquest and krull as the higher learning rate variant"; caption:
    # "sometimes suffers from instability in environments like Seaquest and Wizard of Wor". The
    # summary has final returns only, so instability is read as what it costs at the end: cycling
    # does not end above both fixed LRs there. Needs at least one of those games, not three
    "Fig. 6 RHS: with DQN at the high replay ratio, the cyclic LR ends below the better "
    "fixed LR on at least one of Seaquest, Krull and Wizard of Wor (the games the paper "
    "names)": cyclic_unstable_on_a_named_game,
}

# --- Fig. 7 (Section 6.2): DQN and Rainbow at the high replay ratio, cycling stopped after 10
# cycles ('early_stopped')
# Section 6.2: "consistent and dramatic performance improvements in both Rainbow and DQN agents";
# "improvements over the constant low learning rate"; "consistent" = on most games
OTHERS = ["constant", "cyclic", "low_lr"]
# Fig. 7 caption: "significant improvements over the constant and continual cyclic learning
# rates"; Section 6.2: "dramatic performance improvements". Significant = the intervals do not
# overlap: the early-stopped IQM's 95% CI lies above both others' CIs
SIGNIFICANT = ["early_stopped", "constant", "cyclic"]
NAMED_GAMES = ("seaquest", "krull")


def cis_apart(iqms) -> bool:
    return iqms["early_stopped"][1] > max(iqms["constant"][2], iqms["cyclic"][2])


def wins_on_seaquest_and_krull(summary):
    numbers, wins = {}, 0
    for agent, group in (("dqn", HIGH_UTD_DQN), ("rainbow", HIGH_UTD_RAINBOW)):
        returns = per_game(summary, group, SIGNIFICANT, NAMED_GAMES, len(NAMED_GAMES))
        best_other = returns[["constant", "cyclic"]].max(axis=1)
        wins += int((returns["early_stopped"] > best_other).sum())
        for game, early_stopped in returns["early_stopped"].items():
            numbers[f"{agent}_{game}_early_stopped"] = float(early_stopped)
            numbers[f"{agent}_{game}_best_other"] = float(best_other[game])
    return wins == 2 * len(NAMED_GAMES), {"wins": wins, "of": 2 * len(NAMED_GAMES), **numbers}


CLAIMS["fig7"] = {
    "Fig. 7: DQN at the high replay ratio with cycling stopped after 10 cycles "
    "ends with a higher return than each of the constant 6.25e-5, continual "
    "cycling and the constant 1e-6 on more than half of the games (at least "
    "three)": beats_on_most_games(HIGH_UTD_DQN, "early_stopped", OTHERS),
    "Fig. 7: Rainbow at the high replay ratio with cycling stopped after 10 "
    "cycles ends with a higher return than each of the constant 6.25e-5, "
    "continual cycling and the constant 1e-6 on more than half of the games (at "
    "least three)": beats_on_most_games(HIGH_UTD_RAINBOW, "early_stopped", OTHERS),
    "Fig. 7: DQN at the high replay ratio with cycling stopped after 10 cycles has a higher "
    "IQM human-normalized score than the constant LR and continual cycling, with 95% CIs "
    "apart": iqm_order(HIGH_UTD_DQN, SIGNIFICANT, cis_apart, MIN_RUNS_FOR_CI),
    "Fig. 7: Rainbow at the high replay ratio with cycling stopped after 10 cycles has a "
    "higher IQM human-normalized score than the constant LR and continual cycling, with 95% "
    "CIs apart": iqm_order(HIGH_UTD_RAINBOW, SIGNIFICANT, cis_apart, MIN_RUNS_FOR_CI),
    # Section 6.2: "We observe particularly significant improvements in seaquest and krull, two
    # domains where the cyclic learning rate schedule struggled with instability". The summary
    # has no per-game CI, so "significant" there is read as a win on each game, for each agent
    "Fig. 7: on Seaquest and Krull, both DQN and Rainbow with cycling stopped after 10 "
    "cycles end with a higher return than with the constant LR and with continual "
    "cycling": wins_on_seaquest_and_krull,
}

# --- Fig. 8: the rank of the attention outputs as the network groks
MIN_MEASURED = 3  # runs with the rank measured across grokking, fewer: cannot tell


def grokking_coincides_with_rank_drop(summary):
    found = rows(summary)
    measured = int(column(found, "rank_drop_seeds").sum())
    if measured < MIN_MEASURED:
        raise MissingRows(
            f"{measured} run(s) with the rank measured across grokking, {MIN_MEASURED} needed"
        )
    dropped = int(column(found, "rank_dropped_seeds").sum())
    return dropped > measured / 2, {
        "grokked_runs_measured": measured,
        "runs_with_rank_drop": dropped,
        "grokked_runs": int(column(found, "grokked_seeds").sum()),
        "relative_drop_threshold": RANK_DROP,
    }


CLAIMS["fig8"] = {
    # Caption: "Grokking frequently coincides with a reduction in the rank of the attention
    # outputs" ("frequently" read as more than half); B.1 says "consistently". The drop is
    # measured from the last step below 50% test accuracy to the lowest rank up to one grokking
    # delay after the first step at 95% (analysis.runs.attention_rank_drop); RANK_DROP = 10%
    # relative (why this reading, and the one it replaced: results/fig8/NOTES.md).
    "Fig. 8: grokking frequently coincides with a reduction in the rank of the attention "
    "outputs: in more than half of the runs that grok, the rank drops by 10% or more as they "
    "grok": grokking_coincides_with_rank_drop,
}

# --- Fig. 9: warm-starting under a cyclic LR not aligned with the data addition
CLAIMS["fig9"] = {
    # B.2: data "added half-way through the third cycle. We see in Figure 9 that this setting also
    # closes the generalization gap"; "closes" = within SAME_ACC
    "Fig. 9: with a cyclic LR whose re-warms do not align with the data addition, projected "
    "networks still reach the same final test accuracy from every initial fraction: none ends more "
    "than 1 point below the 100% run": gap("main", "nap_cyclic"),
}

# --- Fig. 10 (B.3): DQN at the high replay ratio, cycling stopped after 2, 5 or 10 cycles
STOPS = ["stop_2_cycles", "stop_5_cycles", "stop_10_cycles"]
CLAIMS["fig10"] = {
    # B.3: "qualitatively similar effects across all three stopping points when compared to a
    # fixed learning rate"; Section 6.2: "the DQN agent exhibits similar benefits from
    # early-stopping at 8M or 20M frames" (the benefit of Fig. 7: read there as most games)
    "Fig. 10: DQN at the high replay ratio ends with a higher return than the constant LR on "
    "more than half of the games (at least three) whether cycling stops after 2, 5 or 10 "
    "cycles": games_won(
        HIGH_UTD_DQN,
        ["constant", *STOPS],
        lambda r: {f"{stop}_above_constant": r[stop] > r["constant"] for stop in STOPS},
    ),
    # Fig. 10 caption: "On average, running the cyclic learning rate schedule for longer before
    # annealing results in slightly better performance". "On average" = the IQM (the figures'
    # average); "slightly" and B.3's "some variance in outcomes": the two ends of the range are
    # compared (point estimates; no CI, a slight gain need not clear one), 5 cycles reported
    "Fig. 10: DQN at the high replay ratio has a higher IQM "
    "human-normalized score when cycling stops after 10 cycles than after "
    "2": iqm_order(HIGH_UTD_DQN, STOPS, lambda q: q["stop_10_cycles"][0] > q["stop_2_cycles"][0]),
    # Fig. 10 caption: "this improvement depends on the game and is not uniform"
    "Fig. 10: the gain from cycling longer is not uniform: on at least one game (of at least "
    "three) DQN ends higher when cycling stops after 2 or 5 cycles than after 10": games_won(
        HIGH_UTD_DQN,
        STOPS,
        lambda r: {"shorter_cycling_above_10": r[STOPS[:2]].max(axis=1) > r["stop_10_cycles"]},
        lambda games: 1,
    ),
}

# --- Fig. 11 (B.4): Rainbow + NaP at the low replay ratio: stop to 1e-7 at 3/4, resets with a
# cyclic LR
NON_RESET = ["constant", "cyclic", "stop_1e-7"]
CLAIMS["fig11"] = {
    # Fig. 11 caption: "Early-stopping of the learning rate cycling to a very small learning rate
    # (1e-7) does not improve performance"; compared with the schedule it stops (cyclic). "Does
    # not improve" = no gain beyond the bootstrap noise: its IQM at most cyclic's CI's upper end
    "Fig. 11: with Rainbow + NaP at the low replay ratio, stopping the cycling at 3/4 of the "
    "budget to 1e-7 does not raise the IQM human-normalized score above the 95% CI of cycling "
    "throughout": iqm_order(
        LOW_UTD_RAINBOW,
        ["stop_1e-7", "cyclic"],
        lambda q: q["stop_1e-7"][0] <= q["cyclic"][2],
        MIN_RUNS_FOR_CI,
    ),
    # Fig. 11 caption: "adding a cyclic learning rate schedule to the reset variant which matches
    # the reset frequency improves performance over the constant learning rate variant"
    "Fig. 11: with Rainbow + NaP at the low replay ratio, resets with a cyclic LR aligned to the "
    "reset period have a higher IQM human-normalized score than resets at a constant LR": iqm_order(
        LOW_UTD_RAINBOW,
        ["resets_cyclic", "resets"],
        lambda q: q["resets_cyclic"][0] > q["resets"][0],
    ),
    # Fig. 11 caption: it "still leaves a large gap with the non-reset variants"; a large gap =
    # the intervals do not overlap (resets_cyclic's upper end below each one's lower end)
    "Fig. 11: with Rainbow + NaP at the low replay ratio, resets with a cyclic LR stay below every "
    "agent that is not reset (constant, cyclic, stop to 1e-7): their IQM 95% CIs apart": iqm_order(
        LOW_UTD_RAINBOW,
        ["resets_cyclic", *NON_RESET],
        lambda q: all(q["resets_cyclic"][2] < q[v][1] for v in NON_RESET),
        MIN_RUNS_FOR_CI,
    ),
}

# --- Fig. 12 (B.4): per-game curves of the Fig. 6 LHS runs
# B.4 only says "We include per-game results for the Rainbow agent trained in the
# low-update-to-data regime in Figure 12 for all 57 games"; the per-game claims about these runs
# are Section 6.1's: "heterogeneous effects from learning rate cycling across environments" and
# cycling "attains higher final performance on most environments" than resets. Its "performance
# of all methods frequently converged to the same final value" gives no tolerance for "the same"
# and is not checked.
VARIANTS = ["constant", "resets", "cyclic", "single_cycle"]


def effects_heterogeneous(summary):
    wide = per_game(summary, LOW_UTD_RAINBOW, VARIANTS)
    at_best = wide.eq(wide.max(axis=1), axis=0)  # a tie counts as best for each tied schedule
    return not at_best.all().any(), {
        "games": len(wide),
        **{f"games_{v}_best": int(at_best[v].sum()) for v in VARIANTS},
    }


CLAIMS["fig12"] = {
    # Section 6.1: "We observe heterogeneous effects from learning rate cycling across
    # environments"; the weakest reading: the per-game best schedule is not always the same one
    "Fig. 12: with Rainbow + NaP at the low replay ratio, no schedule ends highest on every game "
    "(of at least three): which of constant, resets, cyclic and single cycle is best depends on "
    "the game": effects_heterogeneous,
    # Section 6.1 (these are the Fig. 6 LHS runs, drawn per game): "the cyclic LR agent recovers
    # more rapidly and attains higher final performance on most environments"
    "Fig. 12: with Rainbow + NaP at the low replay ratio, the cyclic LR ends "
    "with a higher return than resets on more than half of the games (at least "
    "three)": beats_on_most_games(LOW_UTD_RAINBOW, "cyclic", ["resets"]),
}

# --- Fig. 13: per-layer LR rules re-warmed to the initial LR and to 10x it
# methods: "<per-layer rule>_peak<re-warm peak / initial peak>", NaP, re-warmed at the addition;
# the rules of Fig. 5 LHS, peaks x1 and x10 (B.5: "one order of magnitude above")
RULES = ("constant", "fast_features", "slow_features", "even_ratio_abs")
PEAKS = (1.0, 10.0)


def max_gaps(summary, peak: float, rules=RULES) -> dict[str, float]:
    return {
        rule: float(max(gaps(summary, "main", f"{rule}_peak{peak}").values())) for rule in rules
    }


def some_rule_leaves_gap(summary):
    at_x1 = max_gaps(summary, PEAKS[0])
    numbers = {f"max_gap_{rule}_x1": v for rule, v in at_x1.items()}
    return max(at_x1.values()) > SAME_ACC, numbers | {"tol": SAME_ACC}


def higher_peak_closes_gap(summary):
    at_x1 = max_gaps(summary, PEAKS[0])
    gapped = [rule for rule, v in at_x1.items() if v > SAME_ACC]
    if not gapped:
        raise MissingRows("no per-layer rule leaves a warm-start gap at the initial peak")
    # a rule whose x10 runs are missing or whose x10 100% run diverged is unmeasured: one
    # measured rule that closes its gap is enough for 'holds'; with none closing, any unmeasured
    # rule leaves it 'cannot tell'
    at_x10, unmeasured = {}, []
    for rule in gapped:
        try:
            at_x10 |= max_gaps(summary, PEAKS[1], [rule])
        except MissingRows as missing:
            unmeasured.append(str(missing))
    closed = any(v <= SAME_ACC for v in at_x10.values())
    if not closed and unmeasured:
        raise MissingRows("; ".join(unmeasured))
    numbers = {f"max_gap_{rule}_x1": at_x1[rule] for rule in gapped}
    numbers |= {f"max_gap_{rule}_x10": v for rule, v in at_x10.items()}
    return closed, numbers | {"tol": SAME_ACC}, "; ".join(unmeasured)


CLAIMS["fig13"] = {
    # B.5: "under some of the per-layer learning rate schedules which do not alone close the
    # warm-starting gap, it is possible to overcome this limitation by re-warming the learning
    # rate to a larger value". First that gap (more than SAME_ACC) at the initial LR:
    "Fig. 13 left column: re-warmed only to the initial LR, some per-layer rule "
    "leaves a warm-start gap (some initial fraction more than 1 point below its 100% "
    "run)": some_rule_leaves_gap,
    # then its closing; Fig. 13 caption: "Under some conditions, fully closing the generalization
    # gap requires re-warming ... to a higher value": some rule, not every rule; "closes" = within
    # SAME_ACC
    "Fig. 13: some per-layer rule that leaves a warm-start gap when re-warmed to the initial "
    "LR closes it when re-warmed to 10x that LR: no initial fraction more than 1 point below "
    "100%": higher_peak_closes_gap,
}

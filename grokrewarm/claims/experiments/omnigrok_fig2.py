"""Liu et al. 2023, Omnigrok Fig. 2: teacher-student."""

import math

from grokrewarm.claims.core import MissingRows, rows
from grokrewarm.claims.kinds import (
    GROK_RATIO,
    grok_ratios,
    groks_late,
    l_shaped_train,
    landscape,
    reach_steps,
    u_shaped_test,
)

# Sec. 3: "two initializations alpha = 0.5 (small) and alpha = 2.0 (large), and three weight
# decays gamma = 0 (no reg), gamma = 0.03 (small reg) and gamma = 1 (large reg)"
LARGE_INIT, SMALL_INIT = 2.0, 0.5
SMALL_DECAY, LARGE_DECAY = 0.03, 1.0
# Fig. 2c: the time to 95% train accuracy "is independent of weight decay": the slowest weight
# decay's median time to fit within 2x of the fastest's, where 1/gamma spans 33x over
# [0.03, 1] (ours)
FIT_SPREAD = 2.0
# Fig. 2a: the test loss is "a U-shape with a minimum at alpha ~ 1": within a factor 2 of 1 (ours)
MINIMUM_NEAR = (0.5, 2.0)


def large_init_without_decay_never_generalizes(summary):
    found = rows(summary, panel="dynamics", init_scale=LARGE_INIT, weight_decay=0.0)
    train, test = reach_steps(found)
    return bool((train.notna() & test.isna()).all()), {
        "train_reaches": [float(v) for v in train],
        "test_reaches": [float(v) for v in test],
        "threshold": float(found["threshold"].iloc[0]),
    }


def large_decay_generalizes_faster(summary):
    times = {}
    for decay in (SMALL_DECAY, LARGE_DECAY):
        found = rows(summary, panel="dynamics", init_scale=LARGE_INIT, weight_decay=decay)
        _, test = reach_steps(found)
        times[decay] = float(test.fillna(math.inf).median())
    small, large = times[SMALL_DECAY], times[LARGE_DECAY]
    return math.isfinite(large) and large < small, {
        "time_to_generalize_wd0.03": small,
        "time_to_generalize_wd1": large,
    }


def small_init_generalizes_fast(summary):
    found = rows(summary, panel="dynamics", init_scale=SMALL_INIT)
    decays = sorted(found["weight_decay"].unique())
    if len(decays) < 2:
        raise MissingRows(f"'regardless of weight decay' needs two weight decays, got {decays}")
    ratios, numbers = grok_ratios(found)
    # NaN < x: False
    return all(r < GROK_RATIO for r in ratios), {
        "weight_decays": [float(d) for d in decays]
    } | numbers


def time_to_fit_independent_of_decay(summary):
    found = rows(summary, panel="dynamics", init_scale=LARGE_INIT)
    found = found[found["weight_decay"] > 0]
    train, _ = reach_steps(found)
    medians = train.groupby(found["weight_decay"]).median()
    if len(medians) < 2:
        raise MissingRows(f"two nonzero weight decays needed, got {list(medians.index)}")
    low, high = float(medians.min()), float(medians.max())
    spread = high / low if low > 0 else (1.0 if high == 0 else math.inf)
    return bool(train.notna().all()) and spread <= FIT_SPREAD, {
        "weight_decays": [float(v) for v in medians.index],
        "time_to_fit": [float(v) for v in medians],
        "spread": spread,
        "max_spread": FIT_SPREAD,
    }


CLAIMS = {
    # Sec. 3: "Large initialization runs (top) depended on weight decay: no regularization fails
    # to generalize"
    "Omnigrok Fig. 2b: at init scale 2 without weight decay the student fits the training set "
    "and its test accuracy never reaches the threshold": large_init_without_decay_never_generalizes,
    # Sec. 3: "small regularization generalizes slowly (grokking)"
    "Omnigrok Fig. 2b: at init scale 2 with weight decay 0.03 the student groks: its "
    "test accuracy reaches the threshold at least 10x as late as its train accuracy": groks_late(
        panel="dynamics", init_scale=LARGE_INIT, weight_decay=SMALL_DECAY
    ),
    # Sec. 3: "small regularization generalizes slowly (grokking), while large regularization
    # generalizes faster"
    "Omnigrok Fig. 2b: at init scale 2 the student "
    "generalizes sooner with weight decay 1 than with 0.03 "
    "(median time to generalize, never = infinitely late)": large_decay_generalizes_faster,
    # Sec. 3: "small initialization runs always generalize fast regardless of regularization"
    "Omnigrok Fig. 2b: at init scale 0.5 the student generalizes "
    "fast at every weight decay: train and test accuracy reach "
    "the threshold, test within 10x as late as train": small_init_generalizes_fast,
    # Sec. 3: "the time (number of steps) to reach 95% training accuracy is independent of
    # weight decay gamma" (their finer sweep of gamma in [0.03, 1])
    "Omnigrok Fig. 2c: at init scale 2 the time to fit the "
    "training set does not depend on the (nonzero) weight "
    "decay: the median times to fit are within 2x of each other": time_to_fit_independent_of_decay,
    # Sec. 3: "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1, forming an L-shape"
    'Omnigrok Fig. 2a: the reduced (fixed-norm) train loss is "L" shaped: high '
    "at the smallest alpha, at least 2x its value from alpha = 1 up, where it "
    "stays below half the test loss's minimum": landscape(l_shaped_train, "loss", size=None),
    # Sec. 3: "l_test(alpha) first decreases and then increases as alpha increases, displaying a
    # U-shape with a minimum at alpha ~ 1"
    'Omnigrok Fig. 2a: the reduced (fixed-norm) test loss is "U" shaped: '
    "both ends at least 2x its minimum, which lies at alpha in [0.5, 2]": landscape(
        u_shaped_test, "loss", size=None, centre=MINIMUM_NEAR
    ),
}

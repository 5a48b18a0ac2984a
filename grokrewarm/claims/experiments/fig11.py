"""Lyle et al. 2025 Fig. 11 (B.4): Rainbow + NaP
at the low replay ratio: stop to 1e-7 at 3/4, resets with a cyclic LR."""

from grokrewarm.claims.kinds import LOW_UTD_RAINBOW, MIN_RUNS_FOR_CI, iqm_order

NON_RESET = ["constant", "cyclic", "stop_1e-7"]


def trails_every_non_reset(iqms) -> bool:
    return all(iqms["resets_cyclic"][2] < iqms[v][1] for v in NON_RESET)


CLAIMS = {
    # Fig. 11 caption: "Early-stopping of the learning rate cycling to a very small learning rate
    # (1e-7) does not improve performance"; compared with the schedule it stops (cyclic). "Does
    # not improve" = no gain beyond the bootstrap noise: its IQM at most cyclic's CI's upper end
    "Fig. 11: with Rainbow + NaP at the low replay ratio, stopping the "
    "cycling at 3/4 of the budget to 1e-7 does not raise the IQM "
    "human-normalized score above the 95% CI of cycling throughout": iqm_order(
        LOW_UTD_RAINBOW,
        ["stop_1e-7", "cyclic"],
        lambda q: q["stop_1e-7"][0] <= q["cyclic"][2],
        MIN_RUNS_FOR_CI,
    ),
    # Fig. 11 caption: "adding a cyclic learning rate schedule to the reset variant which matches
    # the reset frequency improves performance over the constant learning rate variant"
    "Fig. 11: with Rainbow + NaP at the low replay ratio, resets "
    "with a cyclic LR aligned to the reset period have a higher "
    "IQM human-normalized score than resets at a constant LR": iqm_order(
        LOW_UTD_RAINBOW,
        ["resets_cyclic", "resets"],
        lambda q: q["resets_cyclic"][0] > q["resets"][0],
    ),
    # Fig. 11 caption: it "still leaves a large gap with the non-reset variants"; a large gap =
    # the intervals do not overlap (resets_cyclic's upper end below each one's lower end)
    "Fig. 11: with Rainbow + NaP at the low replay ratio, resets with a cyclic LR stay below every "
    "agent that is not reset (constant, cyclic, stop to 1e-7): their IQM 95% CIs apart": iqm_order(
        LOW_UTD_RAINBOW, ["resets_cyclic", *NON_RESET], trails_every_non_reset, MIN_RUNS_FOR_CI
    ),
}

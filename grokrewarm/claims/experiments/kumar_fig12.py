"""Kumar et al. 2024 Fig. 12: weight decay against
laziness."""

from grokrewarm.claims.core import MissingRows, column
from grokrewarm.claims.kinds import (
    NO_DELAY_FRACTION,
    delay,
    grokked,
    select_runs,
    vanishes_against,
)


def runs_at(summary, alpha: float, decay: str):
    """The runs at ``alpha`` and the ``decay`` ("small" or "large") of the two swept weight
    decays (the paper's wd = 1 and 5), and the two weight decays."""
    found = select_runs(summary, {"panel": "main"})
    decays = sorted(set(column(found, "weight_decay").astype(float)))
    if len(decays) < 2:
        raise MissingRows(f"one weight decay swept ({decays}), two needed")
    value = decays[0] if decay == "small" else decays[-1]
    return select_runs(found, {"alpha": alpha, "weight_decay": value}), [decays[0], decays[-1]]


def a_groks(summary):
    a, decays = runs_at(summary, 0.5, "small")
    return grokked(delay(a)), {"time_to_grok": delay(a), "weight_decays": decays}


def weight_decay_removes_grokking(summary):
    a, decays = runs_at(summary, 0.5, "small")
    b, _ = runs_at(summary, 0.5, "large")
    return vanishes_against(b, a, "(a)", {"weight_decays": decays})


def laziness_restores_grokking(summary):
    (a, decays), (b, _), (c, _) = (
        runs_at(summary, alpha, decay)
        for alpha, decay in ((0.5, "small"), (0.5, "large"), (1.4, "large"))
    )
    delay_a, delay_b, delay_c = delay(a), delay(b), delay(c)
    if not grokked(delay_a):
        raise MissingRows(f"(a) did not grok (delay {delay_a})")
    return grokked(delay_c) and delay_c >= NO_DELAY_FRACTION * delay_a, {
        "time_to_grok_c": delay_c,
        "time_to_grok_b": delay_b,
        "time_to_grok_a": delay_a,
        "fraction": NO_DELAY_FRACTION,
        "weight_decays": decays,
    }


CLAIMS = {
    # Fig. 12: "(a) Start with large grokking time delay with alpha = 0.5, wd = 1"
    "Kumar Fig. 12a: at alpha = 0.5 with the small weight decay the network groks: "
    "the test accuracy reaches 95% after the train accuracy does (time to grok > 0)": a_groks,
    # Fig. 12: "(b) Increasing weight decay to wd = 5 (keep alpha = 0.5) makes grokking vanish by
    # encouraging immediate movement in the NTK (feature learning)"
    "Kumar Fig. 12b: at alpha = 0.5, the larger weight decay makes "
    "grokking vanish: a time to grok under a quarter of (a)'s": weight_decay_removes_grokking,
    # Fig. 12: "(c) Then commensurately increasing laziness to alpha = 1.4 (keep wd = 5) recovers
    # grokking by discouraging feature learning"; App. 13: "recovering the amount of grokking we
    # started with": judged against (a), not (b), whose run may never generalize (an infinite
    # delay no finite one exceeds); "at least a quarter of (a)" is the complement of the
    # vanishing reading
    "Kumar Fig. 12c: at the larger weight decay, alpha = 1.4 brings grokking "
    "back: a finite time to grok of at least a quarter of (a)'s": laziness_restores_grokking,
}

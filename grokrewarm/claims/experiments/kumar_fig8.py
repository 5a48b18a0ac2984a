"""Kumar et al. 2024 Fig. 8: Omnigrok's teacher-student
with the output scale."""

from grokrewarm.claims.core import MissingRows, column
from grokrewarm.claims.kinds import groks, monotone, select_runs, vanishes_against


def smallest_alpha_vanishes(summary):
    found = select_runs(summary, {"panel": "main"})
    alphas = column(found, "alpha").astype(float)
    if not (alphas < 1.0).any():
        raise MissingRows("no alpha below 1 swept")
    smallest = float(alphas.min())
    return vanishes_against(
        select_runs(found, {"alpha": smallest}),
        select_runs(found, {"alpha": 1.0}),
        "alpha=1",
        {"alpha": smallest},
    )


CLAIMS = {
    # Fig. 8: "The purple curve corresponds to exactly the experiment in their paper, grokking
    # induced by increasing weight norm"; 90%: the figure's level (the paper gives none)
    "Kumar Fig. 8: the x2-init teacher-student at alpha = 1 "
    "(Omnigrok's experiment) groks: test accuracy reaches "
    "90% after train accuracy does (time to grok > 0)": groks(panel="main", alpha=1.0),
    # Fig. 8: "by tuning our scaling parameter to be smaller alpha -> 0, we can make that induced
    # grokking vanish ..., and in fact, we can even make grokking more pronounced by increasing it"
    "Kumar Fig. 8: larger alpha makes the teacher-student grokking more pronounced: "
    "the time to grok (never = infinite) increases with alpha": monotone("alpha", panel="main"),
    # Fig. 8: "by tuning our scaling parameter to be smaller alpha -> 0, we can make that induced
    # grokking vanish as on the left of the purple curve" (no alpha is named: the smallest swept)
    "Kumar Fig. 8: at the smallest swept alpha (< 1) the teacher-student grokking "
    "vanishes: a time to grok under a quarter of the alpha = 1 run's": smallest_alpha_vanishes,
}

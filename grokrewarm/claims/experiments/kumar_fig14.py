"""Kumar et al. 2024 Figs. 14 and 15: Hermite targets."""

from grokrewarm.claims.core import MissingRows, column
from grokrewarm.claims.kinds import delay, grokked, select_runs


def higher_degrees_grok(summary):
    found = select_runs(summary, {"panel": "main"})
    degrees = column(found, "hermite_degree").astype(int)
    higher = sorted({int(k) for k in degrees[degrees > 2]})
    if not higher:
        raise MissingRows(f"no degree above 2 swept ({sorted(set(degrees))})")
    delays = [delay(found[degrees == k]) for k in higher]
    return all(grokked(d) for d in delays), {"hermite_degree": higher, "time_to_grok": delays}


CLAIMS = {
    # App. 15.2: "the grokking examined in this paper ... persists out-of-the-box for higher
    # degree polynomial targets"; "H_3, H_4 below are polynomials with degree k > 2"
    "Kumar Fig. 14/15: grokking persists for Hermite targets of "
    "degree k > 2: at every swept k > 2 the test loss falls "
    "below 0.1 after the train loss does (time to grok > 0)": higher_degrees_grok,
}

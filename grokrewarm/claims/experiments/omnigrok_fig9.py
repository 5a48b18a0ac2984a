"""Liu et al. 2023, Omnigrok Fig. 9: transformer on modular
addition, reduced landscape."""

from grokrewarm.claims.core import MissingRows, column, rows
from grokrewarm.claims.kinds import l_shaped_train, landscape_curves, u_shaped_test

LU_UP_TO = 4.0  # App. B: "The LU shape holds for alpha in [0.1, 4]"
# App. B: "the critical train set size is approximately 0.25"; "approximately": only fractions at
# least 0.05 from it are judged, 0.2 and below never generalizing, 0.3 and above generalizing (ours)
BELOW, ABOVE = 0.2, 0.3


def at_every_fraction_above(shape):
    """The landscape has ``shape`` over alpha <= LU_UP_TO at every fraction from ABOVE up."""

    def check(summary):
        curves = landscape_curves(summary, "loss", "train_fraction")
        above = {f: c[c.index <= LU_UP_TO] for f, c in curves.items() if f >= ABOVE}
        if not above:
            raise MissingRows(f"no training fraction >= {ABOVE}, got {list(curves)}")
        results = {f: shape(c) for f, c in sorted(above.items())}
        numbers = {"fractions": list(results), "holds_at": [ok for ok, _ in results.values()]}
        first_fail = next((f for f, (ok, _) in results.items() if not ok), next(iter(results)))
        numbers |= {f"frac{first_fail:g}_{k}": v for k, v in results[first_fail][1].items()}
        return all(ok for ok, _ in results.values()), numbers

    return check


def best_accuracy(summary) -> tuple[dict[float, float], float]:
    """Per training fraction: the best (over alpha) seed-mean final test accuracy; the
    threshold."""
    found = rows(summary, panel="landscape")
    accuracy = column(found, "final_test/acc")
    means = accuracy.groupby([column(found, "train_fraction"), found["init_scale"]]).mean()
    best = means.groupby(level=0).max()
    return {float(f): float(a) for f, a in best.items()}, float(column(found, "threshold").iloc[0])


def below_critical_fraction_does_not_generalize(summary):
    best, threshold = best_accuracy(summary)
    below = {f: a for f, a in best.items() if f <= BELOW}
    if not below:
        raise MissingRows(f"no training fraction <= {BELOW}, got {list(best)}")
    return all(a < threshold for a in below.values()), {
        "fractions": list(below),
        "best_test_acc": list(below.values()),
        "threshold": threshold,
    }


def above_critical_fraction_generalizes(summary):
    best, threshold = best_accuracy(summary)
    above = {f: a for f, a in best.items() if f >= ABOVE}
    if not above:
        raise MissingRows(f"no training fraction >= {ABOVE}, got {list(best)}")
    return all(a >= threshold for a in above.values()), {
        "fractions": list(above),
        "best_test_acc": list(above.values()),
        "threshold": threshold,
    }


CLAIMS = {
    # App. B: "The LU shape holds for alpha in [0.1, 4] (some optimization issue may be
    # responsible for the rise in train loss for alpha > 4)"
    "Omnigrok Fig. 9: at every training fraction from 0.3 up the transformer's "
    'reduced train loss is "L" shaped over alpha <= 4: high at the smallest alpha, '
    "below half the test loss's minimum from alpha = 1 up": at_every_fraction_above(l_shaped_train),
    # App. B: "The LU shape holds for alpha in [0.1, 4]"
    "Omnigrok Fig. 9: at every training fraction from 0.3 "
    'up the transformer\'s reduced test loss is "U" shaped '
    "over alpha <= 4: both ends at least 2x its minimum": at_every_fraction_above(u_shaped_test),
    # App. B: "We see the critical train set size is approximately 0.25"
    "Omnigrok Fig. 9: below the critical training fraction (at 0.2 and less) no fixed norm alpha "
    "brings the final test accuracy to the threshold": below_critical_fraction_does_not_generalize,
    # App. B: "We see the critical train set size is approximately 0.25"
    "Omnigrok Fig. 9: above the critical training fraction (at 0.3 and more) some fixed norm "
    "alpha brings the final test accuracy to the threshold": above_critical_fraction_generalizes,
}

"""Kumar et al. 2024 Fig. 7: output scale alpha against
init scale sigma."""

import pandas as pd

from grokrewarm.claims.core import MissingRows, column
from grokrewarm.claims.kinds import MIN_VALUES, delays, medians, ordered, select_runs


def increases_at_each(fixed: str, swept: str):
    """The delay increases with ``swept`` at every value of ``fixed`` that has two of them."""

    def check(summary):
        found = select_runs(summary, {"panel": "main"})
        results = {}
        for value, group in found.groupby(column(found, fixed).astype(float)):
            try:
                results[float(value)] = medians(group, swept, delays(group))
            except MissingRows:
                continue  # this fixed value has one swept value only
        if not results:
            raise MissingRows(f"no {fixed} with {MIN_VALUES} values of {swept}")
        holding = [value for value, by_swept in results.items() if ordered(by_swept)]
        return len(holding) == len(results), {
            fixed: list(results),
            f"{fixed}_holding": holding,
            "time_to_grok": [[float(v) for v in m] for m in results.values()],
        }

    return check


def collapses_on_sigma2_alpha(name: str, increasing: bool):
    """``name`` is a monotone function of sigma^2 alpha alone: over the distinct values of
    sigma^2 alpha in order, every condition at one value is at most (increasing) every condition
    at the next, and the last value's exceed the first's. Needs one sigma^2 alpha reached by two
    (sigma, alpha) pairs: without one there is no collapse to see."""

    def check(summary):
        found = select_runs(summary, {"panel": "main"})
        value = column(found, name).astype(float)
        conditions = (
            pd.DataFrame(
                {
                    "sigma2_alpha": column(found, "sigma2_alpha").astype(float).round(12),
                    "sigma": column(found, "init_scale").astype(float),
                    "alpha": column(found, "alpha").astype(float),
                    name: value,
                }
            )
            .groupby(["sigma2_alpha", "sigma", "alpha"])[name]
            .median()
            .reset_index()
        )
        groups = [g[name].to_numpy() for _, g in conditions.groupby("sigma2_alpha")]
        keys = sorted(conditions["sigma2_alpha"].unique())
        if len(groups) < MIN_VALUES:
            raise MissingRows(f"{len(groups)} value(s) of sigma^2 alpha, {MIN_VALUES} needed")
        if max(len(g) for g in groups) < 2:
            raise MissingRows("no sigma^2 alpha is reached by two (sigma, alpha) pairs")
        sign = 1.0 if increasing else -1.0
        ordered = all(
            (sign * low).max() <= (sign * high).min()
            for low, high in zip(groups, groups[1:], strict=False)
        )
        spread = (sign * groups[-1]).min() > (sign * groups[0]).max()
        return bool(ordered and spread), {
            "sigma2_alpha": [float(k) for k in keys],
            name: [[float(v) for v in g] for g in groups],
        }

    return check


CLAIMS = {
    # Fig. 7a: "small alpha networks do not grok as dramatically as large alpha"
    "Kumar Fig. 7a: at each init scale sigma, larger alpha groks later: the time "
    "to grok (never = infinite) increases with alpha": increases_at_each("init_scale", "alpha"),
    # Fig. 7b: "A similar sweep over weight initialization scale sigma yields the same trend"
    "Kumar Fig. 7b: at each output scale alpha, larger init scale sigma groks later: the time "
    "to grok (never = infinite) increases with sigma": increases_at_each("alpha", "init_scale"),
    # Fig. 7: "(d)-(f) The relative parameter change |w - w0|/|w0| and final test loss is
    # controlled through the quantity sigma^2 alpha"; lazier (larger) ends worse (Fig. 7a)
    "Kumar Fig. 7d-f: the final test loss is controlled by "
    "sigma^2 alpha: it increases with sigma^2 alpha, runs of "
    "equal sigma^2 alpha falling between their neighbours": collapses_on_sigma2_alpha(
        "final_test/loss", increasing=True
    ),
    # Fig. 7: "(c) ... approximate preservation of the feature learning can be achieved by
    # choosing alpha ~ sigma^-2. (d)-(f) The relative parameter change ... is controlled through
    # the quantity sigma^2 alpha"
    "Kumar Fig. 7c-f: the relative parameter change |w - w0| / |w0| is "
    "controlled by sigma^2 alpha: it decreases with sigma^2 alpha (lazier), "
    "runs of equal sigma^2 alpha falling between their neighbours": collapses_on_sigma2_alpha(
        "relative_param_change_end", increasing=False
    ),
}

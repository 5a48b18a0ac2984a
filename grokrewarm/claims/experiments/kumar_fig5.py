"""Kumar et al. 2024 Fig. 5: labels on the j-th NTK
eigenvector."""

import math

import pandas as pd

from grokrewarm.claims.core import MissingRows, column
from grokrewarm.claims.kinds import (
    MIN_VALUES,
    groks,
    medians,
    monotone,
    never_generalizes,
    ordered,
    select_runs,
    vanishes,
)


def alignment_speeds_generalization(summary):
    found = select_runs(summary, {"panel": "main"})
    if "time_to_generalize" not in found.columns:
        raise MissingRows("the summary has no column 'time_to_generalize'")
    alignment = medians(found, "j", column(found, "ntk_alignment_start").astype(float))
    times = medians(found, "j", found["time_to_generalize"].astype(float).fillna(math.inf))
    if alignment.nunique() < MIN_VALUES:
        raise MissingRows(f"the initial alignments {list(alignment)} do not differ")
    order = alignment.sort_values(kind="stable").index  # ascending alignment
    by_alignment = pd.Series(times[order].to_numpy(), index=alignment[order].to_numpy())
    return ordered(by_alignment, increasing=False), {
        "j": [float(j) for j in order],
        "ntk_alignment_start": [float(a) for a in alignment[order]],
        "time_to_generalize": [float(t) for t in by_alignment],
    }


CLAIMS = {
    # Section 6.1: "alignment at initialization is high for small j (first plot), so the network
    # generalizes immediately"; Fig. 5: "learning curves move together"
    "Kumar Fig. 5a: labels on the top NTK eigenvector (j = 1) generalize "
    "at once: a time to grok under a quarter of the j = 70 run's": vanishes(
        "j=70", found={"j": 1}, reference={"j": 70}, panel="main"
    ),
    # Fig. 5: "In the middle, as in (b), the network groks"; Section 6.1: "this occurs when
    # j ~ 70"
    "Kumar Fig. 5b: labels on the 70th NTK eigenvector grok: the test "
    "loss falls below 0.1 after the train loss does (time to grok > 0)": groks(panel="main", j=70),
    # Fig. 5: "If the network features are poorly aligned at initialization, as in (c), the
    # network cannot generalize"
    "Kumar Fig. 5c: labels on the last NTK eigenvector (j = 100) never generalize: "
    "the test loss never falls below 0.1 in any run": never_generalizes(panel="main", j=100),
    # Section 6.1: "choosing an eigenvector with a large eigenvalue makes the CKA ... high by
    # construction, and vice versa"
    "Kumar Fig. 5: the initial NTK alignment of the "
    "labels decreases with the eigenvector index j": monotone(
        "j", "ntk_alignment_start", increasing=False, panel="main"
    ),
    # Section 6.1: high alignment "so the network generalizes immediately because it starts with
    # good features", low alignment "the network will never be able to generalize with this
    # amount of data"
    "Kumar Fig. 5: higher initial NTK alignment generalizes "
    "sooner: ordered by the measured initial alignment, the "
    "time to generalize (never = infinite) decreases": alignment_speeds_generalization,
}

"""Lyle et al. 2025 Fig. 2: grokking with and
without the norm-constraining projection."""

import re

import pandas as pd

from grokrewarm.claims.core import MissingRows, column, rows

CONDITION = re.compile(r"^(?P<projection>[a-z]+)_lr(?P<lr>[^_]+)_wd(?P<wd>[^_]+)_sd(?P<sd>[^_]+)$")


def conditions(summary, panel: str):
    """The panel's rows with the condition (``nap_lr0.01_wd1.0_sd0.0``) split into columns."""
    found = rows(summary, panel=panel).copy()
    parts = found["condition"].str.extract(CONDITION)
    if parts.isna().any().any():
        raise MissingRows(f"unparsable Fig. 2 conditions: {found['condition'].tolist()}")
    for name in ("lr", "wd", "sd"):
        parts[name] = parts[name].astype(float)
    out = pd.concat([found.drop(columns=[c for c in parts if c in found]), parts], axis=1)
    out["all_grokked"] = column(out, "grokked_seeds") == column(out, "seeds")
    return out


def projection_groks_consistently(summary):
    projected = conditions(summary, "lhs").query("projection == 'nap'")
    if projected.empty:
        raise MissingRows("no projected runs")
    top = projected[projected["lr"] == projected["lr"].max()]
    return bool(top["all_grokked"].all()) and len(top) >= 2, {
        "lr": float(top["lr"].iloc[0]),
        "conditions": len(top),
        "all_seeds_grokked": int(top["all_grokked"].sum()),
    }


def unconstrained_needs_weight_decay(summary):
    free = conditions(summary, "lhs").query("projection == 'none'")
    grokked_any = free["grokked_seeds"] > 0
    at = {wd: int(grokked_any[free["wd"] == wd].sum()) for wd in (0.01, 1.0)}
    if not ((free["wd"] == 0.01).any() and (free["wd"] == 1.0).any()):
        raise MissingRows("unconstrained runs at weight decay 0.01 and 1.0 are both needed")
    return at[1.0] > at[0.01], {"lrs_grokked_wd1": at[1.0], "lrs_grokked_wd0.01": at[0.01]}


def layernorm_needs_scale_decay(summary):
    projected = conditions(summary, "rhs").query("projection == 'nap'")
    without, with_decay = projected[projected["sd"] == 0], projected[projected["sd"] > 0]
    if without.empty or with_decay.empty:
        raise MissingRows("projected runs with and without scale decay are both needed")
    holds = (without["grokked_seeds"] == 0).all() and with_decay["all_grokked"].any()
    return bool(holds), {
        "grokked_seeds_without": int(without["grokked_seeds"].sum()),
        "scale_decays_all_seeds_grokked": [
            float(v) for v in with_decay.loc[with_decay["all_grokked"], "sd"]
        ],
    }


CLAIMS = {
    # Section 3.2: periodic re-scaling makes grokking fast and consistent across seeds
    "Fig. 2 LHS: the projected network at the largest "
    "LR groks in every seed at both weight decays": projection_groks_consistently,
    "Fig. 2 LHS: without projection, grokking needs large weight decay: the unconstrained network "
    "groks at more LRs with weight decay 1.0 than with 0.01": unconstrained_needs_weight_decay,
    # Section 3.2: "weight normalization completely fails to generalize" with LayerNorm unless
    # weight decay is applied to the norm scales
    "Fig. 2 RHS: the projected LayerNorm network groks in no seed "
    "without scale decay and in every seed with it (at 1.0 or 10.0)": layernorm_needs_scale_decay,
}

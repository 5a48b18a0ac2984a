"""A paper's claim as a declaration over a sweep's summary table, and its verdict.

A :class:`Claim` carries the paper's words as judged (``text``) and a check, usually built from
a kind in :mod:`grokrewarm.claims.kinds`: ``summary -> (holds, numbers)`` or ``(holds, numbers,
reason)``. The check reads only the summary table the analysis step wrote
(``<name>_summary.csv``) and raises :class:`MissingRows` when what it needs is not there;
:func:`judge` turns that into 'cannot tell', so a sweep with too few finished runs never "holds".
The numbers it read go with the verdict, so a reader can judge the margin.

The one "cannot tell" rule for every paper lives in :func:`rows`, through which every check
reads the summary: rows or finished seeds missing, or a condition with jobs that diverged,
failed or are still running (the summary's ``jobs_*`` counts, written from the sweep's job
states) -- such a run stopped early, which says nothing about what it would have shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

HOLDS = "holds"
FAILS = "does not hold"
CANNOT_TELL = "cannot tell"
VERDICTS = (HOLDS, FAILS, CANNOT_TELL)
UNFINISHED = ("jobs_diverged", "jobs_running", "jobs_failed")


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    verdict: str
    numbers: dict = field(default_factory=dict)
    reason: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")

    def line(self) -> str:
        numbers = ", ".join(f"{k}={_fmt(v)}" for k, v in self.numbers.items())
        tail = f" [{numbers}]" if numbers else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.verdict.upper():>13}: {self.claim}{why}{tail}"


Check = Callable[[pd.DataFrame], tuple]


@dataclass(frozen=True)
class Claim:
    """One claim of a figure: the paper's words as judged (``text``, written on one line in the
    verdict table) and the ``check`` that judges them."""

    text: str
    check: Check

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(self.text.split()))


class MissingRows(LookupError):
    """The summary lacks rows (or finished seeds) that a check needs: the verdict is 'cannot
    tell'."""


def judge(claim: Claim, summary: pd.DataFrame) -> ClaimResult:
    """The verdict of ``claim`` on ``summary``; 'cannot tell' with the reason when its check
    raises :class:`MissingRows`."""
    try:
        holds, numbers, *reason = claim.check(summary)
    except MissingRows as missing:
        return ClaimResult(claim.text, CANNOT_TELL, reason=str(missing))
    return ClaimResult(claim.text, HOLDS if holds else FAILS, numbers, *reason)


def rows(summary: pd.DataFrame, min_seeds: int = 1, **where) -> pd.DataFrame:
    """The summary rows matching ``column=value`` (a value may be a list of allowed values);
    raises :class:`MissingRows` when none match, a matching row has fewer than ``min_seeds``
    finished seeds (column ``seeds``, when the summary has it) or unfinished jobs."""
    mask = pd.Series(True, index=summary.index)
    for column, value in where.items():
        if column not in summary.columns:
            raise MissingRows(f"the summary has no column {column!r}")
        allowed = value if isinstance(value, list | tuple) else [value]
        mask &= summary[column].isin(allowed)
    found = summary[mask]
    label = ", ".join(f"{k}={v}" for k, v in where.items()) or "any"
    if found.empty:
        raise MissingRows(f"no finished runs for {label}")
    if "seeds" in found.columns and (found["seeds"] < min_seeds).any():
        raise MissingRows(f"fewer than {min_seeds} finished seeds for {label}")
    for name in UNFINISHED:
        if name in found.columns and (found[name].fillna(0) > 0).any():
            bad = found[found[name].fillna(0) > 0]
            named = [c for c in ("condition", "method", "variant") if c in bad.columns]
            labels = bad[named[0]] if named else bad.index
            names = ", ".join(sorted({str(label) for label in labels}))
            raise MissingRows(f"{name.removeprefix('jobs_')} jobs in {names}")
    return found


def column(found: pd.DataFrame, name: str) -> pd.Series:
    """``found[name]``, raising :class:`MissingRows` when the column is absent or any value is
    NaN (a quantity the runs did not reach, e.g. a step-to-grok of a run that never grokked, is
    for the check to handle before calling this)."""
    if name not in found.columns:
        raise MissingRows(f"the summary has no column {name!r}")
    values = found[name]
    if values.isna().any():
        raise MissingRows(f"{name} is missing for {len(values[values.isna()])} row(s)")
    return values


def table(results: Iterable[ClaimResult]) -> pd.DataFrame:
    """One row per claim: claim, verdict, reason and the numbers it read (as ``k=v; ...``)."""
    return pd.DataFrame(
        [
            {
                "claim": r.claim,
                "verdict": r.verdict,
                "reason": r.reason,
                "numbers": "; ".join(f"{k}={_fmt(v)}" for k, v in r.numbers.items()),
            }
            for r in results
        ],
        columns=["claim", "verdict", "reason", "numbers"],
    )


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)

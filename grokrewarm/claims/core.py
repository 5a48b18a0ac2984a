"""A paper's claim as a check over a sweep's summary table, and its verdict.

A check is a function ``summary -> ClaimResult``. It reads only the summary the figure's renderer
wrote (``<name>_summary.csv``), compares it with thresholds taken from the paper's words (each
written beside its check), and says ``holds``, ``does not hold`` or ``cannot tell``; the last
when the rows or seeds it needs are missing, so a sweep with too few finished runs never
"holds". The numbers it read go with the verdict, so a reader can judge the margin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

HOLDS = "holds"
FAILS = "does not hold"
CANNOT_TELL = "cannot tell"
VERDICTS = (HOLDS, FAILS, CANNOT_TELL)


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


Check = Callable[[pd.DataFrame], ClaimResult]


class MissingRows(LookupError):
    """The summary lacks rows (or finished seeds) that a check needs: the verdict is 'cannot
    tell'."""


def verdict(claim: str, holds: bool, numbers: dict, reason: str = "") -> ClaimResult:
    """The verdict of a check; ``claim`` (usually the check's docstring) on one line."""
    return ClaimResult(" ".join(claim.split()), HOLDS if holds else FAILS, numbers, reason)


def claim_of(check: Check) -> str:
    """A check's claim: its docstring on one line."""
    return " ".join((check.__doc__ or check.__name__).split())


def run_check(check: Check, summary: pd.DataFrame) -> ClaimResult:
    """``check(summary)``; a check that raises :class:`MissingRows` (rows, seeds or values missing)
    yields 'cannot tell' with the reason, under the check's docstring as its claim."""
    try:
        return check(summary)
    except MissingRows as missing:
        return ClaimResult(claim_of(check), CANNOT_TELL, reason=str(missing))


def rows(summary: pd.DataFrame, min_seeds: int = 1, **where) -> pd.DataFrame:
    """The summary rows matching ``column=value`` (a value may be a list of allowed values);
    raises :class:`MissingRows` when none match or a matching row has fewer than ``min_seeds``
    finished seeds (column ``seeds``, when the summary has it)."""
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

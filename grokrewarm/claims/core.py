"""A paper's claim as a declaration over a sweep's summary table, and its verdict.

A :class:`Claim` carries the paper's words as judged (``text``) and a check, usually built from a
kind (:func:`kind`) of its paper's module in :mod:`grokrewarm.claims.experiments`: ``summary ->
(holds, numbers)`` or ``(holds, numbers, reason)``, whose numbers go with the verdict so a reader
can judge the margin. The check reads only the summary table the analysis step wrote, always through
:func:`rows`, which holds the one 'cannot tell' rule for every paper: rows or finished seeds
missing, or a condition with jobs that diverged, failed or are still running (the summary's
``jobs_*`` counts) -- such a run stopped early, which says nothing about what it would have shown.
It raises :class:`MissingRows`, which :func:`judge` turns into 'cannot tell', so a sweep with too
few finished runs never "holds".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

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

    def numbers_text(self, sep: str = "; ") -> str:
        return sep.join(f"{k}={_fmt(v)}" for k, v in self.numbers.items())

    def line(self) -> str:
        tail = f" [{self.numbers_text(', ')}]" if self.numbers else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.verdict.upper():>13}: {self.claim}{why}{tail}"


@dataclass(frozen=True)
class Claim:
    """One claim of a figure: the paper's words as judged (``text``, on one line in the verdict
    table) and the ``check`` that judges them."""

    text: str
    check: Callable[[pd.DataFrame], tuple]

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(self.text.split()))


def kind(reading: Callable[..., tuple]) -> Callable[..., Callable[[pd.DataFrame], tuple]]:
    """A kind of check: ``reading(summary, *args, **kwargs)``, declared as ``reading(*args,
    **kwargs)`` with its threshold and conditions, which gives the check of a summary alone."""

    @wraps(reading)
    def declare(*args, **kwargs):
        return lambda summary: reading(summary, *args, **kwargs)

    return declare


class MissingRows(LookupError):
    """The summary lacks what a check needs: the verdict is 'cannot tell'."""


def judge(claim: Claim, summary: pd.DataFrame) -> ClaimResult:
    try:
        holds, numbers, *reason = claim.check(summary)
    except MissingRows as missing:
        return ClaimResult(claim.text, CANNOT_TELL, reason=str(missing))
    return ClaimResult(claim.text, HOLDS if holds else FAILS, numbers, *reason)


def rows(summary: pd.DataFrame, min_seeds: int = 1, **where) -> pd.DataFrame:
    """The summary rows matching ``column=value`` (a value may be a list of allowed values);
    raises :class:`MissingRows` when none match, a matching row has fewer than ``min_seeds``
    finished seeds (column ``seeds``, when the summary has it) or unfinished jobs."""
    require(summary, *where)
    mask = pd.Series(True, index=summary.index)
    for name, value in where.items():
        mask &= summary[name].isin(value if isinstance(value, list | tuple) else [value])
    found = summary[mask]
    label = ", ".join(f"{k}={v}" for k, v in where.items()) or "any"
    if found.empty:
        raise MissingRows(f"no finished runs for {label}")
    if "seeds" in found.columns and (found["seeds"] < min_seeds).any():
        raise MissingRows(f"fewer than {min_seeds} finished seeds for {label}")
    for name in UNFINISHED:
        bad = found[found[name].fillna(0) > 0] if name in found.columns else found[:0]
        if not bad.empty:
            named = [c for c in ("condition", "method", "variant") if c in bad.columns]
            names = ", ".join(sorted({str(v) for v in (bad[named[0]] if named else bad.index)}))
            raise MissingRows(f"{name.removeprefix('jobs_')} jobs in {names}")
    return found


def require(found: pd.DataFrame, *names: str) -> None:
    for name in names:
        if name not in found.columns:
            raise MissingRows(f"the summary has no column {name!r}")


def column(found: pd.DataFrame, name: str) -> pd.Series:
    """``found[name]``, raising :class:`MissingRows` when the column is absent or any value is
    NaN (a quantity the runs did not reach, e.g. a step-to-grok of a run that never grokked, is
    for the check to handle before calling this)."""
    require(found, name)
    values = found[name]
    if values.isna().any():
        raise MissingRows(f"{name} is missing for {len(values[values.isna()])} row(s)")
    return values


def floats(values: Iterable) -> list[float]:
    return [float(v) for v in values]


def table(results: Iterable[ClaimResult]) -> pd.DataFrame:
    """One row per claim: claim, verdict, reason and the numbers it read (as ``k=v; ...``)."""
    return pd.DataFrame(
        [(r.claim, r.verdict, r.reason, r.numbers_text()) for r in results],
        columns=["claim", "verdict", "reason", "numbers"],
    )


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)

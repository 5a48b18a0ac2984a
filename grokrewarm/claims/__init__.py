"""Each experiment's paper claims, declared, and judged over its sweep's summary table.

The modules of :mod:`grokrewarm.claims.experiments`, one per paper, open with the kinds of check
that paper's claims are made of (each a reading of the paper's words, fixed before any run was
judged, declared with :func:`grokrewarm.claims.core.kind`), then hold ``CLAIMS = {experiment:
{text: check}}``, one dict per ``conf/experiment/<experiment>.yaml``: each claim is the paper's
words as judged (the text), a comment quoting the paper, and a check: a kind given its threshold
and the conditions it reads, or a small function where no kind fits. The rule that makes a claim
'cannot tell' (rows, seeds or finished jobs missing) is :func:`grokrewarm.claims.core.rows`, the
one way every check reads the summary.

``evaluate(name, sweep_dir)`` judges experiment ``name``'s claims on the sweep's
``<name>_summary.csv`` and writes ``claims.csv`` beside it; ``python -m grokrewarm.claims
SWEEP_DIR`` does it again on a finished sweep.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pandas as pd

from grokrewarm.claims import experiments
from grokrewarm.claims.core import CANNOT_TELL, FAILS, HOLDS, Claim, ClaimResult, judge, table

__all__ = ["CANNOT_TELL", "FAILS", "HOLDS", "Claim", "checks", "evaluate", "judge", "registry"]


def registry() -> dict[str, list[Claim]]:
    """{experiment: its claims in declaration order}."""
    declared: dict[str, dict] = {}
    for module in pkgutil.iter_modules(experiments.__path__):
        claims = importlib.import_module(f"{experiments.__name__}.{module.name}").CLAIMS
        if twice := declared.keys() & claims.keys():
            raise ValueError(f"claims of {sorted(twice)} declared twice (again in {module.name})")
        declared |= claims
    return {name: [Claim(text, check) for text, check in c.items()] for name, c in declared.items()}


def checks(name: str) -> list[Claim]:
    available = registry()
    if name not in available:
        raise KeyError(f"no claims for experiment {name!r}; known: {', '.join(sorted(available))}")
    return available[name]


def evaluate(name: str, sweep_dir: str | Path) -> list[ClaimResult]:
    """Judge experiment ``name``'s claims on the sweep's summary and write ``claims.csv``.
    Without a summary (no job finished a metrics row) every claim is 'cannot tell'."""
    sweep_dir = Path(sweep_dir)
    summary_path = sweep_dir / f"{name}_summary.csv"
    if summary_path.is_file():
        summary = pd.read_csv(summary_path)
        results = [judge(claim, summary) for claim in checks(name)]
    else:
        why = f"no {summary_path.name}"
        results = [ClaimResult(claim.text, CANNOT_TELL, reason=why) for claim in checks(name)]
    table(results).to_csv(sweep_dir / "claims.csv", index=False)
    return results


def experiment_of(sweep_dir: str | Path) -> str:
    """The experiment a sweep folder ran, read from its jobs' ``config.yaml``."""
    from omegaconf import OmegaConf

    for config in sorted(Path(sweep_dir).glob("*/config.yaml")):
        name = OmegaConf.load(config).get("experiment")
        if name:
            return str(name)
    raise FileNotFoundError(f"no job config.yaml naming an experiment under {sweep_dir}")

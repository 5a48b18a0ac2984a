"""Each experiment's paper claim as checks over its sweep's summary table.

``evaluate(name, sweep_dir)`` runs experiment ``name``'s checks on the sweep's
``<name>_summary.csv`` and writes ``claims.csv`` beside it; a multirun does it after rendering
its figure, and ``python -m grokrewarm.claims SWEEP_DIR`` does it again on a finished sweep.
The checks live per paper (``lyle``, ``omnigrok``, ``kumar``, ``atari``), each as
``CLAIMS: {experiment: [check]}``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from grokrewarm.claims.core import (
    CANNOT_TELL,
    FAILS,
    HOLDS,
    Check,
    ClaimResult,
    claim_of,
    run_check,
    table,
)

__all__ = ["CANNOT_TELL", "FAILS", "HOLDS", "ClaimResult", "checks", "evaluate", "registry"]


def registry() -> dict[str, list[Check]]:
    from grokrewarm.claims import atari, kumar, lyle, nanda, omnigrok

    return {**lyle.CLAIMS, **nanda.CLAIMS, **omnigrok.CLAIMS, **kumar.CLAIMS, **atari.CLAIMS}


def checks(name: str) -> list[Check]:
    available = registry()
    if name not in available:
        raise KeyError(f"no claims for experiment {name!r}; known: {', '.join(sorted(available))}")
    return available[name]


def evaluate(name: str, sweep_dir: str | Path) -> list[ClaimResult]:
    """Run experiment ``name``'s checks on the sweep's summary and write ``claims.csv``. Without
    a summary (no job finished a metrics row) every claim is 'cannot tell'."""
    sweep_dir = Path(sweep_dir)
    summary_path = sweep_dir / f"{name}_summary.csv"
    if summary_path.is_file():
        summary = pd.read_csv(summary_path)
        results = [run_check(check, summary) for check in checks(name)]
    else:
        results = [
            ClaimResult(claim_of(check), CANNOT_TELL, reason=f"no {summary_path.name}")
            for check in checks(name)
        ]
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

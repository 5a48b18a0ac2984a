"""Figure rendering from a sweep folder: its runs (``metrics.csv`` + ``config.yaml``) and the
tables the analysis step wrote (``<name>_summary.csv``, ``<name>_runs.csv``).

``python -m grokrewarm.figures NAME SWEEP_DIR`` summarizes again and re-renders; a multirun
renders at its end through ``grokrewarm.pipeline``.
"""

from __future__ import annotations

from pathlib import Path


def renderers() -> dict:
    from grokrewarm.figures import atari, atari100k, grokking, lazy_rich, warm_start

    return {
        **grokking.FIGURES,
        **warm_start.FIGURES,
        **atari.FIGURES,
        **atari100k.FIGURES,
        **lazy_rich.FIGURES,
    }


def render(name: str, sweep_dir: str | Path) -> list[Path]:
    """Render figure ``name`` from ``sweep_dir`` into ``<sweep_dir>/<name>.{png,pdf}``."""
    available = renderers()
    if name not in available:
        raise KeyError(f"no figure named {name!r}; available: {', '.join(sorted(available))}")
    return available[name](Path(sweep_dir))

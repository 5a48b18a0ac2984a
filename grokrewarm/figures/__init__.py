"""Figure rendering from a sweep folder's run outputs (``metrics.csv`` + ``config.yaml``).

``python -m grokrewarm.figures NAME SWEEP_DIR`` re-renders; a multirun renders automatically at
its end through :class:`RenderFigureCallback` (configured in ``conf/config.yaml``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def renderers() -> dict:
    from grokrewarm.figures import grokking

    return dict(grokking.FIGURES)


def render(name: str, sweep_dir: str | Path) -> list[Path]:
    """Render figure ``name`` from ``sweep_dir`` into ``<sweep_dir>/<name>.{png,pdf}``."""
    available = renderers()
    if name not in available:
        raise KeyError(f"no figure named {name!r}; available: {', '.join(sorted(available))}")
    return available[name](Path(sweep_dir))


class RenderFigureCallback(Callback):
    """At the end of a multirun, render the experiment's figure into the sweep folder."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        name = config.get("experiment")
        if name not in renderers():
            return
        paths = render(name, config.hydra.sweep.dir)
        log.info("rendered " + ", ".join(str(p) for p in paths))

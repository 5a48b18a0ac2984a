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
    from grokrewarm.figures import atari, atari100k, grokking, lazy_rich, vision

    return {
        **grokking.FIGURES,
        **vision.FIGURES,
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


def log_figure_to_wandb(name: str, sweep_dir: str | Path, wandb_config: DictConfig) -> Path:
    """Log the rendered figure and its per-condition summary to a W&B run of its own
    (``job_type=figure``, in the experiment's group), so each figure's panels sit in the W&B
    project beside its training runs. Offline (into ``<sweep_dir>/wandb``) without a reachable
    W&B; returns the run's local folder."""
    import pandas as pd
    import wandb

    from grokrewarm.lifecycle.loggers import wandb_mode

    sweep_dir = Path(sweep_dir)
    run = wandb.init(
        project=wandb_config.project,
        group=f"{name}/figure",
        name=f"{name}/{sweep_dir.name}",
        job_type="figure",
        dir=str(sweep_dir),
        mode=wandb_mode(wandb_config.mode),
        tags=list(wandb_config.tags),
    )
    try:
        summary = pd.read_csv(sweep_dir / f"{name}_summary.csv")
        logged = {
            name: wandb.Image(str(sweep_dir / f"{name}.png")),
            f"{name}_summary": wandb.Table(dataframe=summary),
        }
        if (sweep_dir / "claims.csv").is_file():
            logged[f"{name}_claims"] = wandb.Table(dataframe=pd.read_csv(sweep_dir / "claims.csv"))
        run.log(logged)
        return Path(run.dir).parent
    finally:
        run.finish()


def report_claims(name: str, sweep_dir: Path) -> None:
    """Evaluate the experiment's paper claims (``grokrewarm.claims``) into ``claims.csv`` and
    log each verdict; an experiment without declared claims says so."""
    from grokrewarm.claims import evaluate, registry

    if name not in registry():
        log.warning(f"{name} declares no claim checks; no claims.csv")
        return
    for result in evaluate(name, sweep_dir):
        log.info(f"claim {result.line()}")


class RenderFigureCallback(Callback):
    """At the end of a multirun, render the experiment's figure into the sweep folder from the
    jobs that finished, and log it to W&B when the sweep logged to W&B; then fail (exit status
    1) if any job failed, naming them (a diverged job is a result, not a failure)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from grokrewarm.sweep_status import FAILED, format_report, sweep_status

        name = config.get("experiment")
        sweep_dir = Path(config.hydra.sweep.dir)
        if name in renderers():
            try:
                paths = render(name, sweep_dir)
            except FileNotFoundError as error:  # no job wrote a metrics row
                log.error(f"no {name} figure: {error}")
            else:
                log.info("rendered " + ", ".join(str(p) for p in paths))
                report_claims(name, sweep_dir)
                if config.get("logger", {}).get("wandb") is not None:
                    folder = log_figure_to_wandb(name, sweep_dir, config.logger.wandb)
                    log.info(f"logged {name} to W&B ({folder})")
        reports = sweep_status(sweep_dir)
        failed = [r for r in reports if r.state == FAILED]
        if failed:
            log.error(format_report(sweep_dir, reports))
            # SystemExit, not an exception: Hydra turns a callback's exception into a warning
            raise SystemExit(
                f"{len(failed)} of {len(reports)} jobs failed: "
                + ", ".join(f"{r.name} ({r.detail})" for r in failed)
            )

"""The steps after a sweep, in one direction: summarize (``grokrewarm.analysis``: the summary and
job tables) -> judge (``grokrewarm.claims``: ``claims.csv``) -> render (``grokrewarm.figures``)
-> log to W&B -> exit status. A multirun runs them at its end through
:class:`AfterSweepCallback` (configured in ``conf/config.yaml``); each step reads only what the
steps before it wrote into the sweep folder.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from grokrewarm.analysis import summarize, summarizers
from grokrewarm.claims import evaluate, registry
from grokrewarm.figures import render, renderers

log = logging.getLogger(__name__)


def log_figure_to_wandb(name: str, sweep_dir: str | Path, wandb_config: DictConfig) -> Path:
    """Log the rendered figure, its summary and its claims to a W&B run of its own
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


def after_sweep(name: str | None, sweep_dir: Path, wandb_config: DictConfig | None) -> None:
    """Summarize, judge, render and log the sweep of experiment ``name`` from the jobs that
    finished; then fail (exit status 1) if any job failed, naming them (a diverged job is a
    result, not a failure)."""
    from grokrewarm.sweep_status import FAILED, format_report, sweep_status

    if name in summarizers():
        try:
            summarize(name, sweep_dir)
        except FileNotFoundError as error:  # no job wrote a metrics row
            log.error(f"no {name} summary: {error}")
        else:
            if name in registry():
                for result in evaluate(name, sweep_dir):
                    log.info(f"claim {result.line()}")
            else:
                log.warning(f"{name} declares no claim checks; no claims.csv")
            if name in renderers():
                paths = render(name, sweep_dir)
                log.info("rendered " + ", ".join(str(p) for p in paths))
                if wandb_config is not None:
                    folder = log_figure_to_wandb(name, sweep_dir, wandb_config)
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


class AfterSweepCallback(Callback):
    """At the end of a multirun, :func:`after_sweep` on its sweep folder."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        wandb_config = config.get("logger", {}).get("wandb")
        after_sweep(config.get("experiment"), Path(config.hydra.sweep.dir), wandb_config)

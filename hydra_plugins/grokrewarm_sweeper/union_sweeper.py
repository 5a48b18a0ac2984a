"""A Hydra sweeper whose grid is a union of named cartesian products ("panels").

A paper figure often has panels with different sweeps (Lyle et al. 2025 Fig. 2: LHS sweeps LR x
weight decay x projection without LayerNorm, RHS sweeps scale decay with LayerNorm). Hydra's
basic sweeper only takes one product, so an experiment lists its panels:

    hydra:
      sweeper:
        _target_: hydra_plugins.grokrewarm_sweeper.union_sweeper.UnionSweeper
        params: {seed: 0,1,2}              # crossed with every panel
        panels:
          lhs: {model.norm: none, rewarm.lr: 1e-2,1e-3}
          rhs: {model.norm: layernorm, optimizer.scale_decay: 0.0,1.0}

Each job also gets ``panel=<name>``. Panel values may interpolate the composed config (e.g.
``${budget.offsets}``), so one experiment file holds both the paper's and the quick sweep.
Command-line sweep overrides are crossed with every panel, as with the basic sweeper. All jobs are
handed to the launcher in one batch (one Slurm array under the submitit launcher). With ``pack=N``
the jobs that differ only in per-run values are first grouped into packs of up to N, each
launched as one job (``grokrewarm.training.packs``).

A failed job does not stop the sweep: every job runs, the failures are logged here, and the
after-sweep callback (``grokrewarm.pipeline.AfterSweepCallback``) draws the figure from the jobs
that finished, then exits non-zero naming the failed ones.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional  # noqa: UP035 (OmegaConf needs typing's generics)

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobStatus
from omegaconf import OmegaConf

log = logging.getLogger(__name__)


@dataclass
class UnionSweeperConf:
    _target_: str = "hydra_plugins.grokrewarm_sweeper.union_sweeper.UnionSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045
    params: Optional[Dict[str, Any]] = None  # noqa: UP006, UP045
    panels: Dict[str, Any] = field(default_factory=dict)  # noqa: UP006


ConfigStore.instance().store(group="hydra/sweeper", name="union", node=UnionSweeperConf)


class UnionSweeper(BasicSweeper):
    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        panels: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.panels = dict(panels or {})

    def _parse_config(self) -> list[str]:
        params = self.config.hydra.sweeper.params
        if params is None:
            return []
        return [
            f"{k}={_as_sweep(v)}" for k, v in OmegaConf.to_container(params, resolve=True).items()
        ]

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        panels = OmegaConf.to_container(self.config.hydra.sweeper.panels, resolve=True)
        panels = panels or {"main": {}}
        jobs: list[list[str]] = []
        for name, panel in panels.items():
            panel_args = [f"{k}={_as_sweep(v)}" for k, v in (panel or {}).items()]
            overrides = parser.parse_overrides(
                self._parse_config() + panel_args + list(arguments) + [f"panel={name}"]
            )
            (batch,) = self.split_arguments(overrides, max_batch_size=None)
            jobs.extend(batch)
        log.info(f"{len(jobs)} jobs in {len(panels)} panel(s): {', '.join(panels)}")
        if self.config.get("pack"):  # pack=N: N runs per process (grokrewarm.training.packs)
            from grokrewarm.training.packs import pack_jobs

            loader = self.hydra_context.config_loader
            jobs = pack_jobs(jobs, int(self.config.pack), self.config, loader)
        self.overrides = list(self.split_overrides_to_chunks(jobs, self.max_batch_size))
        Path(self.config.hydra.sweep.dir).mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, Path(self.config.hydra.sweep.dir) / "multirun.yaml")
        returns = []
        initial_job_idx = 0
        while not self.is_done():
            batch = self.get_job_batch()
            self.validate_batch_is_legal(batch)
            try:
                results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
            except Exception as error:  # e.g. a Slurm job killed: its siblings still count
                log.error(f"the launcher failed on jobs {initial_job_idx}+: {error}")
                results = []
            for result in results:
                if result.status == JobStatus.FAILED:
                    error = result._return_value
                    log.error(
                        f"job {result.hydra_cfg.hydra.job.num} "
                        f"({result.working_dir}) failed: {type(error).__name__}: {error}"
                    )
            initial_job_idx += len(batch)
            returns.append(results)
        return returns


def _as_sweep(value: Any) -> str:
    """A YAML list or scalar as Hydra sweep syntax (``a,b,c``)."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)

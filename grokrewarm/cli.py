"""``python -m grokrewarm +experiment=NAME [-m]``: one run, or the experiment's whole sweep."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from hydra.utils import get_method  # the runner's heavy imports happen only inside the job

    record = get_method(cfg.runner)(cfg, HydraConfig.get().runtime.output_dir)
    return record.metrics.get("test/acc")

"""``python -m grokrewarm +experiment=NAME [-m]``: one run, or the experiment's whole sweep."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from grokrewarm.training.run import train  # heavy imports only inside the job

    final = train(cfg, HydraConfig.get().runtime.output_dir)
    return final.get("test/acc")

"""This cluster's launcher values (partition, account, qos, setup lines) from an untracked file.

``launch/site.yaml`` (start from ``launch/site.example.yaml``), or the file named by
``GROKREWARM_SITE``, is registered as the config ``site/this_cluster``, which
``conf/launcher/slurm.yaml`` merges over its own values when the file exists. The file is written
from the root of the config, e.g. ``hydra: {launcher: {partition: gpu}}``.

Why a ConfigStore entry: a config group file cannot add a search path (Hydra takes
``hydra.searchpath`` only from the primary config and the command line), and Hydra imports this
module while scanning plugins, before it composes anything. The submitit launcher ships the
ConfigStore to each job, so jobs compose with the same values.
"""

import os
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

DEFAULT_SITE_FILE = Path(__file__).resolve().parents[2] / "launch" / "site.yaml"


def site_file() -> Path | None:
    named = os.environ.get("GROKREWARM_SITE")
    if named:
        if not Path(named).is_file():
            raise FileNotFoundError(f"GROKREWARM_SITE names {named}, which is not a file")
        return Path(named)
    return DEFAULT_SITE_FILE if DEFAULT_SITE_FILE.is_file() else None


_site = site_file()
if _site is not None:
    ConfigStore.instance().store(group="site", name="this_cluster", node=OmegaConf.load(_site))

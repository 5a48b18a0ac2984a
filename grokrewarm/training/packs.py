"""``pack=N``: a sweep's jobs grouped into packs of up to N runs, each pack one process.

The union sweeper calls :func:`pack_jobs` once the sweep's jobs are known. Each job's config is
composed as its launcher would compose it; jobs whose configs are equal but for the per-run
values (``PER_RUN_KEYS``: seed, the re-warm schedule and trigger, weight and scale decay,
projection, init scale, output scale alpha) share a pack. A pack is launched as one job whose
runner is :func:`train_pack_folder` and whose Hydra folder is ``<sweep>/.packs/<k>/``, holding
``members.yaml`` (each member's resolved config and run folder); each member's folder is the one
the unpacked sweep would have used, with Hydra's ``.hydra/`` files written here. A job that
cannot be packed keeps its own process (and its folder name), with a log line saying why.
Under ``launcher=slurm`` each pack is one task of the array.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from grokrewarm.lifecycle import EndRecord

log = logging.getLogger(__name__)

SUPERVISED_RUNNER = "grokrewarm.training.run.train"
PACK_RUNNER = "grokrewarm.training.packs.train_pack_folder"
MANIFEST = "members.yaml"
# Values a pack member may have of its own: each member's schedule, trigger, decays,
# projection and scales are per-member tensors or host-side objects in the packed step.
PER_RUN_KEYS = (
    "seed",
    "task.seed",
    "condition",
    "panel",
    "rewarm",
    "optimizer.weight_decay",
    "optimizer.scale_decay",
    "projection",
    "init_scale",
    "output_scale.alpha",
    "output_scale.lr_power",
)
# Values that name the run's own folder or W&B run, not what it trains.
PER_FOLDER_KEYS = ("trainer.default_root_dir", "logger")


def unpackable_reason(cfg: DictConfig) -> str | None:
    """Why the job ``cfg`` must run alone, or ``None`` if it can join a pack."""
    if cfg.get("runner") != SUPERVISED_RUNNER:
        return f"its runner {cfg.get('runner')} trains one run per process"
    if cfg.get("layer_lr", {}).get("rule") is not None:
        return f"per-layer learning rates (layer_lr.rule={cfg.layer_lr.rule}) are not stacked"
    if cfg.get("intervention", {}).get("_target_"):
        return "an intervention acts on one model at a time"
    return None


def pack_key(cfg: DictConfig) -> str:
    """What must be equal for runs to share a pack: ``cfg`` less its per-run values."""
    container = OmegaConf.to_container(cfg, resolve=True)
    for dotted in PER_RUN_KEYS + PER_FOLDER_KEYS:
        *parents, leaf = dotted.split(".")
        node = container
        for parent in parents:
            node = node.get(parent) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    container["logger_kinds"] = sorted(k for k, v in (cfg.get("logger") or {}).items() if v)
    return json.dumps(container, sort_keys=True, default=str)


def _compose(sweep_config: DictConfig, config_loader, overrides: Sequence[str], num: int):
    """The job's config and output folder, as Hydra's launchers compose them."""
    job = config_loader.load_sweep_config(sweep_config, list(overrides))
    with open_dict(job):
        job.hydra.job.id = num
        job.hydra.job.num = num
    HydraConfig.instance().set_config(job)
    subdir = str(OmegaConf.select(job, "hydra.sweep.subdir"))
    output_dir = Path(str(job.hydra.sweep.dir)).absolute() / subdir
    with read_write(job.hydra.runtime), open_dict(job.hydra.runtime):
        job.hydra.runtime.output_dir = str(output_dir)
    HydraConfig.instance().set_config(job)
    task_cfg = copy.deepcopy(job)
    with read_write(task_cfg), open_dict(task_cfg):
        del task_cfg["hydra"]
    OmegaConf.resolve(task_cfg)  # the member's config, fixed before the pack starts
    return job, task_cfg, subdir, output_dir


def _write_hydra_files(job: DictConfig, task_cfg: DictConfig, output_dir: Path) -> None:
    """The ``.hydra/`` files Hydra writes for a job, so a member's folder reads as a job's."""
    hydra_dir = output_dir / ".hydra"
    hydra_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(task_cfg, hydra_dir / "config.yaml")
    OmegaConf.save(OmegaConf.create({"hydra": job.hydra}), hydra_dir / "hydra.yaml")
    OmegaConf.save(job.hydra.overrides.task, hydra_dir / "overrides.yaml")


def pack_jobs(
    jobs: Sequence[Sequence[str]], size: int, sweep_config: DictConfig, config_loader
) -> list[list[str]]:
    """The override lists to launch for ``jobs`` packed ``size`` at a time: one per pack (its
    members written to its manifest), one per job that runs alone (its folder name kept)."""
    if size < 1:
        raise ValueError(f"pack={size}: a pack holds at least one run")
    previous = HydraConfig.instance().cfg
    groups: dict[str, list[tuple]] = {}
    alone: list[tuple] = []
    for num, overrides in enumerate(jobs):
        job, task_cfg, subdir, output_dir = _compose(sweep_config, config_loader, overrides, num)
        entry = (num, list(overrides), job, task_cfg, subdir, output_dir)
        reason = unpackable_reason(task_cfg)
        if reason is None:
            groups.setdefault(pack_key(task_cfg), []).append(entry)
        else:
            log.info(f"job {num} ({subdir}) runs alone: {reason}")
            alone.append(entry)
    if previous is not None:
        HydraConfig.instance().set_config(previous)
    launched: list[tuple[int, list[str]]] = []
    sweep_dir = Path(str(sweep_config.hydra.sweep.dir)).absolute()
    packs = 0
    for members in groups.values():
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            if len(chunk) == 1:
                alone.append(chunk[0])
                continue
            folder = sweep_dir / ".packs" / str(packs)
            folder.mkdir(parents=True, exist_ok=True)
            manifest = []
            for _, _, job, task_cfg, _, output_dir in chunk:
                _write_hydra_files(job, task_cfg, output_dir)
                manifest.append({"run_dir": str(output_dir), "config": task_cfg})
            OmegaConf.save(OmegaConf.create({"members": manifest}), folder / MANIFEST)
            leader = chunk[0]
            log.info(
                f"pack {packs}: jobs {', '.join(str(m[0]) for m in chunk)} in one process "
                f"(.packs/{packs})"
            )
            launched.append(
                (
                    leader[0],
                    [*leader[1], f"runner={PACK_RUNNER}", f"hydra.sweep.subdir=.packs/{packs}"],
                )
            )
            packs += 1
    for num, overrides, _, _, subdir, _ in alone:
        launched.append((num, [*overrides, f"hydra.sweep.subdir='{subdir}'"]))
    log.info(f"{len(jobs)} jobs as {packs} pack(s) of up to {size} and {len(alone)} alone")
    return [overrides for _, overrides in sorted(launched, key=lambda item: item[0])]


def train_pack_folder(cfg: DictConfig, run_dir: str | Path) -> EndRecord:
    """The runner of a pack's job: train the members listed in ``run_dir/members.yaml``.
    Returns the first member's record (the CLI reports its test accuracy)."""
    from grokrewarm.training.packed_run import train_pack

    manifest = OmegaConf.load(Path(run_dir) / MANIFEST)
    members = [(member.config, Path(member.run_dir)) for member in manifest.members]
    return train_pack(members)[0]

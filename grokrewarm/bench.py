"""Training speed of the framework against a bare PyTorch loop, in one process (``make bench``).

    python -m grokrewarm.bench [--steps 2000] [--repeats 2] [--budget quick|paper]

Builds the grokking transformer, task, optimizer, projection and re-warm controller from the real
config (``+experiment=fig3``), then times optimizer steps/s for
- ``bare``: a plain loop doing the same math (set LR, forward, backward, Adam step, projection);
- ``framework``: the Lightning module and trainer with metrics off;
- ``framework+metrics``: the same with evaluation and feature metrics every ``metrics_every``
  steps (the budget's default; the paper budget's is 1000).
Each variant runs ``repeats`` times, interleaved, and the best is kept (the machine is shared).
Prints framework / bare (goal: at least 0.97, under about 0.25 ms of overhead a step) and the cost
of metrics at their default frequency (goal: under 5%).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from omegaconf import DictConfig, open_dict

from grokrewarm.compose import compose_job
from grokrewarm.method.param_groups import decay_param_groups
from grokrewarm.training.run import build, quiet_lightning


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bare_loop(cfg: DictConfig, steps: int, warmup: int, device: torch.device) -> float:
    """Steps/s of the same training math with no framework around it."""
    L.seed_everything(cfg.seed, verbose=False)
    task = instantiate(cfg.task).to(device)
    model = instantiate(cfg.model, **task.model_kwargs()).to(device)
    controller = instantiate(cfg.rewarm.controller)
    projection = instantiate(cfg.projection)(model)
    groups = decay_param_groups(model, cfg.optimizer.weight_decay, cfg.optimizer.scale_decay)
    optimizer = instantiate(cfg.optimizer.factory)(groups)
    for step in range(warmup + steps):
        if step == warmup:
            _sync(device)
            start = time.perf_counter()
        controller.apply(optimizer, step)
        inputs, labels = task.train_batch(step)
        loss = F.cross_entropy(model(inputs), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        projection.maybe_project(step + 1)
    _sync(device)
    return steps / (time.perf_counter() - start)


class _StepTimer(L.Callback):
    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.start = self.end = 0.0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in (self.warmup, trainer.max_steps):
            _sync(pl_module.device)
            now = time.perf_counter()
            if trainer.global_step == self.warmup:
                self.start = now
            else:
                self.end = now


def framework(cfg: DictConfig, steps: int, warmup: int, metrics_every: int | None) -> float:
    """Steps/s of the real Lightning module and trainer (checkpoints and progress bar off)."""
    with tempfile.TemporaryDirectory() as tmp, open_dict(cfg):
        cfg.trainer.max_steps = warmup + steps
        cfg.trainer.enable_progress_bar = False
        cfg.budget.checkpoint_every = 10**9
        cfg.metrics.every_n_steps = metrics_every or 10**9
        trainer, module = build(cfg, Path(tmp))
        timer = _StepTimer(warmup)
        trainer.callbacks.append(timer)
        trainer.fit(module)
    return steps / (timer.end - timer.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)  # spans two metric steps at 1000
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", default="quick")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    quiet_lightning()
    tmp = Path(tempfile.mkdtemp())
    cfg = compose_job(["+experiment=fig3", f"budget={args.budget}", "rewarm.offset=0"], tmp)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    every = cfg.budget.metrics_every if args.budget == "paper" else 1000
    print(
        f"device={device} threads={torch.get_num_threads()} steps={args.steps} "
        f"batch={cfg.task.batch_size} p={cfg.task.p} metrics every {every} steps"
    )
    best = {"bare": 0.0, "framework": 0.0, "framework+metrics": 0.0}
    for _ in range(args.repeats):
        best["bare"] = max(best["bare"], bare_loop(cfg, args.steps, args.warmup, device))
        best["framework"] = max(best["framework"], framework(cfg, args.steps, args.warmup, None))
        best["framework+metrics"] = max(
            best["framework+metrics"], framework(cfg, args.steps, args.warmup, every)
        )
    for name, rate in best.items():
        print(f"{name:>18}: {rate:8.1f} steps/s")
    ratios = {
        "framework/bare": best["framework"] / best["bare"],
        "metrics_cost": 1 - best["framework+metrics"] / best["framework"],
    }
    print(f"framework / bare = {ratios['framework/bare']:.3f}   (goal >= 0.97)")
    print(f"metrics cost at every {every} steps = {ratios['metrics_cost']:.1%}   (target < 5%)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"device": str(device), **best, **ratios}, indent=2))


if __name__ == "__main__":
    main()

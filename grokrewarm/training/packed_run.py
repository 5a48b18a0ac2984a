"""Train a pack: N supervised runs in one process as one stacked model (``pack=N``).

``train_pack(members)`` takes each member's resolved config and run folder and gives every
member what a solo run (``training.run.train``) has: its folder's lifecycle (skip if ``DONE``,
``config.yaml``, ``metadata.json``, ``DONE``/``FAILED``), its loggers (``metrics.csv``, W&B), its
metrics callback on its own schedule, its re-warm controller and trigger, its divergence stop
(a diverged member leaves the stack; the others go on), the lock on its folder (a member another
process holds is left out, recorded busy) and its checkpoints, written and chosen as a solo run's
(``last.ckpt`` and ``previous.ckpt``; ``metrics.csv`` cut back to the step resumed from). The
step itself is ``grokrewarm.training.packing``'s.

Runs that cannot be packed (``NotPackable``: BatchNorm, different shapes, an optimizer that is not
stacked) are trained one after another with the solo runner, with a log line saying why.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from grokrewarm.lifecycle import (
    DIVERGED,
    FINISHED,
    CheckpointFiles,
    EndRecord,
    NonFiniteLoss,
    PreemptionSignal,
    RunFolder,
    build_loggers,
    choose_resume,
    hold_folder,
    refuse_unconsumed,
    restore_rng,
    rng_state,
)
from grokrewarm.lifecycle.checkpoints import Resume, cut_metrics, torch_writer
from grokrewarm.lifecycle.groups import refuse_unsized_budget
from grokrewarm.lifecycle.threads import apply_threads
from grokrewarm.training.callbacks import FeatureMetricsCallback
from grokrewarm.training.module import RewarmModule
from grokrewarm.training.packing import (
    NotPackable,
    PackedModel,
    StackedOptimizer,
    StackedProjection,
)
from grokrewarm.training.run import (
    SUPERVISED,
    build_metrics_callback,
    build_module,
    load_checkpoint,
    quiet_lightning,
)
from grokrewarm.training.run import train as train_solo

log = logging.getLogger(__name__)
PACKED_CHECKPOINT = "packed"  # the key that marks a pack member's checkpoint


@dataclass
class MemberTrainer:
    """What a metrics callback reads of its trainer, for one pack member."""

    global_step: int
    max_steps: int
    loggers: list
    optimizers: list


@dataclass
class Member:
    cfg: DictConfig
    folder: RunFolder
    module: RewarmModule
    optimizer: torch.optim.Optimizer
    metrics: FeatureMetricsCallback
    trainer: MemberTrainer
    files: CheckpointFiles
    window_steps: int = 0
    checkpoint: dict | None = field(default=None, repr=False)


# Lightning's trainer.precision values a pack trains with: the parameters' dtype.
PRECISIONS = {
    "32-true": torch.float32,
    "32": torch.float32,
    "64-true": torch.float64,
    "64": torch.float64,
}


def _dtype(cfg: DictConfig) -> torch.dtype:
    precision = str(cfg.trainer.get("precision", "32-true"))
    if precision not in PRECISIONS:
        raise NotPackable(f"trainer.precision={precision} is not stacked (32-true or 64-true)")
    return PRECISIONS[precision]


def _device(cfg: DictConfig) -> torch.device:
    wants_gpu = cfg.trainer.get("accelerator", "auto") in ("auto", "gpu", "cuda")
    return torch.device("cuda" if wants_gpu and torch.cuda.is_available() else "cpu")


def _build_member(
    cfg: DictConfig, folder: RunFolder, device: torch.device, resume: Resume
) -> Member:
    module = build_module(cfg).to(device=device, dtype=_dtype(cfg))
    optimizer = module.configure_optimizers()
    logger_cfg = cfg
    if cfg.logger.get("wandb") is not None:  # one process, N open W&B runs
        logger_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
        logger_cfg.logger.wandb.reinit = "create_new"
    loggers = build_loggers(logger_cfg)
    trainer = MemberTrainer(0, cfg.trainer.max_steps, loggers, [optimizer])
    files = CheckpointFiles(folder.checkpoint_dir, unit="step", last_progress=resume.progress)
    member = Member(cfg, folder, module, optimizer, build_metrics_callback(cfg), trainer, files)
    if resume.state is not None:
        member.checkpoint = resume.state
        module.load_state_dict(member.checkpoint["module"])
        module.on_load_checkpoint(member.checkpoint)  # controller, projection, RNG
        member.metrics.load_state_dict(member.checkpoint["metrics"])
        member.trainer.global_step = member.checkpoint["global_step"]
    return member


def _choose_pack_resume(members: list[tuple[DictConfig, RunFolder]]) -> list[Resume]:
    """Each member's checkpoint to resume from, all at one step (the members train in lockstep).

    Each member chooses as a solo run does (the last checkpoint that loads, else the previous);
    a member whose last checkpoint did not load is one save behind the others, so the others go
    back to their previous checkpoint, which was saved at that same step."""
    resumes = []
    for cfg, folder in members:
        resume = choose_resume(
            CheckpointFiles(folder.checkpoint_dir, unit="step"),
            cfg,
            load=load_checkpoint,
            progress_of=lambda state: state["global_step"],
            metrics=folder.metrics_path,
        )
        if resume.state is not None and not resume.state.get(PACKED_CHECKPOINT):
            raise NotPackable(f"{resume.path} was written by a solo run; resume it solo")
        resumes.append(resume)
    step = min(resume.progress for resume in resumes)
    for (_, folder), resume in zip(members, resumes, strict=True):
        if resume.progress == step:
            continue
        previous = CheckpointFiles(folder.checkpoint_dir).previous
        state = load_checkpoint(previous) if previous.is_file() else None
        if state is None or state["global_step"] != step:
            raise ValueError(
                f"the pack's members cannot resume at one step: {folder.path} is at step "
                f"{resume.progress:,} and has no checkpoint at step {step:,}"
            )
        log.warning(f"{folder.path}: resuming from {previous} at step {step:,}, as the pack")
        resume.path, resume.state, resume.progress = previous, state, step
        cut_metrics(folder.metrics_path, step)
    return resumes


@contextlib.contextmanager
def _default_dtype(dtype: torch.dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


class Pack:
    """The members still training, their stacked model, optimizer and projection, and the
    stacked per-member bookkeeping (first non-finite step, loss window) that a solo run keeps
    per module; it crosses to the host only where a solo run would read it."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members
        self.packed = PackedModel([m.module for m in members])
        self.optimizer = StackedOptimizer(self.packed, [m.optimizer for m in members])
        if members[0].checkpoint is not None:
            self.optimizer.load_member_states([m.checkpoint["optimizer"] for m in members])
        self.projection = StackedProjection(self.packed)
        device = next(iter(self.packed.params.values())).device
        self.dtype = _dtype(members[0].cfg)
        self.first_bad = torch.full((len(members),), -1, dtype=torch.long, device=device)
        self.window = torch.zeros(len(members), device=device, dtype=self.dtype)
        for i, member in enumerate(members):
            window, steps = member.module._loss_window, member.module._window_steps
            if window is not None:
                self.window[i] = window.to(device)
            member.window_steps = steps
        # members with one task config (one data seed) share each step's batch
        self.shared_task = all(m.cfg.task == members[0].cfg.task for m in members[1:])

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.shared_task:
            return self.members[0].module.task.train_batch(step)
        batches = [m.module.task.train_batch(step) for m in self.members]
        return (
            torch.stack([inputs for inputs, _ in batches]),
            torch.stack([targets for _, targets in batches]),
        )

    def step(self, step: int) -> torch.Tensor:
        """One optimizer step of every member (Algorithm 1's order, as ``RewarmModule``)."""
        for member in self.members:
            module = member.module
            module.last_lr = module.controller.apply(member.optimizer, step)
        inputs, targets = self.batch(step)
        for param in self.packed.params.values():
            param.grad = None
        losses = self.packed.losses(inputs, targets, batched_data=not self.shared_task)
        losses.sum().backward()  # each member's gradient is its own loss's
        self.optimizer.step()
        losses = losses.detach()
        bad = ~torch.isfinite(losses) & (self.first_bad < 0)
        self.first_bad = torch.where(bad, step, self.first_bad)
        self.projection.maybe_project(step + 1)
        self.window += losses
        for member in self.members:
            member.window_steps += 1
        return losses

    def observe(self, done: int) -> None:
        """Each member's trigger sees the step, and at the end of its window the window's mean
        loss (``RewarmModule._observe``); the means cross to the host in one transfer."""
        due = [
            i
            for i, m in enumerate(self.members)
            if m.module.controller.needs_loss and done % m.module.controller.observe_every == 0
        ]
        if due:
            steps = torch.tensor([m.window_steps for m in self.members], device=self.window.device)
            means = (self.window / steps).tolist()
        for i, member in enumerate(self.members):
            controller = member.module.controller
            if not controller.needs_loss:
                controller.observe(done)
            elif i in due:
                controller.observe(done, means[i])
                member.window_steps = 0
        if due:
            self.window[due] = 0.0

    def sync_members(self, indices: list[int]) -> None:
        """Hand members their loss window and first non-finite step, held as a solo
        ``RewarmModule`` holds them, before their metrics or checkpoint read them."""
        for i in indices:
            module, steps = self.members[i].module, self.members[i].window_steps
            module._loss_window = self.window[i].clone() if steps else None
            module._window_steps = steps
            module.nonfinite._first_bad = self.first_bad[i].clone()

    def take_windows(self, indices: list[int]) -> None:
        """Take back the windows that metrics consumed (``pop_window_loss``)."""
        for i in indices:
            member = self.members[i]
            if member.module._loss_window is None:
                self.window[i] = 0.0
            member.window_steps = member.module._window_steps

    def diverged(self) -> list[int]:
        """Indices of members whose loss went non-finite (one host sync)."""
        return [i for i, at in enumerate(self.first_bad.tolist()) if at >= 0]

    def drop(self, leaving: list[int]) -> None:
        keep = [i for i in range(len(self.members)) if i not in leaving]
        self.members = [self.members[i] for i in keep]
        if not keep:
            return
        self.packed.restack(keep)
        self.optimizer.drop(keep)
        self.projection.refresh()
        self.first_bad = self.first_bad[keep]
        self.window = self.window[keep]

    def save(self, done: int) -> None:
        self.sync_members(list(range(len(self.members))))
        rng = rng_state()
        for i, member in enumerate(self.members):
            checkpoint = {PACKED_CHECKPOINT: True, "global_step": done, "rng": rng}
            member.module.on_save_checkpoint(checkpoint)
            checkpoint["rng"] = rng  # one process: the members share it
            checkpoint["module"] = {k: v.clone() for k, v in member.module.state_dict().items()}
            checkpoint["optimizer"] = self.optimizer.member_state(i)
            checkpoint["metrics"] = member.metrics.state_dict()
            member.files.save(torch_writer(checkpoint), done)


def fit_pack(pack: Pack, on_end) -> None:
    """Train ``pack``'s members together to their (equal) budget; ``on_end(member, record)`` is
    called for each member as it ends (diverged, or finished)."""
    members = pack.members
    max_steps = members[0].trainer.max_steps
    start = members[0].trainer.global_step
    if any(m.trainer.global_step != start for m in members):
        raise ValueError("the pack's members were checkpointed at different steps")
    if members[0].checkpoint is not None:
        restore_rng(members[0].checkpoint["rng"])
    for member in members:
        member.metrics.on_fit_start(member.trainer, member.module)
        member.metrics.on_train_start(member.trainer, member.module)
    checkpoint_every = members[0].cfg.budget.checkpoint_every
    check_every = members[0].module.nonfinite.check_every
    signal = PreemptionSignal()
    signal.install()
    try:
        for step in range(start, max_steps):
            with _default_dtype(pack.dtype):  # as Lightning's precision runs a training step
                pack.step(step)
            done = step + 1
            rows = [i for i, m in enumerate(pack.members) if done % m.metrics.every_n_steps == 0]
            windows = any(
                m.module.controller.needs_loss and done % m.module.controller.observe_every == 0
                for m in pack.members
            )
            saving = done % checkpoint_every == 0 or signal.pending is not None
            # where a solo run would read the loss on the host, the pack checks every member
            if done % check_every == 0 or rows or windows or saving:
                leaving = pack.diverged()
                for i in leaving:
                    at = int(pack.first_bad[i])
                    detail = str(NonFiniteLoss("train/loss", "step", at))
                    record = EndRecord(DIVERGED, "step", at, max_steps, {}, detail)
                    on_end(pack.members[i], record)
                if leaving:
                    pack.drop(leaving)
                    if not pack.members:
                        return
                    rows = [
                        i for i, m in enumerate(pack.members) if done % m.metrics.every_n_steps == 0
                    ]
            pack.observe(done)
            for member in pack.members:
                member.trainer.global_step = done
            pack.sync_members(rows)
            for i in rows:
                member = pack.members[i]
                member.metrics.on_train_batch_end(member.trainer, member.module, None, step, 0)
            pack.take_windows(rows)
            if saving:
                pack.save(done)
            signal.hand_on(lambda: None)  # saved above
        pack.save(max_steps)
        for member in pack.members:
            metrics = {k: float(v) for k, v in member.module.evaluate().items()}
            on_end(member, EndRecord(FINISHED, "step", max_steps, max_steps, metrics))
    finally:
        signal.restore()


def _finish_loggers(member: Member) -> None:
    from lightning.pytorch.loggers import WandbLogger

    for logger in member.trainer.loggers:
        logger.finalize("success")
        if isinstance(logger, WandbLogger):
            logger.experiment.finish()


def train_pack(members: list[tuple[DictConfig, str | Path]]) -> list[EndRecord]:
    """Train (or resume, or skip the ended) runs ``members``, ``(resolved config, run folder)``
    each, as one pack; return how each ended, in order."""
    quiet_lightning()
    records: dict[int, EndRecord] = {}
    for cfg, _ in members:
        refuse_unconsumed(cfg, SUPERVISED.name, SUPERVISED.consumes)
        refuse_unsized_budget(cfg)
    locks = []
    try:
        todo = []
        for index, (cfg, run_dir) in enumerate(members):
            folder = RunFolder(run_dir)
            held = hold_folder(folder, SUPERVISED, cfg.trainer.max_steps)
            if isinstance(held, EndRecord):  # another process trains it
                records[index] = held
                continue
            locks.append(held)
            record = folder.end_record()
            if record is not None and record.ends(cfg.trainer.max_steps) and not cfg.force:
                log.info(f"{run_dir} already ended ({record.status}; DONE); skipping")
                records[index] = record
            else:
                todo.append(index)
        if todo:
            _train_held(members, todo, records, locks)
    finally:
        for lock in locks:
            lock.release()
    return [records[i] for i in range(len(members))]


def _train_held(
    members: list[tuple[DictConfig, str | Path]],
    todo: list[int],
    records: dict[int, EndRecord],
    locks: list,
) -> None:
    """Train the members ``todo`` (their folders held by ``locks``) into ``records``."""
    first = members[todo[0]][0]
    budgets = {members[i][0].trainer.max_steps for i in todo}
    if len(budgets) != 1:
        raise NotPackable(f"the runs have different budgets {sorted(budgets)}")
    threads = apply_threads(first).record()
    device = _device(first)
    chosen = [(members[i][0], RunFolder(members[i][1])) for i in todo]
    try:  # a pack refused here leaves each folder as its solo run will find it
        resumes = _choose_pack_resume(chosen)
        built = [
            _build_member(cfg, folder, device, resume)
            for (cfg, folder), resume in zip(chosen, resumes, strict=True)
        ]
        pack = Pack(built)
    except NotPackable as reason:
        log.warning(f"these {len(todo)} runs cannot be packed ({reason}); training them one by one")
        for lock in locks:  # the solo runner takes each folder's lock itself
            lock.release()
        locks.clear()
        for i in todo:
            cfg, run_dir = members[i]
            records[i] = train_solo(cfg, run_dir)
        return
    for member in built:
        budget = member.trainer.max_steps
        member.folder.start(member.cfg, SUPERVISED.name, SUPERVISED.unit, budget, threads=threads)
    ended: dict[int, EndRecord] = {}

    def on_end(member: Member, record: EndRecord) -> None:
        ended[id(member)] = record
        member.folder.write_end(record)
        if record.status == DIVERGED:
            log.error(f"{member.folder.path} diverged: {record.detail}; the pack goes on")
        else:
            summary = ", ".join(f"{k}={v:.4g}" for k, v in record.metrics.items())
            log.info(f"{member.folder.path} final (step {record.progress:,}): {summary}")
        _finish_loggers(member)

    log.info(f"training {len(built)} runs as one pack on {device}")
    try:
        fit_pack(pack, on_end)
    except Exception as error:
        for member in built:
            if id(member) not in ended:
                member.folder.write_failure(error)
                _finish_loggers(member)
        raise
    for i, member in zip(todo, built, strict=True):
        records[i] = ended[id(member)]

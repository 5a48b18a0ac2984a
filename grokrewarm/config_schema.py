"""The config's types: dataclasses registered with Hydra's ConfigStore, checked as Hydra composes.

Every option file of the groups a user sets by hand extends its schema through its defaults list
(``conf/task/mnist.yaml``: ``defaults: [/schema/task/mnist@_here_, _self_]``), the root config
extends :class:`Root`, and each budget :class:`Budget`. Hydra merges the YAML and the
command line into these typed nodes, so ``task.train_fraction=abc`` or ``seed=abc`` stops the
composition (before Hydra makes a run folder) with OmegaConf's message, which names the key, the
value and the type::

    Error merging override task.train_fraction=abc
    Value 'abc' of type 'str' could not be converted to Float
        full_key: task.train_fraction
        object_type=ModularArithmeticTask

and a key an option does not declare (``+task.train_fractoin=0.5``, or a misspelt key in an
experiment file) is refused with ``Key 'train_fractoin' not in 'ModularArithmeticTask'``.

Closed and open nodes. A closed node (a plain dataclass) takes only its fields: the task, model,
projection, metrics, agent and env options, the LR controllers, the optimizers' factories. Four
nodes stay open to keys they do not declare, which OmegaConf allows for a dataclass that
subclasses ``Dict[str, Any]`` (deprecated in OmegaConf 2.1, still supported by the pinned 2.3;
its warning is silenced where the schemas are stored):

- ``budget`` and ``budget.atari``: each experiment's ``budgets:`` entry adds its own keys
  (``alphas``, ``offsets``, ``phase_steps``, ``games``, ...), and the experiment reads them as
  ``${budget.alphas}``; typing them would mean a field per experiment in one class, or moving
  them under per-experiment nodes, a restructuring of every experiment. The keys every budget
  has are typed.
- ``rewarm``: the knobs a schedule interpolates (``${rewarm.min_lr}``) are set by the domain for
  every schedule it may pick (``conf/domain/atari.yaml`` sets ``min_lr``, ``period``,
  ``n_cycles`` ... on ``rewarm=constant``); the knobs each option declares are typed, and its
  ``controller`` (what is built) is closed.
- the root: every group is a key of it, and a group a runner does not use is absent (Atari jobs
  have no ``task``), so the root types its own keys (``seed``, ``resume``, ...) and leaves the
  groups to their own schemas.

An open node is closed once the config is composed (Hydra sets the root to struct), so a
misspelt key there is still refused on the command line unless it is added on purpose with
``+``. Values that are interpolations (``p: ${budget.p}``) are typed where they land and
checked when resolved; ``grokrewarm.lifecycle.job.run_job`` resolves the whole config before it
touches the run folder. Range checks (``p`` prime for division, fractions in (0, 1], ...) stay
where they were, in the classes the config builds.

What composition alone lets through (a key added with ``+``, an interpolation whose value does not
fit its key) is refused by :func:`refuse_undeclared_keys` and :func:`resolve_all`, which
``grokrewarm.lifecycle.job.refuse_before_start`` runs before Hydra makes a folder.

``register()`` stores every schema (idempotent). Hydra imports
``hydra_plugins/grokrewarm_schema`` while it scans plugins, before it composes anything, and that
module calls it; the submitit launcher ships the ConfigStore to each job.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional  # noqa: UP035 (OmegaConf needs typing's generics)

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    InterpolationResolutionError,
    MissingMandatoryValue,
    ValidationError,
)

# -- root ---------------------------------------------------------------------------------------


@dataclass
class Root(Dict[str, Any]):  # noqa: UP006 (open: the groups are keys of the root)
    experiment: str = "adhoc"
    runner: str = MISSING
    condition: str = MISSING
    panel: str = "main"
    seed: int = 0
    init_scale: float = 1.0
    # true: continue from the last good checkpoint; false: start over; strict: stop if a
    # checkpoint is there but none loads. A bool or that word, so typed Any and checked by
    # grokrewarm.lifecycle.checkpoints.resume_mode (OmegaConf 2.3 has no Union of bool and str).
    resume: Any = True
    force: bool = False
    threads: Optional[int] = None  # noqa: UP045


# -- budget -------------------------------------------------------------------------------------


@dataclass
class Datasets:
    warm_start: str = MISSING
    mnist: str = MISSING
    qm9: str = MISSING
    imdb: str = MISSING


@dataclass
class Budget(Dict[str, Any]):  # noqa: UP006 (open: experiments add their own keys)
    name: str = MISSING
    steps: int = MISSING
    warmup_steps: int = MISSING
    metrics_every: int = MISSING
    checkpoint_every: int = MISSING
    p: int = MISSING
    train_fraction: float = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045 (null: full batch)
    rewarm_length: int = MISSING
    cycle_period: int = MISSING
    seeds: List[int] = MISSING  # noqa: UP006
    datasets: Datasets = field(default_factory=Datasets)


@dataclass
class AtariBudget(Dict[str, Any]):  # noqa: UP006 (open: atari100k adds game lists, CPU budgets
    # target_update and epsilon_decay: conf/agent/dqn.yaml reads them, else its own values)
    frames: int = MISSING
    learning_starts: int = MISSING
    replay_capacity: int = MISSING
    metrics_every: int = MISSING
    checkpoint_every: int = MISSING
    cycle_period: int = MISSING
    rewarm_warmup: int = MISSING
    low_replay_cycle_period: int = MISSING
    reset_period: int = MISSING
    stop_at: int = MISSING
    high_replay_games: str = MISSING  # a list's name in conf/env/ale.yaml
    low_replay_games: str = MISSING
    seeds: List[int] = MISSING  # noqa: UP006
    torch_threads: Optional[int] = MISSING  # noqa: UP045
    eval_episodes: int = MISSING
    eval_epsilon: float = MISSING


# -- task ---------------------------------------------------------------------------------------
# One class per option, its fields the option file's keys, typed as the class it builds takes
# them (tests/conf/test_schema.py holds each against the file and the constructor's signature).


@dataclass
class ModularArithmeticTask:
    _target_: str = "grokrewarm.domains.grokking.task.ModularArithmeticTask"
    p: int = MISSING
    op: str = MISSING
    train_fraction: float = MISSING
    seed: int = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045
    probe_size: int = MISSING
    loss_dtype: str = MISSING


@dataclass
class WarmStartTask:
    _target_: str = "grokrewarm.domains.warm_start.task.WarmStartImageTask"
    dataset: str = MISSING
    data_dir: Optional[str] = MISSING  # noqa: UP045
    download: bool = MISSING
    verify_checksums: bool = MISSING
    initial_fraction: float = MISSING
    switch_step: int = MISSING
    batch_size: int = MISSING
    seed: int = MISSING
    probe_size: int = MISSING
    train_eval_size: Optional[int] = MISSING  # noqa: UP045
    eval_batch_size: int = MISSING


@dataclass
class PolynomialTask:
    _target_: str = "grokrewarm.domains.lazy_rich.polynomial.PolynomialTask"
    n_train: int = MISSING
    n_test: int = MISSING
    dim: int = MISSING
    hermite_degree: Optional[int] = MISSING  # noqa: UP045
    seed: int = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045


@dataclass
class EigenvectorLabelsTask:
    _target_: str = "grokrewarm.domains.lazy_rich.eigenvector_labels.EigenvectorLabelTask"
    j: int = MISSING
    n_train: int = MISSING
    n_test: int = MISSING
    dim: int = MISSING
    width: int = MISSING
    eps: float = MISSING
    label_scale: Optional[float] = MISSING  # noqa: UP045
    subtract_mean: bool = MISSING
    seed: int = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045


@dataclass
class ModularMlpTask:
    _target_: str = "grokrewarm.domains.lazy_rich.modular_mlp.ModularAdditionMLPTask"
    p: int = MISSING
    train_fraction: float = MISSING
    seed: int = MISSING
    loss: str = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045


@dataclass
class TeacherStudentTask:
    _target_: str = "grokrewarm.domains.lazy_rich.teacher_student.TeacherStudentTask"
    n_train: int = MISSING
    n_test: int = MISSING
    seed: int = MISSING
    threshold: float = MISSING
    error: str = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045


@dataclass
class MnistTask:
    _target_: str = "grokrewarm.domains.lazy_rich.mnist.MnistTask"
    n_train: int = MISSING
    loss: str = MISSING
    dataset: str = MISSING
    data_dir: Optional[str] = MISSING  # noqa: UP045
    download: bool = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045
    seed: int = MISSING


@dataclass
class ImdbTask:
    _target_: str = "grokrewarm.domains.lazy_rich.imdb.ImdbTask"
    n_train: Optional[int] = MISSING  # noqa: UP045
    vocab_size: int = MISSING
    max_length: int = MISSING
    test_fraction: float = MISSING
    data_dir: Optional[str] = MISSING  # noqa: UP045
    download: bool = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045
    seed: int = MISSING
    split_seed: Optional[int] = MISSING  # noqa: UP045
    eval_size: Optional[int] = MISSING  # noqa: UP045
    eval_batch_size: int = MISSING
    dataset: str = MISSING


@dataclass
class Qm9Task:
    _target_: str = "grokrewarm.domains.lazy_rich.qm9.Qm9Task"
    n_train: int = MISSING
    n_test: Optional[int] = MISSING  # noqa: UP045
    dataset: str = MISSING
    data_dir: Optional[str] = MISSING  # noqa: UP045
    download: bool = MISSING
    batch_size: Optional[int] = MISSING  # noqa: UP045
    standardize: bool = MISSING
    split_seed: int = MISSING
    seed: int = MISSING


# -- model --------------------------------------------------------------------------------------


@dataclass
class TransformerModel:
    _target_: str = "grokrewarm.domains.grokking.transformer.GrokTransformer"
    d_model: int = MISSING
    num_heads: int = MISSING
    head_dim: int = MISSING
    d_mlp: int = MISSING
    norm: str = MISSING
    init: str = MISSING


@dataclass
class ConvNetModel:
    _target_: str = "grokrewarm.domains.warm_start.models.ConvNet"
    in_channels: int = MISSING
    image_size: int = MISSING
    channels: int = MISSING
    hidden_width: int = MISSING


@dataclass
class ResNet18Model:
    _target_: str = "grokrewarm.domains.warm_start.models.resnet18_cifar"


@dataclass
class CommitteeMachineModel:
    _target_: str = "grokrewarm.domains.lazy_rich.polynomial.committee_machine"
    width: int = MISSING
    eps: float = MISSING
    train_readouts: bool = MISSING
    hermite_degree: Optional[int] = MISSING  # noqa: UP045


@dataclass
class ModularMlpModel:
    _target_: str = "grokrewarm.domains.lazy_rich.modular_mlp.ModularAdditionMLP"
    width: int = MISSING


@dataclass
class TeacherStudentMlpModel:
    _target_: str = "grokrewarm.domains.lazy_rich.teacher_student.teacher_student_mlp"
    hidden: int = MISSING


@dataclass
class OmnigrokMlpModel:
    _target_: str = "grokrewarm.domains.lazy_rich.mnist.OmnigrokMLP"
    width: int = MISSING
    depth: int = MISSING


@dataclass
class ImdbLstmModel:
    _target_: str = "grokrewarm.domains.lazy_rich.imdb.ImdbLSTM"
    embedding_dim: int = MISSING
    hidden_dim: int = MISSING
    num_layers: int = MISSING


@dataclass
class Qm9GcnModel:
    _target_: str = "grokrewarm.domains.lazy_rich.qm9.Qm9GNN"
    conv: str = MISSING
    widths: List[int] = MISSING  # noqa: UP006
    edge_hidden: int = MISSING
    pool: str = MISSING
    head: List[int] = MISSING  # noqa: UP006


# -- optimizer ----------------------------------------------------------------------------------
# ``lr`` is a placeholder (the re-warm controller sets it every step); ``weight_decay`` and
# ``scale_decay`` are applied by the module to its own parameter groups. A factory is open: what
# it does not declare goes to torch's optimizer as it is (conf/domain/atari.yaml adds ``fused``),
# and torch refuses a keyword it does not take.


@dataclass
class AdamFactory(Dict[str, Any]):  # noqa: UP006 (open: torch's other keywords)
    _target_: str = "torch.optim.Adam"
    _partial_: bool = True
    lr: float = MISSING
    betas: List[float] = MISSING  # noqa: UP006
    eps: float = MISSING


@dataclass
class AdamWFactory(AdamFactory):
    _target_: str = "torch.optim.AdamW"


@dataclass
class SgdFactory(Dict[str, Any]):  # noqa: UP006 (open: torch's other keywords)
    _target_: str = "torch.optim.SGD"
    _partial_: bool = True
    lr: float = MISSING
    momentum: float = MISSING


@dataclass
class AdamOptimizer:
    weight_decay: float = MISSING
    scale_decay: float = MISSING
    factory: AdamFactory = field(default_factory=AdamFactory)


@dataclass
class AdamWOptimizer:
    weight_decay: float = MISSING
    scale_decay: float = MISSING
    factory: AdamWFactory = field(default_factory=AdamWFactory)


@dataclass
class SgdOptimizer:
    weight_decay: float = MISSING
    scale_decay: float = MISSING
    factory: SgdFactory = field(default_factory=SgdFactory)


# -- projection, metrics ------------------------------------------------------------------------


@dataclass
class NormProjection:
    _target_: str = "grokrewarm.method.projection.NormProjection"
    _partial_: bool = True
    include: List[str] = MISSING  # noqa: UP006
    every_k_steps: int = MISSING
    scale: float = MISSING
    scope: str = MISSING


@dataclass
class NoProjection:
    pass


@dataclass
class FeatureMetrics:
    every_n_steps: int = MISSING
    features: bool = MISSING


@dataclass
class LazyMetrics:
    _target_: str = "grokrewarm.training.laziness.LazinessMetricsCallback"
    every_n_steps: int = MISSING
    features: bool = MISSING
    alignment_size: int = MISSING
    alignment_centering: str = MISSING
    ntk_chunk_size: Optional[int] = MISSING  # noqa: UP045
    ntk_regression: bool = MISSING


# -- rewarm: the knobs (open, see the module docstring) and the controller they build (closed) --


@dataclass
class ConstantSchedule:
    _target_: str = "grokrewarm.method.schedules.ConstantSchedule"
    lr: float = MISSING


@dataclass
class WarmupCosineSchedule:
    _target_: str = "grokrewarm.method.schedules.WarmupCosineSchedule"
    peak_lr: float = MISSING
    total_steps: int = MISSING
    warmup_steps: int = MISSING
    final_lr: float = MISSING


@dataclass
class CyclicSchedule:
    _target_: str = "grokrewarm.method.schedules.CyclicSchedule"
    min_lr: float = MISSING
    max_lr: float = MISSING
    period: int = MISSING
    warmup_fraction: float = MISSING


@dataclass
class EarlyStoppedSchedule:
    _target_: str = "grokrewarm.method.schedules.EarlyStoppedSchedule"
    stop_step: int = MISSING
    final_lr: float = MISSING
    schedule: CyclicSchedule = field(default_factory=CyclicSchedule)


@dataclass
class EarlyStoppedCyclicSchedule:
    _target_: str = "grokrewarm.method.schedules.EarlyStoppedCyclicSchedule"
    min_lr: float = MISSING
    max_lr: float = MISSING
    period: int = MISSING
    warmup_fraction: float = MISSING
    n_cycles: int = MISSING
    final_lr: Optional[float] = MISSING  # noqa: UP045


@dataclass
class OffsetSchedule:
    _target_: str = "grokrewarm.method.schedules.OffsetSchedule"
    hold_lr: float = MISSING
    offset: int = MISSING
    schedule: WarmupCosineSchedule = field(default_factory=WarmupCosineSchedule)


@dataclass
class CusumTrigger:
    _target_: str = "grokrewarm.method.triggers.CusumTrigger"
    threshold: float = MISSING
    drift: float = MISSING
    warmup: int = MISSING
    cooldown: int = MISSING
    observe_every: int = MISSING
    direction: str = MISSING


@dataclass
class FixedStepsTrigger:
    _target_: str = "grokrewarm.method.triggers.FixedStepsTrigger"
    steps: List[int] = MISSING  # noqa: UP006
    every: Optional[int] = MISSING  # noqa: UP045


_CONTROLLER = "grokrewarm.method.rewarm.RewarmController"


@dataclass
class ConstantController:
    _target_: str = _CONTROLLER
    schedule: ConstantSchedule = field(default_factory=ConstantSchedule)


@dataclass
class WarmupCosineController:
    _target_: str = _CONTROLLER
    schedule: WarmupCosineSchedule = field(default_factory=WarmupCosineSchedule)


@dataclass
class CyclicController:
    _target_: str = _CONTROLLER
    schedule: CyclicSchedule = field(default_factory=CyclicSchedule)


@dataclass
class EarlyStoppedAtController:
    _target_: str = _CONTROLLER
    schedule: EarlyStoppedSchedule = field(default_factory=EarlyStoppedSchedule)


@dataclass
class EarlyStoppedCyclicController:
    _target_: str = _CONTROLLER
    schedule: EarlyStoppedCyclicSchedule = field(default_factory=EarlyStoppedCyclicSchedule)


@dataclass
class OffsetController:
    _target_: str = _CONTROLLER
    schedule: OffsetSchedule = field(default_factory=OffsetSchedule)


@dataclass
class CusumController:
    _target_: str = _CONTROLLER
    rewarm_peak_scale: float = MISSING
    schedule: WarmupCosineSchedule = field(default_factory=WarmupCosineSchedule)
    trigger: CusumTrigger = field(default_factory=CusumTrigger)


@dataclass
class FixedController:
    _target_: str = _CONTROLLER
    rewarm_peak_scale: float = MISSING
    schedule: WarmupCosineSchedule = field(default_factory=WarmupCosineSchedule)
    trigger: FixedStepsTrigger = field(default_factory=FixedStepsTrigger)


@dataclass
class ConstantRewarm(Dict[str, Any]):  # noqa: UP006 (open, see the module docstring)
    lr: float = MISSING
    controller: ConstantController = field(default_factory=ConstantController)


@dataclass
class WarmupCosineRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    final_lr: float = MISSING
    length: int = MISSING
    warmup_steps: int = MISSING
    controller: WarmupCosineController = field(default_factory=WarmupCosineController)


@dataclass
class CyclicRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    min_lr: float = MISSING
    period: int = MISSING
    warmup_fraction: float = MISSING
    controller: CyclicController = field(default_factory=CyclicController)


@dataclass
class EarlyStoppedAtRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    min_lr: float = MISSING
    period: int = MISSING
    warmup_fraction: float = MISSING
    stop: int = MISSING
    final_lr: float = MISSING
    controller: EarlyStoppedAtController = field(default_factory=EarlyStoppedAtController)


@dataclass
class EarlyStoppedCyclicRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    min_lr: float = MISSING
    period: int = MISSING
    warmup_fraction: float = MISSING
    n_cycles: int = MISSING
    final_lr: Optional[float] = MISSING  # noqa: UP045
    controller: EarlyStoppedCyclicController = field(default_factory=EarlyStoppedCyclicController)


@dataclass
class OffsetRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    final_lr: float = MISSING
    hold_lr: float = MISSING
    offset: int = MISSING
    length: int = MISSING
    warmup_steps: int = MISSING
    controller: OffsetController = field(default_factory=OffsetController)


@dataclass
class CusumRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    final_lr: float = MISSING
    length: int = MISSING
    warmup_steps: int = MISSING
    rewarm_peak_scale: float = MISSING
    controller: CusumController = field(default_factory=CusumController)


@dataclass
class FixedRewarm(Dict[str, Any]):  # noqa: UP006
    lr: float = MISSING
    final_lr: float = MISSING
    length: int = MISSING
    warmup_steps: int = MISSING
    steps: List[int] = MISSING  # noqa: UP006
    every: Optional[int] = MISSING  # noqa: UP045
    rewarm_peak_scale: float = MISSING
    controller: FixedController = field(default_factory=FixedController)


# -- agent, env (Atari) -------------------------------------------------------------------------


@dataclass
class AtariNetwork:
    _target_: str = "grokrewarm.domains.atari.networks.AtariNetwork"
    atoms: int = MISSING
    dueling: bool = MISSING
    noisy: bool = MISSING
    norm: str = MISSING


@dataclass
class NoisyAtariNetwork(AtariNetwork):
    noisy_sigma0: float = MISSING


@dataclass
class Epsilon:
    start: float = MISSING
    end: float = MISSING
    decay_frames: int = MISSING


@dataclass
class Resets:
    period_frames: Optional[int] = MISSING  # noqa: UP045
    layers: List[str] = MISSING  # noqa: UP006


@dataclass
class Agent:
    name: str = MISSING
    device: str = MISSING
    network: AtariNetwork = field(default_factory=AtariNetwork)
    v_min: Optional[float] = MISSING  # noqa: UP045
    v_max: Optional[float] = MISSING  # noqa: UP045
    n_step: int = MISSING
    gamma: float = MISSING
    batch_size: int = MISSING
    replay_ratio: float = MISSING
    double_q: bool = MISSING
    priority_alpha: float = MISSING
    priority_beta: float = MISSING
    epsilon: Epsilon = field(default_factory=Epsilon)
    target_update_frames: int = MISSING
    reset: Resets = field(default_factory=Resets)
    checkpoint_replay: bool = MISSING
    precision: str = MISSING  # fp32, or bf16 (the learner's passes under bf16 autocast)


@dataclass
class RainbowAgent(Agent):
    network: NoisyAtariNetwork = field(default_factory=NoisyAtariNetwork)


@dataclass
class AleEnv:
    game: str = MISSING
    num_envs: int = MISSING
    frameskip: int = MISSING
    repeat_action_probability: float = MISSING
    noop_max: int = MISSING
    max_episode_frames: int = MISSING
    terminal_on_life_loss: bool = MISSING
    reward_clip: float = MISSING
    full_action_space: bool = MISSING
    fire_reset: bool = MISSING
    num_threads: int = MISSING
    game_lists: Dict[str, List[str]] = MISSING  # noqa: UP006


# -- registration -------------------------------------------------------------------------------

# (group under schema/, option, class): conf/<group>/<option>.yaml lists /schema/<group>/<option>
SCHEMAS: tuple[tuple[str, str, type], ...] = (
    ("budget", "budget", Budget),
    ("budget", "atari", AtariBudget),
    ("task", "modular_arithmetic", ModularArithmeticTask),
    ("task", "warm_start", WarmStartTask),
    ("task", "polynomial", PolynomialTask),
    ("task", "eigenvector_labels", EigenvectorLabelsTask),
    ("task", "modular_mlp", ModularMlpTask),
    ("task", "teacher_student", TeacherStudentTask),
    ("task", "mnist", MnistTask),
    ("task", "imdb", ImdbTask),
    ("task", "qm9", Qm9Task),
    ("model", "transformer", TransformerModel),
    ("model", "convnet", ConvNetModel),
    ("model", "resnet18", ResNet18Model),
    ("model", "committee_machine", CommitteeMachineModel),
    ("model", "modular_mlp", ModularMlpModel),
    ("model", "teacher_student_mlp", TeacherStudentMlpModel),
    ("model", "omnigrok_mlp", OmnigrokMlpModel),
    ("model", "imdb_lstm", ImdbLstmModel),
    ("model", "qm9_gcn", Qm9GcnModel),
    ("optimizer", "adam", AdamOptimizer),
    ("optimizer", "adamw", AdamWOptimizer),
    ("optimizer", "sgd", SgdOptimizer),
    ("projection", "none", NoProjection),
    ("projection", "nap", NormProjection),
    ("projection", "sphere", NormProjection),
    ("metrics", "default", FeatureMetrics),
    ("metrics", "eval_only", FeatureMetrics),
    ("metrics", "lazy", LazyMetrics),
    ("rewarm", "constant", ConstantRewarm),
    ("rewarm", "warmup_cosine", WarmupCosineRewarm),
    ("rewarm", "cyclic", CyclicRewarm),
    ("rewarm", "early_stopped_at", EarlyStoppedAtRewarm),
    ("rewarm", "early_stopped_cyclic", EarlyStoppedCyclicRewarm),
    ("rewarm", "offset", OffsetRewarm),
    ("rewarm", "cusum", CusumRewarm),
    ("rewarm", "fixed", FixedRewarm),
    ("agent", "dqn", Agent),
    ("agent", "rainbow", RainbowAgent),
    ("env", "ale", AleEnv),
)
ROOT_NAME = "grokrewarm_schema"  # conf/config.yaml's first default


def register() -> None:
    """Store every schema in Hydra's ConfigStore (again is harmless)."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*subclasses `Dict`", category=UserWarning)
        store.store(name=ROOT_NAME, node=Root)
        for group, name, node in SCHEMAS:
            store.store(group=f"schema/{group}", name=name, node=node)


# -- what composition alone lets through ---------------------------------------------------------


class ConfigError(ValueError):
    """A composed config that must not start a run."""


def _is_open(schema: type | None) -> bool:
    return schema is None or issubclass(schema, dict)


def _fields(schema: type) -> list[str]:
    return list(schema.__dataclass_fields__)


def refuse_undeclared_keys(cfg: DictConfig) -> None:
    """Refuse keys that a closed schema does not declare. Composition refuses them in YAML and
    as ``key=value``; ``+key=value`` adds a key whatever the schema says, so it is caught here,
    with the keys the node does take."""
    found: list[str] = []

    def walk(node: DictConfig, path: str) -> None:
        schema = OmegaConf.get_type(node)
        for key in list(node):
            where = f"{path}.{key}" if path else str(key)
            if not _is_open(schema) and key not in schema.__dataclass_fields__:
                value = node._get_node(key)._value()
                declared = [k for k in _fields(schema) if not k.startswith("_")]
                close = difflib.get_close_matches(str(key), declared, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                found.append(
                    f"{where}={value!r}: {schema.__name__} has no key {key!r} (its keys: "
                    f"{', '.join(declared)}){hint}"
                )
                continue
            child = node._get_node(key)
            if isinstance(child, DictConfig) and not child._is_none() and not child._is_missing():
                walk(child, where)

    walk(cfg, "")
    if found:
        raise ConfigError("unknown config keys, refused:\n  " + "\n  ".join(found))


def _is_container(node: DictConfig | ListConfig) -> bool:
    """A node with children to visit (not None, ``???`` or an interpolation)."""
    return not (node._is_none() or node._is_missing() or node._is_interpolation())


def resolve_all(cfg: DictConfig) -> None:
    """Resolve every value outside ``hydra``, so an interpolation whose value does not fit its
    key's type (``task.n_train: ${budget.n_trains}`` set to a string) is refused now, naming the
    key, rather than when the run reads it. Values that need Hydra's runtime (the output folder,
    not known before the job starts) and missing ones are skipped."""

    def walk(node: DictConfig | ListConfig) -> None:
        keys = node.keys() if isinstance(node, DictConfig) else range(len(node))
        for key in keys:
            if node is cfg and key == "hydra":
                continue
            child = node._get_node(key)
            if isinstance(child, DictConfig | ListConfig) and _is_container(child):
                walk(child)
                continue
            try:
                node[key]
            except ValidationError:
                raise
            except (InterpolationResolutionError, MissingMandatoryValue):
                continue

    walk(cfg)

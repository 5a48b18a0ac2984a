"""Figures 2, 3 and 8 of Lyle et al. 2025 (grokking on modular arithmetic), and the standard
setup of Nanda et al. 2023 that anchors them."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from grokrewarm.analysis.runs import Run, group_by_condition, load_runs  # noqa: E402
from grokrewarm.figures.drawing import plot_condition, save_figure  # noqa: E402


def _save(fig, sweep_dir: Path, name: str, title: str, runs: list[Run]) -> list[Path]:
    budget = runs[0].config.budget.name
    task = runs[0].config.task
    fig.suptitle(
        f"{title}  [{budget} budget: x {task.op} y mod {task.p}, {task.train_fraction:.0%} train]",
        fontsize=10,
    )
    return save_figure(fig, sweep_dir, name, dpi=130)


def _colors(n: int):
    cmap = plt.get_cmap("viridis")
    return [cmap(i / max(1, n - 1) * 0.9) for i in range(n)]


def render_fig2(sweep_dir: Path) -> list[Path]:
    runs = load_runs(sweep_dir)
    groups = group_by_condition(runs)
    lhs = [r for r in runs if r.panel == "lhs"]
    lrs = sorted({r.config.rewarm.lr for r in lhs}, reverse=True)
    wds = sorted({r.config.optimizer.weight_decay for r in lhs})
    fig = plt.figure(figsize=(16, 6))
    grid = fig.add_gridspec(2, len(lrs) + 1, wspace=0.3, hspace=0.35)
    for row, projection in enumerate(["nap", "none"]):
        for col, lr in enumerate(lrs):
            ax = fig.add_subplot(grid[row, col])
            for color, wd in zip(_colors(len(wds)), wds, strict=True):
                group = [
                    r
                    for r in lhs
                    if r.config.rewarm.lr == lr
                    and r.config.optimizer.weight_decay == wd
                    and ("_target_" in r.config.projection) == (projection == "nap")
                ]
                if group:
                    plot_condition(ax, group, "test/acc", f"wd={wd}", color)
            kind = "projected" if projection == "nap" else "unconstrained"
            ax.set_title(f"LHS {kind}, lr={lr:g}", fontsize=9)
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel("step")
            ax.set_ylabel("test accuracy")
            ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[:, -1])
    rhs = sorted((k for k in groups if k[0] == "rhs"), key=lambda k: k[1])
    for color, key in zip(_colors(len(rhs)), rhs, strict=True):
        cfg = groups[key][0].config
        kind = "projected" if "_target_" in cfg.projection else "unconstrained"
        plot_condition(
            ax, groups[key], "test/acc", f"{kind}, scale decay {cfg.optimizer.scale_decay:g}", color
        )
    ax.set_title("RHS: LayerNorm, warmup-cosine to 1e-2", fontsize=9)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=7)
    return _save(fig, sweep_dir, "fig2", "Fig. 2: ELR, weight decay, projection and grokking", runs)


def render_fig3(sweep_dir: Path) -> list[Path]:
    runs = load_runs(sweep_dir)
    panels = sorted({r.panel for r in runs})
    fig, axes = plt.subplots(
        3, len(panels), figsize=(6 * len(panels), 9), squeeze=False, sharex=True
    )
    for col, panel in enumerate(panels):
        in_panel = [r for r in runs if r.panel == panel]
        offsets = sorted({r.config.rewarm.offset for r in in_panel})
        peak = in_panel[0].config.rewarm.lr
        for color, offset in zip(_colors(len(offsets)), offsets, strict=True):
            group = [r for r in in_panel if r.config.rewarm.offset == offset]
            for row, column in enumerate(["test/acc", "activation_change/mlp", "lr"]):
                if column in group[0].metrics:
                    plot_condition(axes[row, col], group, column, f"offset {offset}", color)
                axes[row, col].axvline(offset, color=color, linestyle=":", linewidth=1)
        axes[0, col].set_title(f"re-warm to {peak:g}", fontsize=10)
        axes[0, col].set_ylabel("test accuracy")
        axes[0, col].set_ylim(-0.02, 1.02)
        axes[1, col].set_ylabel("activation-pattern change\n(MLP, fraction flipped per interval)")
        axes[2, col].set_ylabel("learning rate")
        axes[2, col].set_yscale("log")
        axes[2, col].set_xlabel("step")
        axes[0, col].legend(fontsize=7)
    return _save(fig, sweep_dir, "fig3", "Fig. 3: grokking on demand by re-warming the ELR", runs)


def render_fig8(sweep_dir: Path) -> list[Path]:
    runs = load_runs(sweep_dir)
    groups = group_by_condition(runs)
    keys = sorted(groups, key=lambda k: k[1])
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.5))
    for color, key in zip(_colors(len(keys)), keys, strict=True):
        group = groups[key]
        plot_condition(axes[0], group, "test/acc", key[1], color)
        plot_condition(axes[1], group, "rank/attention", key[1], color)
        for run in group:
            m = run.metrics.dropna(subset=["rank/attention"])
            axes[2].scatter(m["rank/attention"], m["test/acc"], color=color, s=6, alpha=0.6)
    axes[0].set_ylabel("test accuracy")
    axes[0].set_ylim(-0.02, 1.02)
    axes[1].set_ylabel("attention-output rank (srank, probe batch)")
    axes[2].set_xlabel("attention-output rank")
    axes[2].set_ylabel("test accuracy")
    for ax in axes[:2]:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=7, title="projection every k, weight decay", title_fontsize=7)
    return _save(fig, sweep_dir, "fig8", "Fig. 8: attention-output rank and grokking", runs)


def render_nanda_baseline(sweep_dir: Path) -> list[Path]:
    """Per panel (colour): train and test loss (log scale), and train and test accuracy, with
    Nanda et al.'s published phases as references."""
    runs = load_runs(sweep_dir)
    groups = group_by_condition(runs)
    keys = sorted(groups)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.5))
    for color, key in zip(_colors(len(keys)), keys, strict=True):
        label = f"{key[0]} ({key[1]})"
        for ax, split in ((axes[0], "train"), (axes[1], "test")):
            plot_condition(ax, groups[key], f"{split}/loss", label, color)
        plot_condition(axes[2], groups[key], "test/acc", f"test, {label}", color)
        for run in groups[key]:
            m = run.metrics.dropna(subset=["train/acc"])
            axes[2].plot(m["step"], m["train/acc"], color=color, linestyle=":", linewidth=1)
    for ax, title in zip(
        axes, ("train loss", "test loss", "accuracy (dotted: train)"), strict=True
    ):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step")
        ax.axvspan(9400, 13000, color="0.9", zorder=0)  # Nanda et al.'s clean-up phase
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].set_ylim(-0.02, 1.02)
    axes[2].legend(fontsize=7)
    title = "Nanda et al. 2023 setup (grey: their clean-up phase, 9.4k-13k steps)"
    return _save(fig, sweep_dir, "nanda_baseline", title, runs)


FIGURES = {
    "fig2": render_fig2,
    "fig3": render_fig3,
    "fig8": render_fig8,
    "nanda_baseline": render_nanda_baseline,
}

"""Figures 4, 5, 9 and 13 of Lyle et al. 2025 (warm-starting image classifiers).

Every figure is a grid: one column per method (e.g. projected / unconstrained), one row per
metric, one line per initial fraction; the data addition is a dotted vertical line. The last
column shows what the figure is about: final test accuracy against the initial fraction, one line
per method, so a warm-start gap is a line that falls to the left (from the summary table of
``grokrewarm.analysis.warm_start``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from grokrewarm.analysis.runs import Run, load_runs  # noqa: E402
from grokrewarm.analysis.warm_start import fraction_of, method_of  # noqa: E402
from grokrewarm.figures.drawing import plot_condition, save_figure  # noqa: E402


def deepest(run: Run, prefix: str) -> str | None:
    """The last ``prefix/<layer>`` column (layers are logged input to output)."""
    columns = [c for c in run.metrics.columns if c.startswith(prefix + "/")]
    return columns[-1] if columns else None


def dead_unit_total(metrics: pd.DataFrame) -> pd.Series:
    return metrics.filter(like="dead_unit_count/").sum(axis=1, min_count=1)


Row = tuple[str, Callable[[Run], str | None]]  # (y label, the metrics column of a run)


def render_grid(
    sweep_dir: Path,
    name: str,
    title: str,
    rows: list[Row],
    column_of: Callable[[Run], str] = method_of,
    runs: list[Run] | None = None,
) -> list[Path]:
    """Columns: ``column_of(run)``; rows: metrics; lines: initial fractions; plus the gap panel."""
    runs = runs if runs is not None else load_runs(sweep_dir)
    columns = sorted({column_of(r) for r in runs})
    fractions = sorted({fraction_of(r) for r in runs})
    colors = dict(zip(fractions, _colors(len(fractions)), strict=True))
    fig, axes = plt.subplots(
        len(rows),
        len(columns) + 1,
        figsize=(3.6 * (len(columns) + 1), 2.6 * len(rows)),
        squeeze=False,
    )
    for col, column in enumerate(columns):
        in_column = [r for r in runs if column_of(r) == column]
        for row, (label, column_name) in enumerate(rows):
            ax = axes[row, col]
            for fraction in fractions:
                group = [r for r in in_column if fraction_of(r) == fraction]
                metric = column_name(group[0]) if group else None
                if metric is not None and metric in group[0].metrics:
                    plot_condition(ax, group, metric, f"{fraction:.0%} initial", colors[fraction])
            ax.axvline(in_column[0].config.task.switch_step, color="grey", linestyle=":")
            if col == 0:
                ax.set_ylabel(label, fontsize=8)
            if row == len(rows) - 1:
                ax.set_xlabel("optimizer step")
            if label.startswith("test acc"):
                ax.set_ylim(-0.02, 1.02)
            if label.startswith("learning rate"):
                ax.set_yscale("log")
        axes[0, col].set_title(column, fontsize=8)
        axes[0, col].legend(fontsize=6)
    table = pd.read_csv(sweep_dir / f"{name}_summary.csv")
    gap_ax = axes[0, -1]
    methods = sorted(set(zip(table["panel"], table["method"], strict=True)))
    for color, (panel, method) in zip(_colors(len(methods)), methods, strict=True):
        part = table[(table["panel"] == panel) & (table["method"] == method)]
        gap_ax.errorbar(
            part["initial_fraction"],
            part["final_test_acc_mean"],
            yerr=part["final_test_acc_std"],
            marker="o",
            color=color,
            label=method,
            capsize=2,
        )
    gap_ax.set_xlabel("initial fraction")
    gap_ax.set_title("final test accuracy", fontsize=8)
    gap_ax.legend(fontsize=6)
    for ax in axes[1:, -1]:
        ax.axis("off")
    first = runs[0].config
    data = first.task.dataset
    if data != "cifar10":
        data += " (offline stand-in for CIFAR-10)"
    fig.suptitle(
        f"{title}  [{first.budget.name} budget: {data}, {first.model._target_.split('.')[-1]}, "
        f"{first.task.switch_step} + {first.trainer.max_steps - first.task.switch_step} steps]",
        fontsize=10,
    )
    fig.tight_layout()
    return save_figure(fig, sweep_dir, name)


def _colors(n: int):
    cmap = plt.get_cmap("viridis")
    return [cmap(i / max(1, n - 1) * 0.9) for i in range(n)]


def _column(name: str) -> Callable[[Run], str | None]:
    return lambda run: name


def _deepest(prefix: str) -> Callable[[Run], str | None]:
    return lambda run: deepest(run, prefix)


TEST_ACC: Row = ("test accuracy", _column("test/acc"))


def render_fig4(sweep_dir: Path) -> list[Path]:
    rows = [
        TEST_ACC,
        ("feature covariance change\n(Eq. 3, penultimate layer)", _deepest("feature_cov_change")),
        ("update norm per interval", _column("update_norm")),
        ("activation-pattern change\n(Eq. 4, penultimate layer)", _deepest("activation_change")),
        ("parameter norm", _column("param_norm")),
    ]
    return render_grid(sweep_dir, "fig4", "Fig. 4: warm-starting with ELR re-warming", rows)


def render_fig5(sweep_dir: Path) -> list[Path]:
    runs = load_runs(sweep_dir)
    for run in runs:
        run.metrics["dead_units_total"] = dead_unit_total(run.metrics)
    rows = [
        TEST_ACC,
        ("dead units (count, all layers)", _column("dead_units_total")),
        ("learning rate (base)", _column("lr")),
    ]
    title = "Fig. 5: LHS per-layer LRs; RHS projection x CUSUM re-warm"
    return render_grid(sweep_dir, "fig5", title, rows, lambda r: f"{r.panel}: {method_of(r)}", runs)


def render_fig9(sweep_dir: Path) -> list[Path]:
    rows = [
        TEST_ACC,
        ("learning rate (base)", _column("lr")),
        ("parameter norm", _column("param_norm")),
    ]
    return render_grid(sweep_dir, "fig9", "Fig. 9: cyclic LR not aligned with the data", rows)


def render_fig13(sweep_dir: Path) -> list[Path]:
    rows = [
        TEST_ACC,
        ("feature rank (srank, penultimate)", _deepest("rank")),
        ("learning rate (base)", _column("lr")),
    ]
    title = "Fig. 13: re-warming above the initial LR under per-layer LRs"
    return render_grid(sweep_dir, "fig13", title, rows)


FIGURES = {
    "fig4": render_fig4,
    "fig5": render_fig5,
    "fig9": render_fig9,
    "fig13": render_fig13,
}

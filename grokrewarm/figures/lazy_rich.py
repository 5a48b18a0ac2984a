"""Figures of Kumar et al. 2024 (lazy-to-rich grokking) and Liu et al. 2023 (Omnigrok).

Every figure has one column per panel of its sweep (conditions as coloured lines; train dashed,
test solid), rows of metrics over training, and where the paper plots one a summary axis: time to
grok against the swept value (Kumar Fig. 3e) or the reduced loss landscape (Omnigrok Fig. 2a/3a-b:
final train and test loss against the fixed weight-norm scale). The summary CSV has, per run:
the swept values, final losses (and accuracies), the steps at which train and test first reach
the threshold, the time to grok (``time_to_grok``), the weight norm's start, peak and end, the
final relative parameter change and NTK alignment.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from grokrewarm.figures.runs import Run, load_runs, plot_condition, save_figure  # noqa: E402
from grokrewarm.method.lazy_metrics import time_to_grok  # noqa: E402


@dataclass(frozen=True)
class Spec:
    """What one figure shows: ``rows`` are (y label, train column or None, test column, log y);
    ``grok`` is (metric prefix 'loss'/'acc'/'acc@thr', threshold, mode); ``sweep_axis`` names the
    config key whose value is the x axis of the summary panel; ``landscape`` panels plot final
    losses against ``init_scale``."""

    title: str
    rows: list[tuple[str, str | None, str | None, bool]]
    grok: tuple[str, float, str]
    sweep_axis: dict[str, str] = field(default_factory=dict)  # panel -> dotted config key
    landscape: tuple[str, ...] = ()
    landscape_series: str | None = None  # dotted config key: one line per value (e.g. n_train)


LOSS = ("loss (train dashed, test solid)", "train/loss", "test/loss", True)
ACC = ("accuracy (train dashed, test solid)", "train/acc", "test/acc", False)
NORM = ("weight norm", None, "param_norm", False)
CHANGE = ("|w - w0| / |w0|", None, "relative_param_change", False)
ALIGN = ("NTK alignment (test)", None, "ntk_alignment", False)

SPECS = {
    "kumar_fig3": Spec(
        "Kumar et al. 2024 Fig. 3: polynomial regression, output scale alpha and alignment eps",
        [LOSS, CHANGE, ALIGN],
        ("loss", 0.1, "loss"),
        sweep_axis={"alpha": "output_scale.alpha", "eps": "model.eps"},
    ),
    "kumar_fig4": Spec(
        "Kumar et al. 2024 Fig. 4: loss decomposition during grokking (Eq. 6)",
        [LOSS, ("Eq. 6 terms", None, None, True)],
        ("loss", 0.1, "loss"),
    ),
    "kumar_fig5": Spec(
        "Kumar et al. 2024 Fig. 5: eigenvector labels (j-th eigenvector of the initial NTK)",
        [LOSS, ALIGN, CHANGE],
        ("loss", 0.1, "loss"),
        sweep_axis={"main": "task.j"},
    ),
    "kumar_fig2": Spec(
        "Kumar et al. 2024 Fig. 2: modular addition (p=23) MLP, full-batch GD, no weight decay",
        [ACC, LOSS, NORM],
        ("acc", 0.95, "acc"),
        sweep_axis={"main": "output_scale.alpha"},
    ),
    "omnigrok_fig2": Spec(
        "Omnigrok Fig. 2: teacher-student; init scale x weight decay, and the reduced landscape",
        [("accuracy |f - y| < 0.01", "train/acc@thr", "test/acc@thr", False), LOSS, NORM],
        ("acc@thr", 0.95, "acc"),
        landscape=("landscape",),
    ),
    "omnigrok_fig3": Spec(
        "Omnigrok Fig. 3: MNIST-1k; init scale, and the reduced landscape (alpha x data size)",
        [ACC, LOSS, NORM],
        ("acc", 0.95, "acc"),
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    "omnigrok_fig7": Spec(
        "Omnigrok Fig. 7: 1-layer transformer on modular addition; free vs constrained weight norm",
        [ACC, NORM, LOSS],
        ("acc", 0.95, "acc"),
    ),
}

DECOMPOSITION = [
    ("decomposition/variance", "variance", "tab:blue"),
    ("decomposition/misalignment", "misalignment", "tab:green"),
    ("decomposition/linear_power", "power in linear modes", "black"),
    ("decomposition/total", "sum of the terms", "tab:red"),
]


def _select(config, key: str):
    node = config
    for part in key.split("."):
        node = node[part]
    return node


def summarize_lazy(runs: list[Run], spec: Spec, out_path: Path) -> pd.DataFrame:
    """One row per run: swept values, final metrics, threshold steps and time to grok."""
    metric, threshold, mode = spec.grok
    rows = []
    for run in runs:
        m = run.metrics
        train_col, test_col = f"train/{metric}", f"test/{metric}"
        row = {
            "panel": run.panel,
            "condition": run.condition,
            "seed": run.config.seed,
            "alpha": _optional(run.config, "output_scale.alpha"),
            "init_scale": run.config.get("init_scale", 1.0),
            "weight_decay": run.config.optimizer.weight_decay,
            "last_step": int(m["step"].iloc[-1]),
        }
        for key in ("model.eps", "task.j", "task.n_train"):
            value = _optional(run.config, key)
            if value is not None:
                row[key.split(".")[-1]] = value
        for split in ("train", "test"):
            for column in (f"{split}/loss", f"{split}/acc", f"{split}/acc@thr"):
                if column in m and m[column].notna().any():
                    row[f"final_{column}"] = m[column].dropna().iloc[-1]
        if train_col in m and test_col in m:
            both = m[["step", train_col, test_col]].dropna()
            steps, train, test = (both[c].to_numpy() for c in ("step", train_col, test_col))
            reached = train >= threshold if mode == "acc" else train < threshold
            reached_test = test >= threshold if mode == "acc" else test < threshold
            row[f"train_reaches_{metric}_{threshold:g}"] = _first(steps, reached)
            row[f"test_reaches_{metric}_{threshold:g}"] = _first(steps, reached_test)
            row["time_to_grok"] = time_to_grok(steps, train, test, threshold, mode)
        if "param_norm" in m:
            norm = m["param_norm"].dropna()
            row |= {
                "norm_start": norm.iloc[0],
                "norm_peak": norm.max(),
                "norm_peak_step": float(m.loc[norm.idxmax(), "step"]),
                "norm_end": norm.iloc[-1],
            }
        for column in ("relative_param_change", "ntk_alignment"):
            if column in m:
                series = m[column].dropna()
                row[f"{column}_start"] = series.iloc[0]
                row[f"{column}_end"] = series.iloc[-1]
        rows.append(row)
    table = pd.DataFrame(rows)
    table.to_csv(out_path, index=False)
    return table


def _optional(config, key: str):
    try:
        value = _select(config, key)
    except (KeyError, AttributeError, TypeError):
        return None
    return value


def _first(steps: np.ndarray, reached: np.ndarray) -> float:
    hits = np.flatnonzero(reached)
    return float(steps[hits[0]]) if hits.size else math.nan


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


def _by_condition(runs: list[Run]) -> dict[str, list[Run]]:
    groups: dict[str, list[Run]] = {}
    for run in sorted(runs, key=lambda r: r.condition):
        groups.setdefault(run.condition, []).append(run)
    return groups


def render_lazy(name: str, sweep_dir: Path) -> list[Path]:
    spec = SPECS[name]
    runs = load_runs(sweep_dir)
    summary = summarize_lazy(runs, spec, sweep_dir / f"{name}_summary.csv")
    panels = sorted({r.panel for r in runs})
    curve_panels = [p for p in panels if p not in spec.landscape]
    extra = bool(spec.sweep_axis) or any(p in spec.landscape for p in panels)
    n_cols = len(curve_panels) + (1 if extra else 0)
    fig, axes = plt.subplots(
        len(spec.rows),
        max(n_cols, 1),
        figsize=(4.2 * max(n_cols, 1), 2.8 * len(spec.rows)),
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
        else:
            _plot_time_to_grok(ax, summary, spec)
    fig.suptitle(textwrap.fill(_title(spec, runs), 55 * max(n_cols, 1)), fontsize=10)
    fig.tight_layout()
    return save_figure(fig, sweep_dir, name)


def _title(spec: Spec, runs: list[Run]) -> str:
    budget = runs[0].config.budget.get("name", "")
    title = f"{spec.title} [{budget} budget, {len({r.config.seed for r in runs})} seed(s)]"
    dataset = runs[0].config.task.get("dataset")
    if dataset == "digits":  # the offline stand-in for MNIST
        title += " -- ON SKLEARN 8x8 DIGITS, NOT MNIST"
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


def _plot_time_to_grok(ax, summary: pd.DataFrame, spec: Spec) -> None:
    metric, threshold, mode = spec.grok
    for panel, key in spec.sweep_axis.items():
        rows = summary[summary["panel"] == panel]
        column = key.split(".")[-1]
        if rows.empty or column not in rows:
            continue
        means = rows.groupby(column)["time_to_grok"].mean()
        ax.plot(means.index, means.values, "o-", label=f"{panel} ({column})")
    ax.set_xscale("log")
    ax.set_ylabel(f"time to grok ({metric} {'>=' if mode == 'acc' else '<'} {threshold:g})")
    ax.set_xlabel("swept value (never reached: not plotted)")
    ax.legend(fontsize=7)


def _plot_landscape(ax, summary: pd.DataFrame, spec: Spec) -> None:
    rows = summary[summary["panel"].isin(spec.landscape)]
    series_key = spec.landscape_series.split(".")[-1] if spec.landscape_series else None
    groups = rows.groupby(series_key) if series_key in rows else [("", rows)]
    for value, group in groups:
        means = group.groupby("init_scale")[["final_train/loss", "final_test/loss"]].mean()
        suffix = f" ({series_key}={value})" if series_key else ""
        ax.plot(means.index, means["final_train/loss"], "s--", label=f"train{suffix}")
        ax.plot(means.index, means["final_test/loss"], "o-", label=f"test{suffix}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("weight norm / initial norm (alpha), fixed during training")
    ax.set_ylabel("reduced loss at the end")
    ax.set_title("reduced landscape", fontsize=9)
    ax.legend(fontsize=7)


def _renderer(name: str):
    return lambda sweep_dir: render_lazy(name, Path(sweep_dir))


FIGURES = {name: _renderer(name) for name in SPECS}

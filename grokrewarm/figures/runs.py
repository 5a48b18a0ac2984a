"""Load a sweep folder's runs and summarize them per condition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

GROKKED_ACC = 0.95  # test accuracy that counts as "grokked" in summaries


@dataclass
class Run:
    path: Path
    config: DictConfig
    metrics: pd.DataFrame

    @property
    def panel(self) -> str:
        return self.config.panel

    @property
    def condition(self) -> str:
        return self.config.condition

    def first_step_reaching(self, column: str, value: float) -> float:
        """First logged step at which ``column >= value`` (NaN if never)."""
        hits = self.metrics.loc[self.metrics[column] >= value, "step"]
        return float(hits.iloc[0]) if len(hits) else float("nan")


def load_runs(sweep_dir: Path) -> list[Run]:
    """Every run folder under ``sweep_dir`` that has a config and at least one metrics row."""
    runs = []
    for config_path in sorted(Path(sweep_dir).glob("*/config.yaml")):
        metrics_path = config_path.parent / "metrics.csv"
        if not metrics_path.is_file():
            continue
        metrics = pd.read_csv(metrics_path).sort_values("step")
        if len(metrics):
            runs.append(Run(config_path.parent, OmegaConf.load(config_path), metrics))
    if not runs:
        raise FileNotFoundError(f"no run folders with config.yaml and metrics.csv in {sweep_dir}")
    return runs


def summarize(runs: list[Run], out_path: Path) -> pd.DataFrame:
    """Per (panel, condition): seeds, final test accuracy mean/std, steps to reach 95% test
    accuracy, and the re-warm steps; written to ``out_path`` as CSV."""
    rows = []
    for (panel, condition), group in _group(runs).items():
        final = np.array([r.metrics["test/acc"].iloc[-1] for r in group])
        grok = np.array([r.first_step_reaching("test/acc", GROKKED_ACC) for r in group])
        rows.append(
            {
                "panel": panel,
                "condition": condition,
                "seeds": len(group),
                "final_test_acc_mean": final.mean(),
                "final_test_acc_std": final.std(),
                "grokked_seeds": int(np.isfinite(grok).sum()),
                "median_step_to_95": float(np.nanmedian(grok)) if np.isfinite(grok).any() else None,
                "last_step": int(max(r.metrics["step"].iloc[-1] for r in group)),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(out_path, index=False)
    return table


def _group(runs: list[Run]) -> dict[tuple[str, str], list[Run]]:
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.panel, run.condition), []).append(run)
    return groups


def plot_condition(ax, group: list[Run], column: str, label: str, color) -> None:
    """Seeds as thin lines, their mean (on the shared steps) as a thick one."""
    series = [r.metrics[["step", column]].dropna().set_index("step")[column] for r in group]
    for s in series:
        ax.plot(s.index, s.values, color=color, alpha=0.3, linewidth=0.8)
    mean = pd.concat(series, axis=1).mean(axis=1)
    ax.plot(mean.index, mean.values, color=color, linewidth=1.8, label=label)


def save_figure(fig, sweep_dir: Path, name: str, dpi: int = 110) -> list[Path]:
    """Write ``<name>.png`` and ``.pdf`` into ``sweep_dir`` and close ``fig``; returns them and
    the ``<name>_summary.csv`` beside them (which the renderer writes)."""
    import matplotlib.pyplot as plt

    paths = [sweep_dir / f"{name}.png", sweep_dir / f"{name}.pdf"]
    for path in paths:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return paths + [sweep_dir / f"{name}_summary.csv"]

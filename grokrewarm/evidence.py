"""The evidence behind every verdict, kept in the repository under ``results/``.

A finished sweep folder is kept as ``results/<experiment>/<budget>/``: per run its
``config.yaml`` (absolute paths made relative), ``metadata.json``, ``metrics.csv`` and end record
(``DONE`` or ``FAILED``; Atari runs also ``eval.json``), never checkpoints; the sweep's CSV tables
(``<experiment>_summary.csv``, ``<experiment>_runs.csv``, ``claims.csv``), the figure's PNG and
``sweep.json`` (the command, when and where it ran, the code's commit, how long it took, and how
the metrics were thinned if they had to be). ``NOTES.md`` in ``results/<experiment>/`` is written
by hand: for each claim that does not hold or cannot tell, what was tried and the believed cause.

``python -m grokrewarm.evidence keep SWEEP_DIR`` keeps a sweep (``make keep SWEEP=...``);
``python -m grokrewarm.evidence check`` re-judges every kept sweep with today's claim checks and
fails when a verdict differs from its ``claims.csv`` (the test suite does the same);
``python -m grokrewarm.evidence table`` prints the reproduction table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"
EXPERIMENTS = REPO / "conf" / "experiment"
RUN_FILES = ("config.yaml", "metadata.json", "metrics.csv", "DONE", "FAILED", "eval.json")
SWEEP_TABLES = ("{name}_summary.csv", "{name}_runs.csv", "claims.csv", "{name}.png")
# Per kept sweep: metrics beyond this many bytes are thinned (every k-th row, the first and the
# last kept), so that all of results/ stays a few tens of MB in git.
MAX_METRICS_BYTES = 1_500_000
BUDGET_ORDER = ("smoke", "quick", "medium", "paper")
# Experiments without evidence at the quick budget, and why.
NOT_KEPT = {
    "omnigrok_fig4": "needs the IMDb reviews, which a machine without internet cannot download",
    "omnigrok_fig5": "needs the QM9 molecules, which a machine without internet cannot download",
}

# Papers in the order the site lists them, each with the experiments' name prefix.
PAPERS = {
    "lyle": "Lyle et al. 2025: ELR re-warming, Normalize-and-Project",
    "kumar": "Kumar et al. 2024: grokking as a lazy-to-rich transition",
    "omnigrok": "Liu et al. 2023: Omnigrok",
    "nanda": "Nanda et al. 2023: the standard grokking setup",
}


def paper_of(experiment: str) -> str:
    """The paper key of an experiment, from its name (``kumar_*``, ``omnigrok_*``, ``nanda_*``;
    the rest are Lyle et al.'s figures)."""
    prefix = experiment.split("_", 1)[0]
    return prefix if prefix in PAPERS and prefix != "lyle" else "lyle"


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def experiments() -> list[str]:
    """Every experiment the project declares (``conf/experiment/*.yaml``), fig2 before fig10."""
    return sorted((p.stem for p in EXPERIMENTS.glob("*.yaml")), key=_natural)


def title(experiment: str) -> str:
    """The figure an experiment reproduces, e.g. 'Lyle et al. 2025, Figure 2'."""
    return describe(experiment).split("\n", 1)[0].split(":", 1)[0].rstrip(".")


def describe(experiment: str) -> str:
    """The header comment of an experiment's config file: what the figure shows and claims."""
    lines = []
    for line in (EXPERIMENTS / f"{experiment}.yaml").read_text().splitlines()[1:]:
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines).strip()


# ---------------------------------------------------------------------------- keeping a sweep


def _experiment_and_overrides(sweep_dir: Path) -> tuple[str, list[str]]:
    multirun = OmegaConf.load(sweep_dir / "multirun.yaml")
    overrides = list(multirun.hydra.overrides.task)
    name = next(
        (o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith("experiment=")), None
    )
    if name is None:
        raise ValueError(f"{sweep_dir}/multirun.yaml names no +experiment= override")
    return name, overrides


def _budget_of(overrides: list[str]) -> str:
    return next((o.split("=", 1)[1] for o in overrides if o.startswith("budget=")), "paper")


def _relative_paths(node, run_dir: Path, kept_run: Path):
    """``node`` with absolute paths rewritten: inside the run or sweep folder relative to the
    run folder, inside the repository relative to where the run is kept, under the home folder
    as ``~/...``."""
    if isinstance(node, dict):
        return {k: _relative_paths(v, run_dir, kept_run) for k, v in node.items()}
    if isinstance(node, list):
        return [_relative_paths(v, run_dir, kept_run) for v in node]
    if not (isinstance(node, str) and node.startswith("/")):
        return node
    path = Path(node)
    if path.is_relative_to(run_dir.parent):
        return os.path.relpath(path, run_dir)
    if path.is_relative_to(REPO):
        return os.path.relpath(path, kept_run)
    home = Path.home()
    if path.is_relative_to(home):
        return "~/" + str(path.relative_to(home))
    return node


def _thin(metrics: Path, every: int, out: Path) -> None:
    with metrics.open(newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    kept = [row for i, row in enumerate(body) if i % every == 0 or i == len(body) - 1]
    with out.open("w", newline="") as f:
        csv.writer(f).writerows([header, *kept])


def _cpu() -> dict:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"model": model, "cores": os.cpu_count()}


def _sweep_record(sweep_dir: Path, overrides: list[str], runs: list[Path], thin: int) -> dict:
    metas = [
        json.loads((r / "metadata.json").read_text())
        for r in runs
        if (r / "metadata.json").is_file()
    ]
    shas = sorted({m["git"]["sha"] for m in metas if m.get("git", {}).get("sha")})
    times = [p.stat().st_mtime for r in runs for p in r.iterdir() if p.is_file()]
    timing = sweep_dir.with_name(sweep_dir.name + ".timing.json")
    if timing.is_file():  # written by whoever launched the sweep: start and end, epoch seconds
        span = json.loads(timing.read_text())
        start, wall = span["start"], span["end"] - span["start"]
        wall_how = "launch to exit of the sweep command"
    else:
        start = min(times, default=(sweep_dir / "multirun.yaml").stat().st_mtime)
        wall = max(times, default=start) - (sweep_dir / "multirun.yaml").stat().st_mtime
        wall_how = "first to last file written in the sweep folder"
    record = {
        "command": "python -m grokrewarm " + " ".join(overrides) + " -m",
        "date": dt.datetime.fromtimestamp(start, dt.timezone.utc).strftime("%Y-%m-%d"),
        "git_sha": shas,
        "git_dirty": any(m.get("git", {}).get("dirty") for m in metas),
        "wall_time_s": round(wall),
        "wall_time_measured_as": wall_how,
        "cpu": metas[0].get("cpu", _cpu()) if metas else _cpu(),
        "device": sorted({m.get("device", "cpu") for m in metas}) or ["cpu"],
        "torch": sorted({m.get("versions", {}).get("torch", "?") for m in metas}),
        "runs": len(runs),
        "metrics_thinned": (
            f"every {thin}th metrics row kept (and the last); the summary and claims were "
            "computed from the full metrics"
            if thin > 1
            else "no"
        ),
    }
    return record


def keep(sweep_dir: str | Path, results_root: Path = RESULTS) -> Path:
    """Copy a finished sweep's evidence into ``results_root/<experiment>/<budget>/`` (replacing
    an earlier copy of the same experiment and budget) and return that folder."""
    sweep_dir = Path(sweep_dir).resolve()
    name, overrides = _experiment_and_overrides(sweep_dir)
    if not (sweep_dir / "claims.csv").is_file():
        raise FileNotFoundError(f"{sweep_dir} has no claims.csv: the sweep has not been judged")
    runs = sorted(p.parent for p in sweep_dir.glob("*/config.yaml"))
    metrics_bytes = sum(
        (r / "metrics.csv").stat().st_size for r in runs if (r / "metrics.csv").is_file()
    )
    thin = -(-metrics_bytes // MAX_METRICS_BYTES)  # ceil: 1 keeps every row
    dest = Path(results_root) / name / _budget_of(overrides)
    Path(results_root).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=results_root))  # same filesystem: the rename is atomic
    try:
        for run in runs:
            kept_run = dest / run.name
            (staging / run.name).mkdir()
            for file in RUN_FILES:
                src = run / file
                if not src.is_file():
                    continue
                out = staging / run.name / file
                if file == "config.yaml":
                    config = OmegaConf.to_container(OmegaConf.load(src))
                    OmegaConf.save(OmegaConf.create(_relative_paths(config, run, kept_run)), out)
                elif file == "metrics.csv" and thin > 1:
                    _thin(src, thin, out)
                else:
                    shutil.copy2(src, out)
        for pattern in SWEEP_TABLES:
            src = sweep_dir / pattern.format(name=name)
            if src.is_file():
                shutil.copy2(src, staging / src.name)
        record = _sweep_record(sweep_dir, overrides, runs, thin)
        (staging / "sweep.json").write_text(json.dumps(record, indent=2) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


# ------------------------------------------------------------------------- reading the evidence


@dataclass(frozen=True)
class Kept:
    """One kept sweep: ``results/<experiment>/<budget>/``."""

    path: Path

    @property
    def experiment(self) -> str:
        return self.path.parent.name

    @property
    def budget(self) -> str:
        return self.path.name

    @property
    def claims(self) -> pd.DataFrame:
        return pd.read_csv(self.path / "claims.csv", keep_default_na=False)

    @property
    def sweep(self) -> dict:
        path = self.path / "sweep.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    @property
    def figure(self) -> Path | None:
        path = self.path / f"{self.experiment}.png"
        return path if path.is_file() else None


def kept(results_root: Path = RESULTS) -> list[Kept]:
    """Every kept sweep under ``results_root``, by experiment then budget."""
    found = [Kept(p.parent) for p in Path(results_root).glob("*/*/claims.csv")]
    order = {b: i for i, b in enumerate(BUDGET_ORDER)}
    return sorted(found, key=lambda k: (_natural(k.experiment), order.get(k.budget, 99)))


def rejudge(evidence: Kept) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept claims, today's claims) for a kept sweep: today's checks run on a copy of its
    tables, so the kept ``claims.csv`` is left as it is."""
    from grokrewarm.claims import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / evidence.budget
        shutil.copytree(evidence.path, copy, ignore=shutil.ignore_patterns("*.png"))
        (copy / "claims.csv").unlink()
        evaluate(evidence.experiment, copy)
        today = pd.read_csv(copy / "claims.csv", keep_default_na=False)
    return evidence.claims, today


def verdict_counts(claims: pd.DataFrame) -> str:
    """``2 hold, 1 does not, 1 cannot tell``: a kept sweep's verdicts in a few words."""
    counts = claims["verdict"].value_counts()
    parts = [
        f"{counts.get('holds', 0)} hold" if counts.get("holds", 0) != 1 else "1 holds",
        f"{counts.get('does not hold', 0)} do not"
        if counts.get("does not hold", 0) != 1
        else "1 does not",
        f"{counts.get('cannot tell', 0)} cannot tell",
    ]
    return ", ".join(p for p in parts if not p.startswith("0 "))


def reproduction_table(results_root: Path = RESULTS, link=None) -> str:
    """The Markdown table of every experiment's verdicts per kept budget; ``link(experiment)``
    gives the target of each experiment's name (none: plain names)."""
    by_experiment: dict[str, dict[str, Kept]] = {}
    for evidence in kept(results_root):
        by_experiment.setdefault(evidence.experiment, {})[evidence.budget] = evidence
    budgets = [b for b in BUDGET_ORDER if any(b in k for k in by_experiment.values())]
    lines = [
        "| experiment | figure | " + " | ".join(budgets) + " |",
        "|---|---|" + "---|" * len(budgets),
    ]
    for paper in PAPERS:
        for name in experiments():
            if paper_of(name) != paper:
                continue
            label = f"[`{name}`]({link(name)})" if link else f"`{name}`"
            cells = [
                verdict_counts(by_experiment[name][b].claims)
                if b in by_experiment.get(name, {})
                else "not kept"
                for b in budgets
            ]
            lines.append(f"| {label} | {title(name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------- the results site

README_START, README_END = "<!-- reproduction:start -->", "<!-- reproduction:end -->"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _claims_table(claims: pd.DataFrame) -> str:
    lines = ["| claim | verdict | numbers read, or why it cannot tell |", "|---|---|---|"]
    for row in claims.itertuples():
        detail = "; ".join(x for x in (row.reason, row.numbers) if x)
        lines.append(f"| {_cell(row.claim)} | **{row.verdict}** | {_cell(detail)} |")
    return "\n".join(lines)


def _provenance(evidence: Kept) -> str:
    record = evidence.sweep
    commands = record.get("command", "")
    commands = commands if isinstance(commands, list) else [commands]
    shas = record.get("git_sha", [])
    shas = [shas] if isinstance(shas, str) else shas
    wall = record.get("wall_time_s")
    cpu = record.get("cpu", {})
    facts = [
        f"run on {record.get('date', '?')}",
        f"{cpu.get('model', '?')}, {cpu.get('cores', '?')} cores",
        f"torch {', '.join(record.get('torch', ['?']))}",
        "commit " + ", ".join(f"`{s[:10]}`" for s in shas) if shas else "",
        f"{wall / 60:.1f} min" if isinstance(wall, int | float) else "",
        f"{record.get('runs', '?')} runs",
        "metrics thinned: " + record["metrics_thinned"]
        if record.get("metrics_thinned", "no") != "no"
        else "",
    ]
    code = "\n".join(commands)
    return f"```bash\n{code}\n```\n\n" + " · ".join(f for f in facts if f)


def experiment_section(name: str, image_path, results_root: Path = RESULTS) -> str:
    """One experiment's part of its paper's page: what it is, then per kept budget its figure,
    claims table and provenance, then its notes. ``image_path(evidence)`` is where the page
    links the figure."""
    about = describe(name)
    parts = [
        f"## `{name}`: {title(name)} {{ #{name} }}",
        f'<pre class="about">{html.escape(about)}</pre>' if about else "",
    ]
    found = [k for k in kept(results_root) if k.experiment == name]
    if not found:
        parts.append(f"No evidence kept: {NOT_KEPT.get(name, 'not run yet')}.")
    for evidence in found:
        parts.append(f"### {name} at `budget={evidence.budget}`: {verdict_counts(evidence.claims)}")
        if evidence.figure:
            parts.append(f"![{name} at budget {evidence.budget}]({image_path(evidence)})")
        parts.append(_claims_table(evidence.claims))
        parts.append(_provenance(evidence))
    notes = Path(results_root) / name / "NOTES.md"
    if notes.is_file():
        parts.append(f"### Notes on {name}\n\n" + notes.read_text().strip())
    return "\n\n".join(p for p in parts if p)


def paper_page(paper: str, image_path, results_root: Path = RESULTS) -> str:
    names = [n for n in experiments() if paper_of(n) == paper]
    intro = (
        f"# {PAPERS[paper]}\n\nEach experiment below is one named Hydra multirun "
        "(`python -m grokrewarm +experiment=NAME budget=BUDGET -m`). Its figure, its claims "
        "table and the facts of the run come from `results/<experiment>/<budget>/`; verdicts "
        "are `holds`, `does not hold`, or `cannot tell` when the runs a check needs did not "
        "finish or did not reach what it reads."
    )
    return "\n\n".join([intro, *(experiment_section(n, image_path, results_root) for n in names)])


def readme_summary(results_root: Path = RESULTS) -> str:
    """The README's short reproduction summary: per paper, experiments kept and verdicts."""
    lines = [
        README_START,
        "| paper | experiments with evidence | claims: hold / do not / cannot tell |",
        "|---|---|---|",
    ]
    evidence = kept(results_root)
    for paper, paper_title in PAPERS.items():
        names = [n for n in experiments() if paper_of(n) == paper]
        mine = [k for k in evidence if k.experiment in names and k.budget == "quick"]
        verdicts = pd.concat([k.claims for k in mine])["verdict"] if mine else pd.Series([])
        counts = [int((verdicts == v).sum()) for v in ("holds", "does not hold", "cannot tell")]
        lines.append(
            f"| {paper_title} | {len(mine)} of {len(names)} | "
            + " / ".join(map(str, counts))
            + " |"
        )
    lines.append(README_END)
    return "\n".join(lines)


def refresh_readme(readme: Path = REPO / "README.md") -> bool:
    """Rewrite the README's generated summary block; True if it changed."""
    text = readme.read_text()
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    new = text[:start] + readme_summary() + text[end:]
    readme.write_text(new)
    return new != text


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grokrewarm.evidence", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    keep_cmd = sub.add_parser("keep", help="copy a finished sweep folder into results/")
    keep_cmd.add_argument("sweep_dir", nargs="+")
    sub.add_parser("check", help="re-judge every kept sweep; exit 1 on a changed verdict")
    sub.add_parser("table", help="print the reproduction table (Markdown)")
    sub.add_parser("readme", help="rewrite the README's generated reproduction summary")
    args = parser.parse_args(argv)
    if args.command == "keep":
        for sweep_dir in args.sweep_dir:
            print(f"kept {sweep_dir} as {keep(sweep_dir).relative_to(REPO)}")
        return 0
    if args.command == "readme":
        print("README.md " + ("updated" if refresh_readme() else "already current"))
        return 0
    if args.command == "table":
        print(reproduction_table())
        return 0
    changed = 0
    for evidence in kept():
        before, today = rejudge(evidence)
        same = before[["claim", "verdict"]].equals(today[["claim", "verdict"]])
        changed += not same
        where = f"{evidence.experiment}/{evidence.budget}"
        print(f"{'same' if same else 'CHANGED':>7}  {where}: {verdict_counts(today)}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(_main())

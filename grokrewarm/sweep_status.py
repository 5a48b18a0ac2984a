"""``python -m grokrewarm.sweep_status SWEEP_DIR``: which jobs of a sweep are done, diverged,
running (or stopped part-way), or failed, with the end of each failed job's log.

Reads files only, so it works on a copied sweep folder and on a login node: each run folder's
records (``DONE``, ``FAILED``, ``metadata.json``: one schema for every runner, see
``grokrewarm.lifecycle.folder``), ``metrics.csv`` and ``checkpoints/last.ckpt``, and for the
submitit launchers ``.submitit/<job id>/`` (result pickle and logs), matched to a run folder
through the job id that Hydra records in ``<run>/.hydra/hydra.yaml``. A submitted job that has
not started has no run folder yet; it is listed by its job id. Exit status 1 when any job failed
(a diverged run is a result, not a failure).

A run folder that a live process holds (its ``LOCK``, ``grokrewarm.lifecycle.lock``) is running,
its detail naming the holder (pid, host, job, since when); one whose second start was refused
while it was held (``BUSY``) is running too, its detail starting ``busy:`` and naming both. Busy
is not a state of its own because the run is being trained, by the other process; the summary
line counts the busy ones. A record that does not parse is reported, never a crash.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import OmegaConf

from grokrewarm.lifecycle.folder import DIVERGED as DIVERGED_STATUS
from grokrewarm.lifecycle.folder import RunFolder, read_metadata
from grokrewarm.lifecycle.lock import LOCK_NAME, describe_holder, live_holder, read_holder

DONE, DIVERGED, RUNNING, FAILED = "done", "diverged", "running or incomplete", "failed"
STATES = (DONE, DIVERGED, RUNNING, FAILED)
BUSY_PREFIX = "busy: "  # the detail of a running job whose second start was refused

# slurmstepd's line when it kills a job, e.g. "*** JOB 12 ON vm CANCELLED AT 2025-... DUE TO TIME
# LIMIT ***". A requeue ("DUE TO JOB REQUEUE") is not an end: the job runs again.
SLURM_KILL = re.compile(r"\*\*\* (?:JOB|STEP) \S+ ON \S+ CANCELLED AT \S+(?: DUE TO ([^*]+))?")
OOM = re.compile(r"oom[-_]kill", re.IGNORECASE)


@dataclass
class JobReport:
    name: str
    state: str
    detail: str
    log_tail: list[str] = field(default_factory=list)


def _last_step(metrics: Path) -> int | None:
    """The last whole row's step (a kill can leave half a row at the end)."""
    if not metrics.is_file():
        return None
    last = None
    with metrics.open(newline="", errors="replace") as f:
        for row in csv.DictReader(f):
            try:
                last = int(float(row.get("step") or ""))
            except ValueError:
                continue
    return last


def _age(path: Path) -> str:
    minutes = (time.time() - path.stat().st_mtime) / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _progress(run_dir: Path) -> str:
    meta = read_metadata(run_dir)
    step = _last_step(run_dir / "metrics.csv")
    progress = f"{step:,}" if step is not None else "-"
    budget = f"{meta['budget']:,}" if "budget" in meta else "?"
    parts = [f"{meta.get('unit', 'step')} {progress}/{budget}"]
    ckpt = run_dir / "checkpoints" / "last.ckpt"
    parts.append(f"last.ckpt {_age(ckpt)} old" if ckpt.is_file() else "no checkpoint")
    return ", ".join(parts)


def _job_id(run_dir: Path) -> str | None:
    hydra_yaml = run_dir / ".hydra" / "hydra.yaml"
    if not hydra_yaml.is_file():
        return None
    try:
        job_id = OmegaConf.select(OmegaConf.load(hydra_yaml), "hydra.job.id")
    except Exception:  # a half-written file: no job id to match
        return None
    return str(job_id) if job_id is not None else None


def _held(run_dir: Path, folder: RunFolder, holder: dict) -> str:
    """The detail of a run folder a live process holds, and of a start it refused."""
    detail = f"running: {describe_holder(holder)} ({_progress(run_dir)})"
    refused = folder.busy()
    if refused is None:
        return detail
    return f"{BUSY_PREFIX}a second start ({describe_holder(refused)}) was refused; {detail}"


def _log_tail(job_folder: Path, lines: int) -> list[str]:
    """The end of the job's stderr log, or of its stdout when stderr is empty."""
    for suffix in ("_log.err", "_log.out"):
        logs = sorted(job_folder.glob(f"*{suffix}"))
        text = logs[0].read_text(errors="replace").splitlines() if logs else []
        if text:
            return text[-lines:]
    return []


def _failure(job_folder: Path, lines: int) -> tuple[str, list[str]] | None:
    """Why the submitit job in ``job_folder`` ended without finishing, or None if it did not end
    (or ended well)."""
    results = sorted(job_folder.glob("*_result.pkl"))
    if results:
        # Written by submitit: ("error", traceback text) when the job raised, else ("success",
        # Hydra's JobReturn), whose status is FAILED when the task function raised.
        outcome, payload = pickle.loads(results[0].read_bytes())
        if outcome == "error":
            error = str(payload).strip().splitlines()
            return (error[-1] if error else "error"), error[-lines:]
        if getattr(payload.status, "name", "") == "FAILED":
            # Hydra caught the exception in the job, so no log holds it; its traceback is lost.
            error = f"{type(payload._return_value).__name__}: {payload._return_value}"
            return error.splitlines()[0], error.splitlines()[-lines:]
        return None
    # A requeued job appends to the same logs: only the latest kill line counts.
    tail = _log_tail(job_folder, lines=10_000)
    for line in reversed(tail):
        if OOM.search(line):
            return "killed: out of memory", tail[-lines:]
        killed = SLURM_KILL.search(line)
        if killed:
            reason = (killed.group(1) or "cancelled").strip()
            return None if "REQUEUE" in reason else (f"killed by Slurm: {reason}", tail[-lines:])
    return None


def sweep_status(sweep_dir: Path, lines: int = 15) -> list[JobReport]:
    submitit_dir = sweep_dir / ".submitit"
    job_folders = {
        p.name: p for p in submitit_dir.glob("*") if p.is_dir() and any(p.glob("*_submitted.pkl"))
    }
    reports = []
    started = set()
    for run_dir in sorted(p for p in sweep_dir.iterdir() if (p / ".hydra").is_dir()):
        job_id = _job_id(run_dir)
        started.add(job_id)
        folder = RunFolder(run_dir)
        holder = live_holder(run_dir)
        refused = folder.busy() or {}
        started.update(
            str(j) for j in ((holder or {}).get("job_id"), refused.get("job_id")) if j is not None
        )
        if holder is not None and not folder.done_path.is_file():
            reports.append(JobReport(run_dir.name, RUNNING, _held(run_dir, folder, holder)))
            continue
        # a job killed while it held the folder leaves LOCK naming it: its logs say why
        last_holder = read_holder(run_dir / LOCK_NAME).get("job_id")
        if last_holder is not None and str(last_holder) in job_folders:
            started.add(str(last_holder))
            job_id = str(last_holder)
        record = folder.end_record()
        if record is not None:
            detail = f"{record.unit} {record.progress:,}/{record.budget:,}"
            if record.status == DIVERGED_STATUS:
                reports.append(JobReport(run_dir.name, DIVERGED, f"{record.detail} ({detail})"))
                continue
            acc = record.metrics.get("test/acc")
            detail += f", test/acc={acc:.3g}" if acc is not None else ""
            reports.append(JobReport(run_dir.name, DONE, detail))
            continue
        if folder.done_path.is_file():  # there, but unreadable: the next start resumes it
            detail = f"DONE unreadable ({_progress(run_dir)})"
            reports.append(JobReport(run_dir.name, RUNNING, detail))
            continue
        failure = _failure(job_folders[job_id], lines) if job_id in job_folders else None
        recorded = folder.failure()
        if failure is None and recorded is not None:  # the runner caught and recorded it
            error, trace = recorded.get("error", "failed"), recorded.get("traceback", "")
            failure = error, trace.splitlines()[-lines:]
        if failure:
            reason, tail = failure
            detail = f"{reason} ({_progress(run_dir)})"
            reports.append(JobReport(run_dir.name, FAILED, detail, tail))
        else:
            reports.append(JobReport(run_dir.name, RUNNING, _progress(run_dir)))
    for job_id in sorted(set(job_folders) - started):
        failure = _failure(job_folders[job_id], lines)
        if failure:
            reports.append(JobReport(f"job {job_id}", FAILED, failure[0], failure[1]))
        else:
            reports.append(JobReport(f"job {job_id}", RUNNING, "submitted, not started"))
    return reports


def format_report(sweep_dir: Path, reports: list[JobReport]) -> str:
    counts = {state: sum(r.state == state for r in reports) for state in STATES}
    out = [f"{sweep_dir}: {len(reports)} jobs, " + ", ".join(f"{n} {s}" for s, n in counts.items())]
    busy = sum(r.detail.startswith(BUSY_PREFIX) for r in reports)
    if busy:
        out[0] += f" ({busy} of the running busy: started again while held)"
    for state in STATES:
        if not counts[state]:
            continue
        out.append(f"\n{state}:")
        width = max(len(r.name) for r in reports)
        for report in (r for r in reports if r.state == state):
            out.append(f"  {report.name:<{width}}  {report.detail}")
            out.extend(f"      | {line}" for line in report.log_tail)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grokrewarm.sweep_status", description=__doc__)
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--lines", type=int, default=15, help="log lines shown per failed job")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        parser.error(f"{args.sweep_dir} is not a folder")
    reports = sweep_status(args.sweep_dir, args.lines)
    print(format_report(args.sweep_dir, reports))
    return 1 if any(r.state == FAILED for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())

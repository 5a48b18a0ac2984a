#!/usr/bin/env bash
# Run a sweep's submitting process as a small Slurm job of its own, so that a long sweep outlives
# your login session. That process submits the training jobs (one array), waits for all of them,
# then renders the figure; it needs one CPU and little memory. From the repository root:
#
#   sbatch launch/submit_sweep.sh +experiment=fig3 launcher=slurm
#   python -m grokrewarm.sweep_status outputs/fig3/<timestamp>   # progress, from any shell
#
# Arguments are passed to `python -m grokrewarm ... -m`. The sbatch options below are defaults;
# options on the sbatch command line win (e.g. sbatch --partition=cpu --time=3-00:00:00 ...).
# Its log is sweep-<job id>.out in the folder you submitted from.
# Without a driver job, run the same command in tmux (`tmux new -s fig3`, detach with C-b d) or
# under nohup (`nohup python -m grokrewarm ... -m > sweep.log 2>&1 &`) on a login node.
#
# If the driver ends early (time limit, node failure), the training jobs go on. Once
# sweep_status shows none running, the same command with hydra.sweep.dir=<that folder> skips the
# finished runs (DONE), resumes the others from their checkpoints, and renders the figure.
#SBATCH --job-name=grokrewarm-sweep
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=7-00:00:00
#SBATCH --output=sweep-%j.out
set -euo pipefail

cd "${SLURM_SUBMIT_DIR:-.}"
[[ -f conf/config.yaml ]] || { echo "submit_sweep.sh: submit from the repository root" >&2; exit 2; }
python=python
[[ -x .venv/bin/python ]] && python=.venv/bin/python
# The training jobs must not inherit this job's allocation (srun in them reads SLURM_* variables).
unset "${!SLURM_@}"
exec "$python" -m grokrewarm "$@" -m

#!/usr/bin/env bash
# Stop the single-node Slurm started by up.sh: `bash launch/slurm/down.sh` (as root).
#
# Only processes named by up.sh's pid files are stopped (a munged that up.sh found already
# running is left alone). Every wait is bounded; running it again, or with nothing up, is a no-op.
# The state directory is kept, so the next up.sh is quick; delete it for a clean slate.
set -Eeuo pipefail

STATE=${GROKREWARM_SLURM_DIR:-/tmp/grokrewarm-slurm}
export SLURM_CONF=$STATE/slurm.conf

# shellcheck source=launch/slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # alive, running

# SIGTERM, up to 20 s to exit, then SIGKILL.
stop() { # stop COMM PIDFILE
  local pid i
  running "$1" "$2" || return 0
  pid=$(<"$2")
  kill -TERM "$pid" 2>/dev/null || true
  # Wait for the process, not its pid file: daemons remove that before they finish exiting.
  for ((i = 0; i < 100; i++)); do
    alive "$pid" "$1" || { echo "down.sh: stopped $1"; return 0; }
    sleep 0.2
  done
  echo "down.sh: $1 (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# Cancel jobs first: their processes belong to slurmstepd, which outlives slurmd and would keep
# running, and slurmctld would otherwise restore them at the next up.sh.
if running slurmctld "$STATE/run/slurmctld.pid"; then
  job_ids=$(timeout 10 squeue -h -o %A || true)
  if [[ -n $job_ids ]]; then
    # shellcheck disable=SC2086 # one argument per job id
    timeout 10 scancel $job_ids || true
    for ((i = 0; i < 100; i++)); do
      [[ -z $(timeout 10 squeue -h -o %A || true) ]] && break
      sleep 0.2
    done
  fi
fi

stop slurmd "$STATE/run/slurmd.pid"
stop slurmctld "$STATE/run/slurmctld.pid"
stop slurmdbd "$STATE/run/slurmdbd.pid"
stop mariadbd "$STATE/mariadb/mariadbd.pid"
stop munged "$STATE/munge/munged.pid"

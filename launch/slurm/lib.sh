#!/usr/bin/env bash
# Shared by up.sh and down.sh (sourced, not run).

# A process is alive while it exists under that name and is not a zombie (pids get reused, and
# an exited daemon may linger as a zombie until its parent reaps it).
alive() { # alive PID COMM
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $stat == "$1 ($2) "[^Z]* ]]
}

# A daemon runs if its pid file names a live process of it.
running() { # running COMM PIDFILE
  [[ -s $2 ]] && alive "$(<"$2")" "$1"
}

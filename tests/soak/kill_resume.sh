#!/bin/bash
# Kill-and-resume soak (issue 15, docs/reliability.md#kill-and-resume).
#
#   tests/soak/kill_resume.sh N [--mpi]
#
# Runs a small sweep (tests/data/sweep_soak) once uninterrupted into a reference folder, then
# N times: starts it afresh, kills it with SIGKILL after a random delay, resumes it with
# --resume (each resume is itself killed at random, up to MAX_KILLS kills a round) until a
# resume completes, and compares the folder with the reference (compare_sweeps.py). Exits 1 at
# the first difference, keeping both folders, and 2 on a usage or setup error.
#
# --mpi runs every sweep under `$MPIEXEC -np 2`; a kill then hits the launcher and every rank.
# Environment: XBARSIM (the binary; default build/xbarsim), MPIEXEC (default mpirun),
# SOAK_SEED (default 15: the delays repeat from run to run), MAX_KILLS (default 3).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
usage() {
  echo "usage: $0 N [--mpi]" >&2
  exit 2
}
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
rounds=$1
mpi=0
if [[ $# -ge 2 ]]; then
  [[ $2 == --mpi && $# -eq 2 ]] || usage
  mpi=1
fi
xbarsim=${XBARSIM:-$repo/build/xbarsim}
[[ $xbarsim == /* ]] || xbarsim=$PWD/$xbarsim  # the runs start in a scratch folder
[[ -x $xbarsim ]] || { echo "$0: $xbarsim: no xbarsim binary (set XBARSIM)" >&2; exit 2; }
spec=$repo/tests/data/sweep_soak/experiment.yaml
max_kills=${MAX_KILLS:-3}
RANDOM=${SOAK_SEED:-15}

launcher=()
if ((mpi)); then
  mpiexec=${MPIEXEC:-mpirun}
  # Open MPI in a root container with 2 cores needs these; other MPIs take no such flags.
  if "$mpiexec" --version 2>&1 | grep -qE 'Open MPI|OpenRTE|open-mpi.org'; then
    launcher=("$mpiexec" --allow-run-as-root --oversubscribe -np 2)
    export OMPI_MCA_btl_vader_single_copy_mechanism=none
  else
    launcher=("$mpiexec" -np 2)
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kill_resume.XXXXXX")
log=$work/log
cd "$work" || exit 2

# Every run has the same command line (recorded in results.h5), whichever run completes: the
# folder is always `run`, and --resume on a folder that does not exist yet is a fresh start.
command=("${launcher[@]}" "$xbarsim" sweep "$spec" -o run --resume --jobs 2)

now_ms() { date +%s%3N; }

# The pids of a process's descendants, deepest last (mpirun's ranks and their helpers).
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# Starts the sweep in its own process group and kills the group and every descendant with
# SIGKILL after $1 ms (or lets it finish first). Prints "killed" or the exit code.
run_killed_after() {
  setsid "${command[@]}" >>"$log" 2>&1 &
  local pid=$! deadline=$(($(now_ms) + $1))
  while kill -0 "$pid" 2>/dev/null && (($(now_ms) < deadline)); do sleep 0.01; done
  if kill -0 "$pid" 2>/dev/null; then
    local victims
    victims=$(descendants "$pid")
    kill -9 -- "-$pid" $victims "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # Ranks that left the group must be gone before the next run touches the folder.
    for v in $victims; do
      while kill -0 "$v" 2>/dev/null; do sleep 0.01; done
    done
    # Where the kill landed: task files saved so far, and how far the final files got.
    local saved stage=""
    saved=$(find run/tasks -name '*.yaml' 2>/dev/null | wc -l)
    compgen -G 'run/results.h5.tmp.*' >/dev/null && stage=", results.h5 half-written"
    [[ -e run/results.h5 ]] && stage=", results.h5 written"
    [[ -e run/summary.csv ]] && stage="$stage, summary.csv written"
    echo "$saved task files$stage" >>"$work/phases"
    echo killed
  else
    wait "$pid"
    echo $?
  fi
}

# Sets `delay` (ms) for the next kill. Uniform up to 1.2 times the uninterrupted run, so that
# most kills land inside it and some after it; one in three in its last 15 % and just beyond,
# where the last tasks are saved and results.h5 and summary.csv are written. (Not a command
# substitution: $RANDOM must advance in this shell for the sequence to follow the seed.)
next_delay() {
  local r=$((RANDOM * 32768 + RANDOM))
  if ((RANDOM % 3 == 0)); then
    delay=$((reference_ms * 85 / 100 + r % (reference_ms * 25 / 100 + 1)))
  else
    delay=$((r % (reference_ms * 12 / 10 + 1)))
  fi
}

fail() {
  echo "FAIL: $*" >&2
  echo "folders and log kept in $work" >&2
  exit 1
}

start=$(now_ms)
"${command[@]}" >>"$log" 2>&1 || fail "the uninterrupted run failed (see $log)"
reference_ms=$(($(now_ms) - start))
mv run reference
echo "reference run: ${reference_ms} ms; $rounds rounds, seed ${SOAK_SEED:-15}$( ((mpi)) && echo ', under MPI')"

kills=0
for ((round = 1; round <= rounds; ++round)); do
  rm -rf run
  next_delay
  outcome=$(run_killed_after "$delay")
  round_kills=0
  [[ $outcome == killed ]] && round_kills=1
  resumes=0
  while [[ $outcome != 0 ]]; do
    [[ $outcome == killed ]] || fail "round $round: a run exited $outcome (see $log)"
    ((++resumes > 20)) && fail "round $round: no resume completed in 20 tries"
    if ((round_kills < max_kills && RANDOM % 2)); then
      next_delay
      outcome=$(run_killed_after "$delay")
      [[ $outcome == killed ]] && ((++round_kills))
    else
      outcome=$(run_killed_after 600000)
    fi
  done
  kills=$((kills + round_kills))
  differences=$(/usr/bin/python3 "$here/compare_sweeps.py" reference run) ||
    fail "round $round (after $round_kills kills): the resumed folder differs:"$'\n'"$differences"
  grep -h "warning:" "$log" >>"$work/warnings"
  : >"$log"
  echo "round $round: $round_kills kill(s), $resumes resume(s): identical"
done
echo "kills by what the folder held afterwards:"
sort "$work/phases" | uniq -c | sed 's/^/  /'
warnings=$(sort -u "$work/warnings" 2>/dev/null | wc -l)
echo "ok: $rounds rounds, $kills kills, every resumed folder identical to the reference" \
  "($warnings distinct warnings) in $((($(now_ms) - start) / 1000)) s"
rm -rf "$work"

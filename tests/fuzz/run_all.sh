#!/usr/bin/env bash
# Runs every fuzz harness for SECONDS each (default 60) and fails if any finds a crash, a
# sanitizer report, a leak, an out-of-memory or a hang (an input taking over 10 s). Builds
# nothing: configure and build the fuzz build first (docs/reliability.md#fuzzing).
#
#   tests/fuzz/run_all.sh [SECONDS] [HARNESS...]
#
# XBARSIM_FUZZ_BUILD names the build folder (default build-fuzz). Each harness grows its corpus
# in <build>/tests/fuzz/corpus/<name>/, kept between runs, so that a longer or a later run
# starts where the last one stopped; the seeds in <build>/tests/fuzz/seeds/<name>/ are read
# only. A failing input is saved in <build>/tests/fuzz/artifacts/<name>/ and the run's log in
# <build>/tests/fuzz/logs/<name>.log. Prints executions per second and the coverage reached
# (libFuzzer's cov: edges and ft: features) per harness.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
build=${XBARSIM_FUZZ_BUILD:-build-fuzz}
dir=$build/tests/fuzz
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(arch workload experiment model dataset idx task result hdf5_layout output_paths)

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "run_all.sh: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi
for h in "${harnesses[@]}"; do
  if [ ! -x "$dir/fuzz_$h" ] || [ ! -d "$dir/seeds/$h" ]; then
    echo "run_all.sh: $dir/fuzz_$h or its seeds are missing; build first:" >&2
    echo "  cmake -S . -B $build -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang" \
         "-DXBARSIM_FUZZ=ON -DXBARSIM_MPI=OFF && cmake --build $build -j2" >&2
    exit 2
  fi
done

# Leaks are findings; UBSan stops at the first report (the build makes every check fatal).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks inside libhdf5 on damaged files are libhdf5's own (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
failed=()
printf '%-11s %8s %10s %7s %7s  %s\n' harness runs "execs/s" "cov" "ft" result
for h in "${harnesses[@]}"; do
  mkdir -p "$dir/corpus/$h" "$dir/artifacts/$h" "$dir/logs"
  log=$dir/logs/$h.log
  "$dir/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/$h/" \
    "$dir/corpus/$h" "$dir/seeds/$h" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+' "$log" | grep -E ' cov: ' | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED ($(grep -m1 -E 'ERROR: |SUMMARY: |deadly signal|ALARM' "$log" | cut -c1-80)); see $log"
    failed+=("$h")
  fi
  printf '%-11s %8s %10s %7s %7s  %s\n' "$h" "${runs:--}" "${speed:--}" "${cov:--}" "${ft:--}" \
    "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_all.sh: findings in: ${failed[*]} (inputs in $dir/artifacts/)" >&2
  exit 1
fi

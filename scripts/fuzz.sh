#!/usr/bin/env bash
# Builds the OTLP decoder fuzz target with clang (libFuzzer, ASan, UBSan) in
# build-fuzz/, replays every saved crash in fuzz/regressions/, then fuzzes for a
# bounded time over fuzz/corpus/otlp. Exits non-zero on a crash; the crashing
# input is saved in fuzz/regressions/ to become a regression input.
# Usage: scripts/fuzz.sh [seconds]   (default 60)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-fuzz
mkdir -p "$build"

if ! cmake -S . -B "$build" -G Ninja -DSTACKLENS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++ >"$build/build.log" 2>&1 || ! ninja -C "$build" otlp_fuzz >>"$build/build.log" 2>&1; then
  tail -n 40 "$build/build.log"
  echo "fuzz: build failed"
  exit 1
fi

fuzzer=$build/otlp_fuzz
regressions=(fuzz/regressions/*)
if [ -e "${regressions[0]}" ]; then
  if ! "$fuzzer" "${regressions[@]}" >"$build/replay.log" 2>&1; then
    tail -n 40 "$build/replay.log"
    echo "fuzz: a saved regression input crashes again"
    exit 1
  fi
fi

# The committed seeds stay untouched: new corpus entries go to a scratch copy.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/otlp/* "$work/"
"$fuzzer" "$work" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=fuzz/regressions/ -print_final_stats=1 >"$build/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz.log" | grep -o '[0-9]*$')
cov=$(grep -oE '#[0-9]+ *DONE *cov: [0-9]+ ft: [0-9]+' "$build/fuzz.log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
[ -z "$cov" ] && cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$build/fuzz.log" | tail -n 1)
if [ $rc -ne 0 ]; then
  grep -E 'ERROR|SUMMARY|Test unit written' "$build/fuzz.log" | head -n 5
  echo "fuzz: otlp_fuzz CRASHED after ${runs:-?} executions (${cov:-no coverage}); input saved in fuzz/regressions/"
  exit 1
fi
echo "fuzz: otlp_fuzz ok: ${runs:-?} executions in ${seconds}s, ${cov:-no coverage}, $(ls fuzz/regressions | wc -l) regression inputs replayed"

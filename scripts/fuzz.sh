#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer, ASan, UBSan) in build-fuzz/ and, for each
# (otlp: the OTLP decoders; wire: the wire-format span reader; governai: GovernAI's PII scanner
# over any bytes), replays every saved crash in
# fuzz/regressions/<target>/, then fuzzes for a bounded time over fuzz/corpus/<target>. Exits
# non-zero on a crash; the crashing input is saved in fuzz/regressions/<target>/ to become a
# regression input.
# Usage: scripts/fuzz.sh [seconds per target]   (default 60)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-fuzz
targets=(otlp wire governai)
mkdir -p "$build"

if ! cmake -S . -B "$build" -G Ninja -DSTACKLENS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++ >"$build/build.log" 2>&1 ||
   ! ninja -C "$build" "${targets[@]/%/_fuzz}" >>"$build/build.log" 2>&1; then
  tail -n 40 "$build/build.log"
  echo "fuzz: build failed"
  exit 1
fi

status=0
for target in "${targets[@]}"; do
  fuzzer=$build/${target}_fuzz
  saved=fuzz/regressions/$target
  mkdir -p "$saved"
  regressions=("$saved"/*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$fuzzer" "${regressions[@]}" >"$build/$target-replay.log" 2>&1; then
      tail -n 40 "$build/$target-replay.log"
      echo "fuzz: a saved regression input of $target crashes again"
      status=1
      continue
    fi
  fi
  # The committed seeds stay untouched: new corpus entries go to a scratch copy.
  work=$(mktemp -d)
  cp fuzz/corpus/"$target"/* "$work/"
  "$fuzzer" "$work" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$saved/" -print_final_stats=1 >"$build/$target-fuzz.log" 2>&1
  rc=$?
  rm -rf "$work"
  log=$build/$target-fuzz.log
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -oE '#[0-9]+ *DONE *cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
  [ -z "$cov" ] && cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
    echo "fuzz: ${target}_fuzz CRASHED after ${runs:-?} executions (${cov:-no coverage}); input saved in $saved/"
    status=1
    continue
  fi
  echo "fuzz: ${target}_fuzz ok: ${runs:-?} executions in ${seconds}s, ${cov:-no coverage}, $(ls "$saved" | wc -l) regression inputs replayed"
done
exit $status

#!/usr/bin/env bash
# Configures and builds into build/.
#   scripts/build.sh        the server and the load generator (what start.sh needs)
#   scripts/build.sh test   also the unit tests and benchmarks (GoogleTest, Google Benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
tests=OFF
[ "$mode" = test ] && tests=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTACKLENS_TESTS=$tests >/dev/null
if [ "$mode" = test ]; then ninja -C build; else ninja -C build stacklens loadgen; fi

#!/usr/bin/env bash
# The README's first command: install what is missing, build, start StackLens on
# its embedded SQLite store. The first start prints the dashboard URL, the admin
# login and an API key. Settings come from STACKLENS_* variables or flags passed on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh run
bash scripts/build.sh
bash scripts/build_web.sh
export STACKLENS_DATA_DIR=${STACKLENS_DATA_DIR:-$PWD/stacklens-data}
exec ./build/stacklens serve "$@"

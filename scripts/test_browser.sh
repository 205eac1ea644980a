#!/usr/bin/env bash
# Browser tests: the real server, the real Python SDK and Debian's chromium
# driven by playwright-core (node's test runner). Needs build/stacklens
# (scripts/build.sh) and test deps (scripts/install_deps.sh test).
# Writes browser.xml to $STACKLENS_TEST_REPORTS when set; screenshots go to
# artifacts/screenshots/. Ends with "N passed, N failed".
#
# Usage: scripts/test_browser.sh [--node18]
# --node18: build the dashboard and run the tests with Node 18.19.0, Debian 12's
# own and the oldest the README promises, from npm's `node` package (installed
# once into ~/.cache/stacklens); the report is then browser-node18.xml.
set -uo pipefail
cd "$(dirname "$0")/.."
report=browser
if [ "${1:-}" = --node18 ]; then
  node18=${XDG_CACHE_HOME:-$HOME/.cache}/stacklens/node-18.19.0
  if [ ! -x "$node18/node_modules/node/bin/node" ]; then
    npm install --prefix "$node18" --no-audit --no-fund --loglevel=error node@18.19.0 >/dev/null ||
      { echo "could not install Node 18.19.0 from npm"; echo "0 passed, 1 failed"; exit 1; }
  fi
  # npm, vite and the test runner below all run on the first node of PATH.
  export PATH="$node18/node_modules/node/bin:$PATH"
  report=browser-node18
fi
echo "node $(node --version)"
bash scripts/build_web.sh || { echo "0 passed, 1 failed"; exit 1; }
reports=${STACKLENS_TEST_REPORTS:-$(mktemp -d)}
mkdir -p "$reports" artifacts/screenshots
log=$(mktemp)
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$log" \
  --test-reporter=junit --test-reporter-destination="$reports/$report.xml" \
  tests/browser/dashboard.test.mjs
status=$?
passed=$(grep -E '^# pass ' "$log" | awk '{print $3}')
failed=$(grep -E '^# fail ' "$log" | awk '{print $3}')
rm -f "$log"
if [ -z "$passed" ]; then passed=0; failed=1; fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
# The README's screenshot, when there is none yet: the Traces page of a run that passed.
if [ "$failed" -eq 0 ] && [ -f artifacts/screenshots/04-traces.png ] && [ ! -f docs/screenshots/traces.png ]; then
  mkdir -p docs/screenshots && cp artifacts/screenshots/04-traces.png docs/screenshots/traces.png
fi
echo "$report: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

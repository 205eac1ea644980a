#!/usr/bin/env bash
# Browser tests: the real server, the real Python SDK and Debian's chromium
# driven by playwright-core (node's test runner). Needs build/stacklens
# (scripts/build.sh) and test deps (scripts/install_deps.sh test).
# Writes browser.xml to $STACKLENS_TEST_REPORTS when set; screenshots go to
# artifacts/screenshots/. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_web.sh || { echo "0 passed, 1 failed"; exit 1; }
reports=${STACKLENS_TEST_REPORTS:-$(mktemp -d)}
mkdir -p "$reports" artifacts/screenshots
log=$(mktemp)
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$log" \
  --test-reporter=junit --test-reporter-destination="$reports/browser.xml" \
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
echo "browser: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

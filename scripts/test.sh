#!/usr/bin/env bash
# The README's second command, and all that .ci/run does: install what is
# missing, build, run every test suite. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh test || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build.sh test || { echo "0 passed, 1 failed"; exit 1; }

reports=$(mktemp -d)
export STACKLENS_TEST_REPORTS=$reports
export STACKLENS_BINARY=$PWD/build/stacklens

echo "== unit tests (GoogleTest)"
# A throw-away PostgreSQL 15 for the metadata store's tests, which are skipped without it.
pgdir=$(mktemp -d)
if pgurl=$(bash tests/support/postgres.sh start "$pgdir"); then
  export STACKLENS_TEST_POSTGRES_URL=$pgurl STACKLENS_TEST_POSTGRES_DIR=$pgdir
else
  echo "PostgreSQL for the unit tests did not start" > "$reports/postgres.failed"
fi
./build/unit_tests --gtest_brief=1 --gtest_output="xml:$reports/unit.xml"
unset STACKLENS_TEST_POSTGRES_DIR

echo "== server tests against the real binary (pytest)"
python3 -m pytest -q -p no:cacheprovider tests/server --junitxml="$reports/server.xml"

echo "== the same server tests with the metadata in PostgreSQL (a fresh database per server)"
if [ -n "${STACKLENS_TEST_POSTGRES_URL:-}" ]; then
  STACKLENS_TEST_METADATA=postgres python3 -m pytest -q -p no:cacheprovider tests/server \
    --junitxml="$reports/server-postgres.xml"
fi

echo "== the server tests with each server's spans in ClickHouse 18.16 (a fresh database per server)"
chsdir=$(mktemp -d)
if chsurl=$(bash tests/support/clickhouse.sh start "$chsdir/server"); then
  STACKLENS_TEST_SPANS=clickhouse STACKLENS_TEST_CLICKHOUSE_URL=$chsurl python3 -m pytest -q -p no:cacheprovider \
    tests/server --junitxml="$reports/server-clickhouse.xml"
else
  echo "ClickHouse for the span-store pass did not start" > "$reports/clickhouse-spans.failed"
fi
bash tests/support/clickhouse.sh stop "$chsdir"

echo "== the server API tests and the SDK end-to-end tests through haproxy against a local cluster"
# Each server of these tests is scripts/cluster.sh's two nodes behind haproxy, on a fresh
# PostgreSQL database and a fresh ClickHouse database on two replicas (tests/support/stacklens_cluster.py);
# test_cluster_faults.py kills and stops its parts. Tests of one local process are marked one_target.
chdir=$(mktemp -d)
if [ -n "${STACKLENS_TEST_POSTGRES_URL:-}" ] && churls=$(bash tests/support/clickhouse.sh cluster "$chdir"); then
  (
    export STACKLENS_TEST_TARGET=cluster STACKLENS_TEST_CLICKHOUSE_URLS="${churls//$'\n'/ }" \
      STACKLENS_TEST_CLICKHOUSE_DIR=$chdir STACKLENS_TEST_POSTGRES_DIR=$pgdir
    python3 -m pytest -q -p no:cacheprovider --junitxml="$reports/server-cluster.xml" \
      tests/server/test_golden.py tests/server/test_contract.py tests/server/test_sessions.py \
      tests/server/test_conversations.py tests/server/test_scores.py tests/server/test_cluster_faults.py \
      tests/server/test_migrate.py tests/server/test_flowops_gates.py
    cd sdk/python && python3 -m pytest -q -p no:cacheprovider tests/e2e --junitxml="$reports/sdk-e2e-cluster.xml"
  )
else
  echo "the local cluster (PostgreSQL, ZooKeeper, ClickHouse) for the cluster pass did not start" > "$reports/cluster.failed"
fi
bash tests/support/clickhouse.sh stop "$chdir"
bash tests/support/postgres.sh stop "$pgdir"
unset STACKLENS_TEST_POSTGRES_URL

echo "== Python SDK: lint, types, Python 3.9 syntax, unit and end-to-end tests"
JUNIT_DIR=$reports bash sdk/python/scripts/check.sh --e2e || echo "sdk: lint, type or syntax checks failed" > "$reports/sdk-lint.failed"

echo "== the SDK's instrumentation end-to-end tests with the previous majors of openai and anthropic"
prev=$(mktemp -d)
if python3 -m venv "$prev" && "$prev/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r sdk/python/tests/requirements-previous-majors.txt; then
  (cd sdk/python && PYTHONPATH=src "$prev/bin/python" -m pytest -q -p no:cacheprovider \
    tests/e2e/test_instrumentation.py --junitxml="$reports/sdk-previous-majors.xml")
else
  echo "openai 2.x and anthropic 1.x did not install" > "$reports/sdk-previous-majors.failed"
fi
rm -rf "$prev"

# A step that is one test: a JUnit report with one case, passed or failed.
step() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    printf '<testsuite name="%s"><testcase name="%s"/></testsuite>\n' "$name" "$name" > "$reports/$name.xml"
  else
    printf '<testsuite name="%s"><testcase name="%s"><failure/></testcase></testsuite>\n' "$name" "$name" > "$reports/$name.xml"
  fi
  echo "$out" | tail -5
}

echo "== dashboard in headless Chromium (playwright-core)"
bash scripts/test_browser.sh | tail -15

echo "== the same under Node 18.19, Debian 12's own (the oldest Node the README promises)"
bash scripts/test_browser.sh --node18 | tail -3
[ -f "$reports/browser-node18.xml" ] || echo "browser tests under Node 18 did not run" > "$reports/browser-node18.failed"

echo "== fuzzing the OTLP decoders and the wire-format span reader (bounded)"
step fuzz bash scripts/fuzz.sh "${STACKLENS_FUZZ_SECONDS:-20}"

python3 scripts/summarize_tests.py "$reports"

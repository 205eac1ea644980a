#!/usr/bin/env bash
# Lint, type-check, Python 3.9 syntax check, unit tests and the package check
# (sdist and wheel built, the wheel installed in a fresh venv) for the Python SDK.
# The same command for developers and CI:  sdk/python/scripts/check.sh [--e2e]
#   --e2e   also run tests/e2e (needs build/stacklens; skipped with a reason otherwise)
# Needs: pip install -e 'sdk/python[dev]', and a reachable package index (the
# build's setuptools and the venv's httpx come from it).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"

echo "== ruff"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .

echo "== mypy --strict"
"$PYTHON" -m mypy --strict

echo "== Python 3.9 compatibility (vermin)"
vermin -t=3.9- --no-tips --violations --eval-annotations --backport dataclasses \
    src tests
# When a real 3.9 interpreter is at hand, let it parse everything too.
PY39="${PY39:-python3.9}"
if "$PY39" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
    "$PY39" -m compileall -q -f src tests >/dev/null
    echo "parsed by $("$PY39" --version)"
fi

# JUNIT_DIR: where the repo's test command collects JUnit reports.
junit() { [[ -n "${JUNIT_DIR:-}" ]] && echo "--junitxml=$JUNIT_DIR/$1.xml" || true; }

echo "== unit tests"
"$PYTHON" -m pytest -q -p no:cacheprovider tests/unit $(junit sdk-unit)

if [[ "${1:-}" == "--e2e" ]]; then
    echo "== end-to-end tests"
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/e2e $(junit sdk-e2e)
fi

echo "== package: sdist and wheel, installed in a fresh virtual environment"
"$PYTHON" -m pytest -q -p no:cacheprovider tests/package $(junit sdk-package)

#!/usr/bin/env bash
# Builds the dashboard into web/dist (served by the stacklens binary).
# Runs npm ci only when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build >/dev/null
echo "dashboard built into web/dist"

#!/usr/bin/env bash
# Installs what StackLens needs on Debian 12, skipping what is already there.
# Usage: scripts/install_deps.sh [run|test]
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

apt_packages=(build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsodium-dev libfmt-dev libspdlog-dev libcli11-dev zlib1g-dev libzstd-dev liblz4-dev libmimalloc-dev libpq-dev libssl-dev
  libhyperscan-dev libphonenumber-dev libgrpc++-dev
  python3 python3-pip python3-venv nodejs npm)
if [ "$mode" = test ]; then
  # clang and its libFuzzer runtime: scripts/fuzz.sh; chromium and a font: the browser tests;
  # fiu-utils: disk faults injected into the real server (tests/server/test_disk_faults.py);
  # postgresql: the PostgreSQL metadata store's tests (tests/support/postgres.sh);
  # clickhouse-server, clickhouse-client, zookeeper, haproxy: the ClickHouse span store's tests
  # and the local cluster (tests/support/clickhouse.sh, scripts/cluster.sh)
  apt_packages+=(libgtest-dev libbenchmark-dev sqlite3 curl clang libclang-rt-14-dev chromium fonts-dejavu-core
    fiu-utils postgresql clickhouse-server clickhouse-client zookeeper haproxy)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3/node may come from elsewhere (pyenv, nodesource): do not fight them. Debian's own
# nodejs (18.19) is enough: web/package.json pins playwright-core 1.61.1, the last release that
# runs on Node 18, and scripts/test.sh runs the browser tests under Node 18.19 to keep it so.
filtered=()
for p in "${missing[@]}"; do
  case "$p" in
    python3) command -v python3 >/dev/null || filtered+=("$p") ;;
    python3-pip) python3 -m pip --version >/dev/null 2>&1 || filtered+=("$p") ;;
    # the README installs the SDK into a virtual environment; Debian's python3 needs this package for it
    python3-venv) python3 -c 'import ensurepip' 2>/dev/null || filtered+=("$p") ;;
    nodejs) command -v node >/dev/null || filtered+=("$p") ;;
    npm) command -v npm >/dev/null || filtered+=("$p") ;;
    *) filtered+=("$p") ;;
  esac
done
if [ ${#filtered[@]} -gt 0 ]; then
  echo "installing: ${filtered[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # libphonenumber-dev depends on libboost-thread-dev, Debian 12's Boost 1.74, which conflicts
  # with the Boost 1.81 we build with: a local package that provides it as Boost.Thread 1.81.
  if [[ " ${filtered[*]} " == *" libphonenumber-dev "* ]] && ! dpkg-query -W stacklens-boost-thread-dev >/dev/null 2>&1; then
    shim=$(mktemp -d)
    mkdir -p "$shim/pkg/DEBIAN"
    printf '%s\n' 'Package: stacklens-boost-thread-dev' 'Version: 1.81' 'Architecture: all' \
      'Maintainer: StackLens <dev@localhost>' 'Depends: libboost-thread1.81-dev' 'Provides: libboost-thread-dev' \
      'Description: Boost.Thread 1.81 as libboost-thread-dev (for libphonenumber-dev)' >"$shim/pkg/DEBIAN/control"
    dpkg-deb --build "$shim/pkg" "$shim/shim.deb" >/dev/null
    apt-get install -y -qq libboost-thread1.81-dev "$shim/shim.deb" >/dev/null
    rm -rf "$shim"
  fi
  apt-get install -y -qq "${filtered[@]}" >/dev/null
fi

if [ "$mode" = test ]; then
  pip_flags=(--quiet --disable-pip-version-check)
  # Debian's own python3 refuses system-wide pip installs without this flag.
  python3 -m pip install "${pip_flags[@]}" -r requirements-test.txt 2>/dev/null ||
    python3 -m pip install "${pip_flags[@]}" --break-system-packages -r requirements-test.txt
  python3 -m pip install "${pip_flags[@]}" -e 'sdk/python[dev]' 2>/dev/null ||
    python3 -m pip install "${pip_flags[@]}" --break-system-packages -e 'sdk/python[dev]'
fi

# The dashboard's packages (web/package-lock.json), needed to build web/dist in
# both modes and, in test mode, for playwright-core. Skipped when current.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

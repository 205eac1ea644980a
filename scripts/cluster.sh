#!/usr/bin/env bash
# A StackLens cluster on the loopback ports of this machine (docs/cluster.md):
# PostgreSQL 15 (metadata), ZooKeeper and two ClickHouse replicas of one shard (spans), two
# `stacklens serve` nodes and haproxy in front of them, health-checking /ready, round-robin.
#   scripts/cluster.sh up [serve flags...]   starts whatever is not running (flags go to both nodes);
#                                            the first up prints the URL, admin login and API key
#   scripts/cluster.sh status                each part up or down; exit 1 when any is down
#   scripts/cluster.sh down                  stops everything; the data stays for the next up
# State (data, logs, pids, ports) lives in $STACKLENS_CLUSTER_DIR (default /tmp/stacklens-cluster);
# remove it after `down` to start afresh. The binary is $STACKLENS_BINARY (default build/stacklens,
# built when missing). The tests start the same topology on databases of their own:
# STACKLENS_CLUSTER_METADATA_URL and STACKLENS_CLUSTER_SPAN_STORE_URLS (node A's, then node B's)
# name them, and then `up` starts neither PostgreSQL nor ClickHouse and `down` stops neither.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
state=${STACKLENS_CLUSTER_DIR:-/tmp/stacklens-cluster}
binary=${STACKLENS_BINARY:-$repo/build/stacklens}
external_metadata=${STACKLENS_CLUSTER_METADATA_URL:-}
external_spans=${STACKLENS_CLUSTER_SPAN_STORE_URLS:-}
# shellcheck source=../tests/support/clickhouse.sh
source "$repo/tests/support/clickhouse.sh"
nodes=(a b)

die() { echo "cluster.sh: $*" >&2; exit 1; }

need_programs() {
  local missing=()
  [ -n "$external_metadata" ] || [ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
  if [ -z "$external_spans" ]; then
    [ -x "$ch_bin" ] || missing+=(clickhouse-server)
    [ -f "$zk_classpath" ] || missing+=(zookeeper)
  fi
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ ${#missing[@]} -eq 0 ] ||
    die "missing Debian packages: ${missing[*]} (install them with: bash scripts/install_deps.sh test)"
}

need_binary() {
  if [ ! -x "$binary" ]; then
    [ -z "${STACKLENS_BINARY:-}" ] || die "STACKLENS_BINARY=$binary is not an executable"
    bash "$repo/scripts/install_deps.sh" run
    bash "$repo/scripts/build.sh"
    bash "$repo/scripts/build_web.sh"
  fi
}

# Whether this binary has the ClickHouse span store (the span-store-url setting). grep reads all
# of it (no -q): under pipefail, a grep that stops at the first match can fail the pipeline
# with the binary's SIGPIPE, and a node would then start without ClickHouse.
has_span_store() { "$binary" serve --print-settings 2>/dev/null | grep -- '`--span-store-url`' >/dev/null; }

# --- PostgreSQL: tests/support/postgres.sh's throw-away server, kept across down/up ---------------

pg_dir=$state/postgres
pg_ctl_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl "$@"
  else /usr/lib/postgresql/15/bin/pg_ctl "$@"; fi
}
pg_running() { [ -d "$pg_dir/data" ] && pg_ctl_as_owner -D "$pg_dir/data" status >/dev/null 2>&1; }

metadata_url() {
  if [ -n "$external_metadata" ]; then echo "$external_metadata"; else cat "$pg_dir/url"; fi
}

postgres_up() {
  [ -z "$external_metadata" ] || return 0
  if [ -f "$pg_dir/url" ]; then
    pg_running || bash "$repo/tests/support/postgres.sh" restart "$pg_dir" > "$pg_dir/restart.log" 2>&1 ||
      die "PostgreSQL in $pg_dir did not start; see $pg_dir/server.log"
    return 0
  fi
  local admin
  rm -rf "$pg_dir"
  admin=$(bash "$repo/tests/support/postgres.sh" start "$pg_dir") || die "PostgreSQL did not start"
  psql "$admin" -qAtc "CREATE DATABASE stacklens" >/dev/null || die "cannot create database stacklens"
  (umask 077 && echo "${admin%/*}/stacklens" > "$pg_dir/url")
}

# --- ZooKeeper and the ClickHouse replicas: tests/support/clickhouse.sh ----------------------------

ch_dir=$state/clickhouse
span_store_urls() {
  if [ -n "$external_spans" ]; then echo "$external_spans"; return; fi
  local r urls=()
  # Each node writes to and reads from its own replica: a quorum insert reaches both replicas
  # anyway, and the HTTP work of inserts and queries is spread over both servers.
  for r in 1 2; do urls+=("http://127.0.0.1:$(cat "$ch_dir/replica$r/http_port")/stacklens?cluster=stacklens"); done
  echo "${urls[*]}"
}

clickhouse_up() {
  [ -z "$external_spans" ] || return 0
  if [ ! -f "$ch_dir/replica2/http_port" ]; then
    rm -rf "$ch_dir"
    ch_cluster "$ch_dir" >/dev/null || die "ZooKeeper or ClickHouse did not start; see the logs in $ch_dir"
    return 0
  fi
  ch_running "$ch_dir/zookeeper" || ch_zookeeper_start "$ch_dir/zookeeper" || die "ZooKeeper did not start"
  local r
  for r in 1 2; do
    ch_running "$ch_dir/replica$r" || ch_server_start "$ch_dir/replica$r" || die "ClickHouse replica $r did not start"
  done
}

# --- the StackLens nodes and haproxy ---------------------------------------------------------------

# The nodes' and haproxy's ports, chosen once so that a restarted node comes back where haproxy
# looks for it.
ports_file=$state/ports
load_ports() {
  if [ ! -f "$ports_file" ]; then
    local p
    mapfile -t p < <(ch_free_ports 3)
    printf 'node_a=%s\nnode_b=%s\nhaproxy=%s\n' "${p[@]}" > "$ports_file"
  fi
  # shellcheck source=/dev/null
  source "$ports_file"
}
node_port() { local v="node_$1"; echo "${!v}"; }
proxy_url() { echo "http://127.0.0.1:$haproxy"; }

pid_alive() { ch_alive "$(cat "$1" 2>/dev/null)"; }

http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true; }

node_up() {
  local n=$1
  shift
  local dir=$state/node-$n port
  port=$(node_port "$n")
  pid_alive "$dir/pid" && return 0
  mkdir -p "$dir/data"
  # One encryption key ring and one audit signing key for all nodes: text sealed by one node is
  # opened by the others, and the audit chain's checkpoints verify with one key. Node A creates
  # them on its first start; the others get a copy before theirs.
  local f
  for f in encryption.keys audit-signing.key; do
    if [ "$n" != a ] && [ ! -f "$dir/data/$f" ]; then
      cp -p "$state/node-a/data/$f" "$dir/data/$f"
    fi
  done
  local urls store=()
  read -r -a urls <<< "$(span_store_urls)"
  if has_span_store; then
    store=(--span-store-url "${urls[$([ "$n" = a ] && echo 0 || echo 1)]}")
  fi
  setsid "$binary" serve --data-dir "$dir/data" --listen 127.0.0.1 --port "$port" \
    --public-url "$(proxy_url)" --metadata-url "$(metadata_url)" "${store[@]}" "$@" \
    >> "$dir/stacklens.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(http_status "http://127.0.0.1:$port/health")" = 200 ] && return 0
    pid_alive "$dir/pid" || { tail -n 5 "$dir/stacklens.log" >&2; die "node $n exited during start"; }
    sleep 0.1
  done
  die "node $n did not answer /health within 30 s; see $dir/stacklens.log"
}

haproxy_up() {
  local dir=$state/haproxy
  pid_alive "$dir/pid" && return 0
  mkdir -p "$dir"
  cat > "$dir/haproxy.cfg" <<EOF
global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A request whose connection to a node failed (a node killed or restarting) goes to the other.
  retries 2
  option redispatch
  # haproxy's own answers (no node reachable, a node gone mid-request) in StackLens's error form.
  http-error status 502 content-type application/json string '{"error": "a StackLens node closed the connection; retry"}' hdr Retry-After 1
  http-error status 503 content-type application/json string '{"error": "no StackLens node is reachable"}' hdr Retry-After 5
  http-error status 504 content-type application/json string '{"error": "a StackLens node did not answer in time"}' hdr Retry-After 5

frontend stacklens
  bind 127.0.0.1:$haproxy
  default_backend nodes

backend nodes
  balance roundrobin
  # A node leaves the rotation while /ready fails (its database unreachable, its disk full,
  # shutting down) and comes back once it answers 200 again.
  option httpchk
  http-check send meth GET uri /ready
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1
$(for n in "${nodes[@]}"; do echo "  server node-$n 127.0.0.1:$(node_port "$n") check"; done)
  # When no node is ready (its database down for all), requests still reach the nodes, which
  # answer them themselves: 503 with Retry-After and the reason, as a single node would.
  option allbackups
$(for n in "${nodes[@]}"; do echo "  server node-$n-unready 127.0.0.1:$(node_port "$n") backup"; done)
EOF
  haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy refused its configuration $dir/haproxy.cfg"
  haproxy -D -p "$dir/pid" -f "$dir/haproxy.cfg" || die "haproxy did not start"
}

wait_ready() {
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(http_status "$(proxy_url)/ready")" = 200 ] && return 0
    sleep 0.1
  done
  die "$(proxy_url)/ready did not answer 200 within 30 s: $(curl -s --max-time 2 "$(proxy_url)/ready")"
}

# What the nodes' logs hold now, in bytes: print_login reads only what this `up` added.
log_sizes() {
  local n
  for n in "${nodes[@]}"; do stat -c %s "$state/node-$n/stacklens.log" 2>/dev/null || echo 0; done
}

# The credentials block the bootstrapping node printed during this `up` (exactly one node does,
# at the first start on an empty database), with the haproxy URL as its dashboard: the nodes'
# public URL. A later `up` does not show them again, as a single node does not.
print_login() {
  local sizes block="" i=0 n
  read -r -a sizes <<< "$1"
  for n in "${nodes[@]}"; do
    block+=$(tail -c +"$((sizes[i] + 1))" "$state/node-$n/stacklens.log" | sed -n '/^StackLens is ready/,/^  API key:/p')
    i=$((i + 1))
  done
  if [ -n "$block" ]; then
    printf '\n%s\n\n' "$block"
  else
    printf '\nStackLens cluster running at %s (the admin login and API key were shown at its first start)\n\n' \
      "$(proxy_url)"
  fi
}

up() {
  need_programs
  need_binary
  mkdir -p "$state"
  load_ports
  postgres_up
  clickhouse_up
  has_span_store || echo "cluster.sh: $binary has no span-store-url: each node keeps its own spans in SQLite" >&2
  local n before
  before=$(log_sizes | tr '\n' ' ')
  for n in "${nodes[@]}"; do node_up "$n" "$@"; done
  haproxy_up
  wait_ready
  print_login "$before"
}

# --- down and status -------------------------------------------------------------------------------

# Stops the process of a pid file with SIGTERM and waits for it (30 s, then SIGKILL).
stop_pid() {
  local pidfile=$1 pid i
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  rm -f "$pidfile"
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    ch_alive "$pid" || return 0
    sleep 0.1
  done
  echo "cluster.sh: $pidfile's process did not stop within 30 s: killed" >&2
  kill -9 "$pid" 2>/dev/null || true
  return 1
}

down() {
  [ -d "$state" ] || { echo "cluster.sh: no cluster in $state"; return 0; }
  local n failed=0
  stop_pid "$state/haproxy/pid" || failed=1
  for n in "${nodes[@]}"; do stop_pid "$state/node-$n/pid" || failed=1; done
  if [ -z "$external_spans" ] && [ -d "$ch_dir" ]; then
    local r
    for r in 1 2; do ch_server_stop "$ch_dir/replica$r"; done
    ch_server_stop "$ch_dir/zookeeper"
  fi
  if [ -z "$external_metadata" ] && pg_running; then
    pg_ctl_as_owner -D "$pg_dir/data" -w -s -m fast stop || failed=1
  fi
  return $failed
}

status() {
  [ -d "$state" ] || die "no cluster in $state (start one with: scripts/cluster.sh up)"
  load_ports
  local all=0
  line() {  # part, up|down, detail
    printf '%-14s %-5s %s\n' "$1" "$2" "$3"
    [ "$2" = up ] || all=1
  }
  if [ -z "$external_metadata" ]; then
    if pg_running; then line postgresql up "$(metadata_url | sed 's|://\([^:]*\):[^@]*@|://\1:***@|')"
    else line postgresql down "$pg_dir"; fi
  fi
  if [ -z "$external_spans" ]; then
    local zk_port r
    zk_port=$(cat "$ch_dir/zookeeper/port" 2>/dev/null || echo 0)
    if ch_zookeeper_serves "$zk_port" 2>/dev/null; then line zookeeper up "127.0.0.1:$zk_port"
    else line zookeeper down "$ch_dir/zookeeper"; fi
    for r in 1 2; do
      local p
      p=$(cat "$ch_dir/replica$r/http_port" 2>/dev/null || echo 0)
      if ch_answers "$p"; then line "clickhouse-$r" up "http://127.0.0.1:$p"
      else line "clickhouse-$r" down "$ch_dir/replica$r"; fi
    done
  fi
  local n
  for n in "${nodes[@]}"; do
    local url answer
    url="http://127.0.0.1:$(node_port "$n")"
    answer=$(curl -s --max-time 2 -w ' %{http_code}' "$url/ready" || true)
    case $answer in
      *' 200') line "node-$n" up "$url" ;;
      *' 503') line "node-$n" down "$url: ${answer% 503}" ;;
      *) line "node-$n" down "$url: no answer" ;;
    esac
  done
  if pid_alive "$state/haproxy/pid"; then line haproxy up "$(proxy_url)"
  else line haproxy down "$state/haproxy"; fi
  return $all
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  up) up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh up [serve flags...]|status|down" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Throw-away ClickHouse (Debian's 18.16) and ZooKeeper on free loopback ports, as plain processes
# with their own config and data under a given directory (no systemd), for the tests and
# scripts/cluster.sh. Run it, or source it for the ch_* functions.
#   clickhouse.sh start DIR          one server in DIR, prints its HTTP URL
#   clickhouse.sh cluster DIR        a ZooKeeper and two replicas of one shard (macros shard/replica,
#                                    remote_servers cluster `stacklens`), prints the replicas' HTTP URLs,
#                                    one a line
#   clickhouse.sh kill SERVERDIR     kill -9 one server (DIR itself, or DIR/replica1, DIR/replica2)
#   clickhouse.sh stop-server SERVERDIR   stops one server, waiting until it has exited
#   clickhouse.sh start-server SERVERDIR  starts a stopped server again on its ports, with its data
#   clickhouse.sh start-zookeeper DIR/zookeeper  the same for the cluster's ZooKeeper (stop-server stops it)
#   clickhouse.sh stop DIR           stops everything under DIR and removes DIR
# Each server directory holds config.xml, users.xml, data/, server.log, pid and http_port.
# The user `default` has no password and connects from loopback only.

ch_bin=/usr/sbin/clickhouse-server
zk_classpath=/usr/share/java/zookeeper.jar

# N distinct free loopback ports, one a line (held together while chosen, so they differ).
ch_free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# ch_wait_for DESCRIPTION PIDFILE LOG COMMAND...: polls COMMAND until it succeeds (30 s at most);
# fails early, with the log's end, when the process has exited.
ch_wait_for() {
  local what=$1 pidfile=$2 log=$3
  shift 3
  local i
  for ((i = 0; i < 300; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! ch_alive "$(cat "$pidfile" 2>/dev/null)"; then
      echo "clickhouse.sh: $what exited during start; end of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "clickhouse.sh: $what did not answer within 30 s; end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# Whether PID runs. A zombie counts as gone: in a container whose init does not reap, a killed
# server's pid stays until the machine stops.
ch_alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]
}

ch_zookeeper_serves() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf srvr >&3
  local answer
  answer=$(cat <&3)
  exec 3<&-
  [[ $answer == *Mode:* ]]
}

ch_answers() { [ "$(curl -s --max-time 2 "http://127.0.0.1:$1/?query=SELECT%201")" = 1 ]; }

# ch_write_config SERVERDIR HTTP TCP INTERSERVER [EXTRA_XML]: a complete config of its own (Debian's
# /etc/clickhouse-server/config.xml is not read), small caches, logs in SERVERDIR.
ch_write_config() {
  local dir=$1 http=$2 tcp=$3 inter=$4 extra=${5:-}
  mkdir -p "$dir/data"
  cat > "$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/data/tmp/</tmp_path>
  <user_files_path>$dir/data/user_files/</user_files_path>
  <format_schema_path>$dir/data/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>10</keep_alive_timeout>
  <mlock_executable>false</mlock_executable>
$extra
</yandex>
EOF
  cat > "$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
  echo "$http" > "$dir/http_port"
}

# Starts the server configured in SERVERDIR and waits until it answers SELECT 1 over HTTP.
ch_server_start() {
  local dir=$1
  local port
  port=$(cat "$dir/http_port")
  # setsid: its own process group, so a test's Ctrl-C or a killed parent does not reach it half-way.
  setsid "$ch_bin" --config-file="$dir/config.xml" \
    > "$dir/stdout.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  ch_wait_for "ClickHouse ($dir)" "$dir/pid" "$dir/server.err.log" ch_answers "$port"
}

# Stops a server or ZooKeeper (SIGTERM, or SIGKILL when $2 is KILL) and waits until it has exited;
# its pid file goes with it, so a later stop never signals a reused pid.
ch_server_stop() {
  local dir=$1 signal=${2:-TERM} pid i
  pid=$(cat "$dir/pid" 2>/dev/null) || return 0
  rm -f "$dir/pid"
  kill -s "$signal" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    ch_alive "$pid" || return 0
    sleep 0.1
  done
  kill -s KILL "$pid" 2>/dev/null || true
}

# Whether the server or ZooKeeper of DIR runs (its pid file names a live process).
ch_running() { ch_alive "$(cat "$1/pid" 2>/dev/null)"; }

ch_start() {
  local dir=$1 ports
  mapfile -t ports < <(ch_free_ports 3)
  ch_write_config "$dir" "${ports[0]}" "${ports[1]}" "${ports[2]}"
  ch_server_start "$dir" || return 1
  echo "http://127.0.0.1:${ports[0]}"
}

# ZooKeeper 3.8 on the Debian jars: one standalone server, a short tick so that the session of a
# killed replica expires within seconds (ClickHouse asks for 4 s below).
ch_write_zookeeper_config() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  cat > "$dir/zoo.cfg" <<EOF
tickTime=500
minSessionTimeout=1000
maxSessionTimeout=30000
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
forceSync=no
EOF
  echo "$port" > "$dir/port"
}

# Starts the ZooKeeper configured in DIR and waits until it serves.
ch_zookeeper_start() {
  local dir=$1
  # The JVM flags are for a quick start and a small heap: a throw-away coordinator for two replicas.
  setsid java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dzookeeper.admin.enableServer=false -cp "$dir:$zk_classpath" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
    > "$dir/zookeeper.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  # Its port opens before it serves, and ClickHouse 18.16's DDL worker crashes the server when its
  # first ZooKeeper session fails: wait until `srvr` reports a mode.
  ch_wait_for "ZooKeeper ($dir)" "$dir/pid" "$dir/zookeeper.log" ch_zookeeper_serves "$(cat "$dir/port")"
}

# A replica killed during inserts may find, on restart, parts of its own that ZooKeeper does not list
# (inserts it wrote but never registered: none acknowledged, since the other replica confirms every
# quorum insert). ClickHouse refuses to start when such parts hold over half the table's rows,
# which in the tests' tables of a few parts is one stray part; replicated_max_ratio_of_wrong_parts=1
# has it set them aside (detached/) and fetch what it lacks from the other replica instead.
ch_cluster() {
  local dir=$1 ports zk remote r
  mkdir -p "$dir"
  mapfile -t ports < <(ch_free_ports 7)
  zk=${ports[0]}
  remote="<remote_servers><stacklens><shard><internal_replication>true</internal_replication>"
  for r in 1 2; do
    remote+="<replica><host>127.0.0.1</host><port>${ports[$((r * 3))]}</port></replica>"
  done
  remote+="</shard></stacklens></remote_servers>"
  for r in 1 2; do
    ch_write_config "$dir/replica$r" "${ports[$((r * 3 - 2))]}" "${ports[$((r * 3))]}" "${ports[$((r * 3 - 1))]}" "$remote
  <zookeeper><node><host>127.0.0.1</host><port>$zk</port></node><session_timeout_ms>4000</session_timeout_ms></zookeeper>
  <macros><shard>01</shard><replica>replica$r</replica><cluster>stacklens</cluster></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <merge_tree><replicated_max_ratio_of_wrong_parts>1</replicated_max_ratio_of_wrong_parts></merge_tree>"
  done
  ch_write_zookeeper_config "$dir/zookeeper" "$zk"
  ch_zookeeper_start "$dir/zookeeper" || return 1
  # The replicas start side by side: each waits for its own SELECT 1.
  ch_server_start "$dir/replica1" & local first=$!
  ch_server_start "$dir/replica2" || { wait "$first"; return 1; }
  wait "$first" || return 1
  for r in 1 2; do echo "http://127.0.0.1:$(cat "$dir/replica$r/http_port")"; done
}

ch_stop() {
  local dir=$1 d
  # DIR itself, the single server that `start DIR/server` put under it, or the cluster's replicas.
  for d in "$dir" "$dir"/server "$dir"/replica*; do
    [ -f "$d/pid" ] && ch_server_stop "$d"
  done
  [ -f "$dir/zookeeper/pid" ] && ch_server_stop "$dir/zookeeper"
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  usage="usage: clickhouse.sh start|cluster|stop DIR, or kill|stop-server|start-server|start-zookeeper SERVERDIR"
  cmd=${1:?$usage}
  dir=${2:?$usage}
  case $cmd in
    start) ch_start "$dir" ;;
    cluster) ch_cluster "$dir" ;;
    kill) ch_server_stop "$dir" KILL ;;
    stop-server) ch_server_stop "$dir" ;;
    start-server) ch_server_start "$dir" ;;
    start-zookeeper) ch_zookeeper_start "$dir" ;;
    stop) ch_stop "$dir" ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
fi

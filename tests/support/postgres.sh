#!/usr/bin/env bash
# A throw-away PostgreSQL 15 on a free loopback port, for the tests.
#   postgres.sh start DIR    initialises and starts it in DIR (created; its parents must be
#                            traversable by the postgres user), prints its URL
#   postgres.sh restart DIR  restarts it on the same port (the unit tests' reconnect test)
#   postgres.sh stop DIR     stops it and removes DIR
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?usage: postgres.sh start|restart|stop DIR}
dir=${2:?usage: postgres.sh start|restart|stop DIR}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    as_owner sh -c 'umask 077 && cat > "$1"' _ "$dir/pwfile" <<< "$password"
    as_owner "$bin/initdb" -D "$dir/data" -U stacklens --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 \
      --no-sync > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Throw-away data: no fsync. The socket lives in DIR, not in /var/run/postgresql.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c full_page_writes=off" start ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://stacklens:$password@127.0.0.1:$port/postgres"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s -m fast restart
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -w -s -m fast stop || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres.sh start|restart|stop DIR" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# A private PostgreSQL cluster for Zhiwang: its own data directory, socket directory and port,
# so it never collides with another cluster on the machine.
#   scripts/cluster.sh start DIR PORT   -> prints the DATABASE_URL of database "zhiwang"
#   scripts/cluster.sh stop DIR
set -euo pipefail
PG_BIN=/usr/lib/postgresql/15/bin
cmd=$1 dir=$(realpath -m "$2")

# PostgreSQL refuses to run as root: run it as the postgres user then.
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# When the checkout lies where the postgres user cannot reach (e.g. under /root), the cluster
# lives in /var/tmp and DIR becomes a symbolic link to it.
place_cluster() {
  [ "$(id -u)" = 0 ] || return 0
  [ -e "$dir" ] && return 0
  mkdir -p "$(dirname "$dir")"
  if ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
    local real="/var/tmp/zhiwang-pg-$(echo -n "$dir" | sha256sum | cut -c1-12)"
    mkdir -p "$real" && ln -s "$real" "$dir"
  fi
}

case "$cmd" in
start)
  port=$3
  place_cluster
  dir=$(realpath "$dir" 2>/dev/null || echo "$dir")
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    run_pg "$PG_BIN/initdb" -D "$dir/data" -U zhiwang --auth=trust --locale=C.UTF-8 \
      --encoding=UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    run_pg mkdir -p "$dir/socket"
  fi
  if ! run_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Unix socket only (no TCP), readable by its owner (and root) alone.
    run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
      "-p $port -k $dir/socket -c listen_addresses='' -c unix_socket_permissions=0700 \
       -c max_connections=200 -c shared_buffers=256MB -c fsync=${PG_FSYNC:-on}" >/dev/null
  fi
  run_pg "$PG_BIN/psql" -h "$dir/socket" -p "$port" -U zhiwang -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname='zhiwang'" | grep -q 1 ||
    run_pg "$PG_BIN/createdb" -h "$dir/socket" -p "$port" -U zhiwang zhiwang
  echo "postgresql://zhiwang@/zhiwang?host=$dir/socket&port=$port"
  ;;
stop)
  if [ -f "$dir/data/PG_VERSION" ]; then
    run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2;;
esac

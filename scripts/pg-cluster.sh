#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for tests and benchmarks.
#   scripts/pg-cluster.sh start|stop      (CAPEMU_PG_PORT, default 55432)
# Installs Debian's postgresql when its server binaries are absent. The server refuses to run
# as root, so it runs as the postgres user; trust auth on 127.0.0.1 only.
set -euo pipefail
port="${CAPEMU_PG_PORT:-55432}"
data="${CAPEMU_PG_DATA:-/tmp/capemu-pg-$port}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
      echo "installing postgresql from Debian packages" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq postgresql >/dev/null
      bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    if [ -f "$data/postmaster.pid" ] && as_postgres "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      echo "postgres already running on $port" >&2
    else
      rm -rf "$data"
      mkdir -p "$data"
      chown postgres:postgres "$data" 2>/dev/null || true
      as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
      as_postgres "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    fi
    for db in capemu_test capemu_bench; do
      as_postgres "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
        as_postgres "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $db"
    done
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/capemu_test"
    ;;
  stop)
    if [ -n "$bindir" ] && [ -f "$data/postmaster.pid" ]; then
      as_postgres "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac

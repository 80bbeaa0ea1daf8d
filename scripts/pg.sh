#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and benchmarks: `scripts/pg.sh with CMD ARGS…` starts a
# cluster in a temporary directory (initdb + pg_ctl, as the postgres user when we are root,
# since initdb refuses to run as root), runs CMD with DATABASE_URL pointing at it, and stops
# and removes the cluster however CMD ends. Tuned for speed, not durability: it is thrown away.
set -euo pipefail

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "pg.sh: PostgreSQL server binaries not found (install Debian's postgresql package)" >&2
  exit 3
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  with)
    dir=$(mktemp -d /tmp/tisheng-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cleanup() {
      as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$dir"
    }
    trap cleanup EXIT
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 3; }
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=512MB -c max_wal_size=4GB" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 3; }
    "$PGBIN/createdb" -h "$dir" -p "$port" -U postgres tisheng
    export DATABASE_URL="postgres://postgres@/tisheng?host=$dir&port=$port"
    export TISHENG_PG_DIR="$dir" TISHENG_PG_PORT="$port"
    set +e
    "$@"
    status=$?
    set -e
    exit $status
    ;;
  *)
    echo "usage: scripts/pg.sh with CMD [ARGS…]" >&2
    exit 2
    ;;
esac

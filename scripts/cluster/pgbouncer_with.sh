#!/usr/bin/env bash
# The tests through PgBouncer in transaction mode (issue 20, "Connection pooling"): run inside
# scripts/pg.sh (which exports TISHENG_PG_DIR and TISHENG_PG_PORT of its throwaway cluster), it puts a
# PgBouncer (Debian's package, pool_mode = transaction) in front of that cluster on a free loopback
# port, points DATABASE_URL at it with TISHENG_DB_POOLER=pgbouncer (no server-side cursors across
# transactions, no session state), runs CMD, prints the tail of PgBouncer's log and stops it.
#
#   scripts/pg.sh with scripts/cluster/pgbouncer_with.sh .venv/bin/pytest -q -p no:xdist tisheng/playback
#   make test-pgbouncer TESTS="tisheng/playback tisheng/xapi"
set -euo pipefail

if [ -z "${TISHENG_PG_DIR:-}" ] || [ -z "${TISHENG_PG_PORT:-}" ]; then
  echo "pgbouncer_with.sh: run it inside scripts/pg.sh with …" >&2
  exit 2
fi
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [ ! -x "$PGBOUNCER" ]; then
  echo "pgbouncer_with.sh: pgbouncer not found (make cluster-deps installs Debian's package)" >&2
  exit 3
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/tisheng-bouncer.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo '"postgres" ""' > "$dir/users.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$TISHENG_PG_DIR port=$TISHENG_PG_PORT user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
server_idle_timeout = 1
server_check_delay = 0
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
as_pg "$PGBOUNCER" -d "$dir/pgbouncer.ini"
for _ in $(seq 50); do [ -s "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
cleanup() {
  [ -s "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
  sleep 0.2
  rm -rf "$dir"
}
trap cleanup EXIT
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/tisheng" TISHENG_DB_POOLER=pgbouncer
set +e
"$@"
status=$?
set -e
echo "--- pgbouncer log (last lines)"
tail -n 5 "$dir/pgbouncer.log" || true
exit $status

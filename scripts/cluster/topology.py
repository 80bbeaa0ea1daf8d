"""The multi-node topology of issue 20 as local processes on this one machine (loopback ports,
state under var/cluster/), started and stopped by `scripts/cluster/up` and `scripts/cluster/down`.

    etcd (1 member) ── Patroni pg1 ─┐ PostgreSQL 15 primary  ─┐ synchronous streaming
                       Patroni pg2 ─┘ PostgreSQL 15 replica  ─┘ replication (synchronous_mode)
    HAProxy  :pg_rw  → whichever node's Patroni REST API answers GET /primary 200
             :pg_ro  → the nodes answering GET /replica 200 (read-only pages may use it)
    PgBouncer (transaction pooling) → HAProxy :pg_rw
    tisheng serve app1, app2  → PgBouncer; private files in the object store (below)
    HAProxy  :web    → app1, app2 (round robin, health check every second)
    object store :s3 → moto's S3-compatible server (see below); every app node's TISHENG_S3_*

The object store is moto in server mode (`python -m moto.server`, from the project's venv): MinIO,
the usual self-hosted S3-compatible store, is not packaged in Debian, and the platform's store in a
province is a cloud's S3-compatible object storage anyway. moto keeps objects in memory; here it
records every request it takes (MOTO_ENABLE_RECORDING) to var/cluster/s3/recording.jsonl and replays
the recording when it starts again, so a restarted store has the objects it had, as a real one
would from its disks. The app nodes reach it with signed requests, like any S3 store.

How the app finds the primary: through HAProxy's check of Patroni's REST API, not a multi-host
DATABASE_URL with target_session_attrs=read-write. PgBouncer (Debian's 1.18) takes one host per
database and cannot pick the writable one itself, so a multi-host URL would have to bypass the
pooler; and Patroni's /primary answers 200 only on the node holding the leader key in etcd,
which is stronger than "this server accepts writes" (a demoted primary that comes back before
Patroni has made it a replica would pass a read-write probe). The app keeps one plain URL
(PgBouncer's), HAProxy cuts the sessions to a node the moment it fails its check
(on-marked-down shutdown-sessions), and PgBouncer's next login reaches the new primary.

Writes are not lost on failover: Patroni's synchronous_mode makes the replica a synchronous
standby (a commit is answered only once the standby has flushed it) and Patroni promotes only
that standby. With one replica, losing the replica lets the primary go on alone (not strict).

Everything runs as local processes (no systemd, no docker); PostgreSQL, Patroni, PgBouncer and
pgBackRest as the postgres user when we are root (PostgreSQL refuses to run as root).

Usage: topology.py up [--fresh] | down [--purge] | status
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = Path(os.getenv("TISHENG_CLUSTER_DIR", str(ROOT / "var/cluster")))
BASE = int(os.getenv("TISHENG_CLUSTER_PORT_BASE", "26100"))
PGBIN = Path(os.getenv("PGBIN", "/usr/lib/postgresql/15/bin"))
TISHENG = str(ROOT / ".venv/bin/tisheng")
PYTHON = str(ROOT / ".venv/bin/python")

# Loopback ports, all from BASE so two clusters (or another helper's) do not collide.
PORTS = {
    "etcd": BASE, "etcd_peer": BASE + 1,
    "pg1": BASE + 10, "pg1_rest": BASE + 11, "pg2": BASE + 20, "pg2_rest": BASE + 21,
    "pg_rw": BASE + 30, "pg_ro": BASE + 31, "pgbouncer": BASE + 40,
    "app1": BASE + 50, "app2": BASE + 51, "s3": BASE + 60, "web": BASE + 80, "haproxy_stats": BASE + 81,
    "scratch": BASE + 90,
}
NODES = ("pg1", "pg2")
APPS = ("app1", "app2")
# Throwaway credentials of the test cluster (deploy/ shows where real ones live).
PASSWORDS = {"postgres": "cluster-superuser", "replicator": "cluster-replication", "tisheng": "cluster-app"}
S3_BUCKET, S3_KEY, S3_SECRET = "tisheng-cluster", "cluster-access-key", "cluster-secret-key"
DB = "tisheng"
STANZA = "tisheng"
# Timing of failure detection: Patroni's leader key lives TTL seconds (20 is Patroni's minimum)
# and is renewed every LOOP_WAIT; HAProxy checks every second and drops a server after 2 misses.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 20, 2, 5

APP_WORKERS = int(os.getenv("TISHENG_CLUSTER_APP_WORKERS", "1"))
APP_THREADS = int(os.getenv("TISHENG_CLUSTER_APP_THREADS", "16"))


def log(line: str) -> None:
    print(f"cluster: {line}", flush=True)


# --- processes ----------------------------------------------------------------------------------

def _postgres_ids() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL's tools under when we are root, else None (run as ourselves)."""
    if os.getuid() != 0:
        return None
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _as_postgres(path: Path) -> None:
    ids = _postgres_ids()
    if ids:
        os.chown(path, *ids)


def _demote():
    ids = _postgres_ids()
    if not ids:
        return None

    def preexec() -> None:
        os.setgid(ids[1])
        os.setgroups([])
        os.setuid(ids[0])
    return preexec


def pidfile(name: str) -> Path:
    return VAR / "pids" / f"{name}.pid"


def spawn(name: str, argv: list[str], *, env: dict | None = None, as_postgres: bool = False) -> int:
    """Start a long-running process in a session of its own, its output in log/<name>.log."""
    out = open(VAR / "log" / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    full_env = {**os.environ, **(env or {})}
    if as_postgres and _postgres_ids():
        full_env["HOME"] = str(VAR)
    proc = subprocess.Popen(argv, cwd=VAR if as_postgres else ROOT, env=full_env, stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=_demote() if as_postgres else None)
    out.close()
    pidfile(name).write_text(str(proc.pid))
    return proc.pid


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not running
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def descendants(pid: int) -> list[int]:
    """pid's children, grandchildren … (from /proc), deepest last."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                kids = []
            found.extend(kids)
            todo.extend(kids)
    return found


def pid_of(name: str) -> int | None:
    try:
        return int(pidfile(name).read_text())
    except (OSError, ValueError):
        return None


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    for p in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, sig)


def stop(name: str, *, grace: float = 15) -> None:
    """SIGTERM to the process and everything below it, SIGKILL what is left after `grace` s."""
    pid = pid_of(name)
    if pid is None:
        return
    tree = [pid, *descendants(pid)]
    for p in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(running(p) for p in tree) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.2)
    for p in tree:
        if running(p):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
    _reap()
    pidfile(name).unlink(missing_ok=True)


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


# --- waiting ----------------------------------------------------------------------------------

def http_get(url: str, timeout: float = 2) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (loopback only)
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def wait_for(what: str, ready, *, seconds: float = 60, name: str | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        pid = pid_of(name) if name else None
        if name and (pid is None or not running(pid)):
            raise RuntimeError(f"{name} exited while waiting for {what}: see {VAR / 'log' / (name + '.log')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.3)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- Patroni and PostgreSQL -------------------------------------------------------------------

def members() -> list[dict]:
    """Patroni's view of the cluster (name, role, state, lag …) from any node that answers."""
    for node in NODES:
        status, body = http_get(f"http://127.0.0.1:{PORTS[node + '_rest']}/cluster", timeout=1)
        if status == 200:
            return json.loads(body).get("members", [])
    return []


def leader() -> str | None:
    for m in members():
        if m.get("role") == "leader" and m.get("state") == "running":
            return m["name"]
    return None


def pg_dsn(port_name: str = "pg_rw", *, user: str = "tisheng", dbname: str = DB) -> str:
    return (f"postgresql://{user}:{PASSWORDS[user]}@127.0.0.1:{PORTS[port_name]}/{dbname}"
            "?connect_timeout=3")


def app_database_url() -> str:
    """What the app nodes use: PgBouncer, one host, password login."""
    return f"postgres://tisheng:{PASSWORDS['tisheng']}@127.0.0.1:{PORTS['pgbouncer']}/{DB}"


def direct_database_url() -> str:
    """The current primary through HAProxy, bypassing the pooler (migrations, seeding, checks)."""
    return f"postgres://tisheng:{PASSWORDS['tisheng']}@127.0.0.1:{PORTS['pg_rw']}/{DB}"


def psql(sql: str, *, node: str | None = None, port_name: str = "pg_rw", dbname: str = "postgres",
         user: str = "postgres") -> str:
    """Run SQL with psql (as the superuser over TCP), returning its unaligned output."""
    port = PORTS[node] if node else PORTS[port_name]
    env = {**os.environ, "PGPASSWORD": PASSWORDS[user], "PGCONNECT_TIMEOUT": "3"}
    done = subprocess.run([str(PGBIN / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                           "-p", str(port), "-U", user, "-d", dbname, "-c", sql],
                          env=env, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def backrest_conf() -> Path:
    return VAR / "pgbackrest.conf"


def archive_command(node: str) -> str:
    return f"pgbackrest --config={backrest_conf()} --stanza={STANZA} --pg1-path={VAR / node} archive-push %p"


def patroni_config(node: str) -> str:
    """Patroni's YAML for one node (JSON is YAML)."""
    hba = ["local all all trust",
           "host replication replicator 127.0.0.1/32 scram-sha-256",
           "host all all 127.0.0.1/32 scram-sha-256"]
    config = {
        "scope": "tisheng", "namespace": "/service/", "name": node,
        "log": {"level": "INFO"},
        "restapi": {"listen": f"127.0.0.1:{PORTS[node + '_rest']}",
                    "connect_address": f"127.0.0.1:{PORTS[node + '_rest']}"},
        "etcd3": {"hosts": [f"127.0.0.1:{PORTS['etcd']}"]},
        "bootstrap": {
            "dcs": {
                "ttl": TTL, "loop_wait": LOOP_WAIT, "retry_timeout": RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1024 * 1024,
                "synchronous_mode": True, "synchronous_mode_strict": False,
                "postgresql": {
                    "use_pg_rewind": True, "use_slots": True,
                    "parameters": {
                        "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                        "max_connections": 150, "max_wal_senders": 5, "max_replication_slots": 5,
                        "wal_keep_size": "256MB", "archive_mode": "on", "archive_timeout": "30s",
                        "synchronous_commit": "on", "timezone": "UTC", "log_timezone": "UTC",
                        "shared_buffers": "128MB", "work_mem": "16MB", "max_wal_size": "1GB",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, "no-locale", "data-checksums"],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{PORTS[node]}", "connect_address": f"127.0.0.1:{PORTS[node]}",
            "data_dir": str(VAR / node), "bin_dir": str(PGBIN), "pgpass": str(VAR / "run" / f"pgpass-{node}"),
            "authentication": {
                "superuser": {"username": "postgres", "password": PASSWORDS["postgres"]},
                "replication": {"username": "replicator", "password": PASSWORDS["replicator"]},
                "rewind": {"username": "postgres", "password": PASSWORDS["postgres"]},
            },
            "pg_hba": hba,
            "parameters": {"unix_socket_directories": str(VAR / "run"), "archive_command": archive_command(node)},
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }
    return json.dumps(config, indent=1)


def write_backrest_conf() -> None:
    backrest_conf().write_text(
        "# pgBackRest for the test cluster: a local repository, WAL archived by both nodes (each\n"
        "# passes its own data directory), full backups taken from whichever node is the primary.\n"
        "[global]\n"
        f"repo1-path={VAR / 'backrest'}\n"
        "repo1-retention-full=2\n"
        "start-fast=y\n"
        "compress-type=lz4\n"
        "process-max=1\n"
        f"log-path={VAR / 'log'}\n"
        f"lock-path={VAR / 'run' / 'pgbackrest'}\n"
        "log-level-console=warn\n"
        "log-level-file=info\n"
        f"\n[{STANZA}]\n"
        f"pg1-path={VAR / 'pg1'}\n"
        f"pg1-port={PORTS['pg1']}\n"
        f"pg1-socket-path={VAR / 'run'}\n")
    _as_postgres(backrest_conf())


def start_patroni(node: str) -> None:
    conf = VAR / f"patroni-{node}.yml"
    conf.write_text(patroni_config(node))
    _as_postgres(conf)
    spawn(f"patroni-{node}", ["patroni", str(conf)], as_postgres=True)


def postmaster_pid(node: str) -> int | None:
    try:
        return int((VAR / node / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def kill_node(node: str) -> None:
    """What losing the machine does: Patroni and PostgreSQL die at once, no goodbye to etcd."""
    patroni = pid_of(f"patroni-{node}")
    postmaster = postmaster_pid(node)
    for pid in (patroni, postmaster):
        if pid and running(pid):
            kill_tree(pid)
    _reap()


def stop_postgres(node: str) -> None:
    """Stop a PostgreSQL whose Patroni is gone (after a kill, or a Patroni that did not stop it)."""
    if postmaster_pid(node) and running(postmaster_pid(node)):
        subprocess.run([str(PGBIN / "pg_ctl"), "-D", str(VAR / node), "-m", "immediate", "stop"],
                       capture_output=True, preexec_fn=_demote(), timeout=60)


# --- the other parts --------------------------------------------------------------------------

def haproxy_config() -> str:
    web_checks = "\n".join(
        f"    server {app} 127.0.0.1:{PORTS[app]} check" for app in APPS)
    pg_checks = "\n".join(
        f"    server {node} 127.0.0.1:{PORTS[node]} check port {PORTS[node + '_rest']}" for node in NODES)
    return f"""# HAProxy for the test cluster (deploy/haproxy/haproxy.cfg is the production example).
global
    maxconn 4096
    pidfile {VAR / 'run' / 'haproxy.pid'}
    stats socket {VAR / 'run' / 'haproxy.sock'} mode 600 level admin
    log stdout format raw local0 notice

defaults
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 2s

# The app nodes: a node that fails two checks a second apart leaves the rotation; a request
# whose connection is refused goes to the other node (redispatch).
frontend web
    mode http
    bind 127.0.0.1:{PORTS['web']}
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    default_backend app

backend app
    mode http
    balance roundrobin
    option httpchk
    http-check send meth GET uri {health_path()} ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    option redispatch
    retries 2
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
{web_checks}

# PostgreSQL: the primary is the node whose Patroni answers GET /primary with 200.
listen pg_rw
    mode tcp
    bind 127.0.0.1:{PORTS['pg_rw']}
    option httpchk
    http-check send meth GET uri /primary
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
{pg_checks}

# Replicas, for read-only pages that accept a lag.
listen pg_ro
    mode tcp
    bind 127.0.0.1:{PORTS['pg_ro']}
    balance roundrobin
    option httpchk
    http-check send meth GET uri /replica
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
{pg_checks}

listen stats
    mode http
    bind 127.0.0.1:{PORTS['haproxy_stats']}
    stats enable
    stats uri /
"""


def health_path() -> str:
    """The app's readiness check: /readyz (reaches the database) once the app has it, else /healthz."""
    urls = (ROOT / "tisheng/urls.py").read_text()
    return "/readyz" if '"readyz"' in urls else "/healthz"


def pgbouncer_config() -> str:
    return f"""; PgBouncer for the test cluster (deploy/pgbouncer/pgbouncer.ini is the production example).
[databases]
{DB} = host=127.0.0.1 port={PORTS['pg_rw']} dbname={DB}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PORTS['pgbouncer']}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {VAR / 'pgbouncer-users.txt'}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
reserve_pool_size = 5
server_reset_query =
ignore_startup_parameters = extra_float_digits
; after a failover: retry the login to the (new) primary every second, and a client that
; waits more than 10 s for a server connection gets an error instead of hanging.
server_login_retry = 1
server_connect_timeout = 3
query_wait_timeout = 10
server_lifetime = 600
pidfile = {VAR / 'run' / 'pgbouncer.pid'}
logfile = {VAR / 'log' / 'pgbouncer-file.log'}
"""


def oidc_key() -> str:
    """The OIDC signing key every node shares (as the keys in production's environment file are
    the same on every host): made once for the cluster."""
    path = VAR / "oidc-key.pem"
    if not path.exists():
        subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True)
        path.chmod(0o600)
    return path.read_text()


def app_env(node: str) -> dict:
    """A node's environment: its own state directory (metrics, caches of the process), the shared
    object store (private files) and the same keys as every other node."""
    return {
        "DATABASE_URL": app_database_url(),
        "TISHENG_VAR_DIR": str(VAR / "nodes" / node),
        "TISHENG_PRIVATE_MEDIA_ROOT": str(VAR / "files" / "private"),  # unused while TISHENG_S3_BUCKET is set
        "TISHENG_S3_BUCKET": S3_BUCKET,
        "TISHENG_S3_ENDPOINT_URL": s3_url(),
        "TISHENG_S3_ACCESS_KEY": S3_KEY,
        "TISHENG_S3_SECRET_KEY": S3_SECRET,
        "TISHENG_S3_REGION": "us-east-1",
        "TISHENG_OIDC_RSA_PRIVATE_KEY": oidc_key(),
        "TISHENG_ALLOW_DEV_KEYS": "1",
        "TISHENG_SITE_URL": f"http://127.0.0.1:{PORTS['web']}",
        "TISHENG_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TISHENG_TRUSTED_PROXY_COUNT": "1",
        "TISHENG_WORKERS": str(APP_WORKERS),
        "TISHENG_THREADS": str(APP_THREADS),
        "TISHENG_NODE_NAME": node,
        # PgBouncer in transaction mode: no server-side cursors across transactions (E's switch).
        "TISHENG_DB_POOLER": "pgbouncer",
        "DJANGO_SETTINGS_MODULE": "tisheng.settings",
    }


def s3_url() -> str:
    return f"http://127.0.0.1:{PORTS['s3']}"


def start_s3() -> float:
    """The object store: moto's server, with what its recording says replayed into it (a restart keeps
    the objects), else a new private bucket. Returns when (time.monotonic()) it took connections
    again: it answers while the replay runs, the objects of before coming back meanwhile.

    The replay is sent from here, with the server recording, not by moto's own replay (which stops
    recording while it runs, so an upload during it would be lost at the next restart); only what
    changed the store is replayed, reads would only cost time."""
    import base64

    import requests

    recording = VAR / "s3" / "recording.jsonl"
    recording.parent.mkdir(exist_ok=True)
    entries = []
    if recording.exists():
        entries = [entry for entry in map(json.loads, recording.read_text().splitlines())
                   if entry.get("method") not in ("GET", "HEAD")]
    recording.write_text("")  # recorded again as they are replayed
    spawn("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(PORTS["s3"])],
          env={"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": str(recording)})
    wait_for("the object store", lambda: port_open(PORTS["s3"]), name="s3")
    listening = time.monotonic()
    if entries:
        with requests.Session() as session:
            for entry in entries:
                body = base64.b64decode(entry["body"]) if entry.get("body_encoded") else entry.get("body") or None
                headers = {k: v for k, v in entry["headers"].items() if k.lower() != "transfer-encoding"}
                path = entry["url"].split("://", 1)[-1].split("/", 1)[-1]
                session.request(entry["method"], f"{s3_url()}/{path}", headers=headers, data=body, timeout=60)
        return listening
    client = s3_client()
    client.create_bucket(Bucket=S3_BUCKET)
    # Files an earlier run of the cluster kept on local disk (var/cluster/files) move into the bucket
    # under the same names, as an operator's `rclone copy` does when a province moves to a store.
    local = VAR / "files" / "private"
    moved = 0
    for path in sorted(local.rglob("*")) if local.is_dir() else []:
        if path.is_file() and not path.name.endswith(".part"):
            client.upload_file(str(path), S3_BUCKET, path.relative_to(local).as_posix())
            moved += 1
    if moved:
        log(f"object store: {moved} files moved in from {local}")
    return listening


def s3_client():
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=s3_url(), aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
                        region_name="us-east-1", config=Config(retries={"max_attempts": 1}, connect_timeout=2))


def s3_has(name: str) -> bool:
    """Whether the object store holds `name`."""
    from botocore.exceptions import ClientError

    try:
        s3_client().head_object(Bucket=S3_BUCKET, Key=name)
    except ClientError:
        return False
    return True


def start_app(node: str) -> None:
    spawn(node, [TISHENG, "serve", "--bind", f"127.0.0.1:{PORTS[node]}", "--no-access-log"], env=app_env(node))
    wait_for(f"{node} on {health_path()}",
             lambda: http_get(f"http://127.0.0.1:{PORTS[node]}{health_path()}")[0] == 200, seconds=90, name=node)


def haproxy_command(command: str) -> str:
    """A command on HAProxy's runtime API (e.g. 'disable server app/app2')."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(VAR / "run" / "haproxy.sock"))
        s.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def server_states(backend: str) -> dict[str, str]:
    """{server: UP/DOWN/MAINT…} of an HAProxy backend, from its runtime API."""
    states = {}
    for line in haproxy_command("show stat").splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == backend and fields[1] not in ("FRONTEND", "BACKEND"):
            states[fields[1]] = fields[17]
    return states


# --- up / down --------------------------------------------------------------------------------

def up(*, fresh: bool) -> None:
    missing = [tool for tool in ("etcd", "patroni", "haproxy", "pgbouncer", "pgbackrest") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"cluster: missing {', '.join(missing)}: run `make cluster-deps` first")
    if any(pid_of(n) for n in ("etcd", "haproxy", "pgbouncer", "s3", *[f"patroni-{x}" for x in NODES], *APPS)):
        down(purge=False)
    if fresh and VAR.exists():
        shutil.rmtree(VAR)
    first_time = not (VAR / "pg1").exists()
    for sub in ("pids", "log", "run", "etcd", "files", "backrest", "run/pgbackrest"):
        (VAR / sub).mkdir(parents=True, exist_ok=True)
    for sub in (VAR, VAR / "log", VAR / "run", VAR / "run/pgbackrest", VAR / "backrest"):
        _as_postgres(sub)
    for node in NODES:
        if first_time:
            (VAR / node).mkdir(mode=0o700, exist_ok=True)
            _as_postgres(VAR / node)
    write_backrest_conf()

    log(f"etcd on 127.0.0.1:{PORTS['etcd']}")
    peer = f"http://127.0.0.1:{PORTS['etcd_peer']}"
    spawn("etcd", ["etcd", "--name", "e1", "--data-dir", str(VAR / "etcd"),
                   "--listen-client-urls", f"http://127.0.0.1:{PORTS['etcd']}",
                   "--advertise-client-urls", f"http://127.0.0.1:{PORTS['etcd']}",
                   "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                   "--initial-cluster", f"e1={peer}", "--initial-cluster-state", "new",
                   "--initial-cluster-token", "tisheng-cluster-test"])
    wait_for("etcd", lambda: http_get(f"http://127.0.0.1:{PORTS['etcd']}/health")[0] == 200, name="etcd")

    log("HAProxy (app nodes, PostgreSQL primary and replicas)")
    (VAR / "haproxy.cfg").write_text(haproxy_config())
    done = subprocess.run(["haproxy", "-c", "-q", "-f", str(VAR / "haproxy.cfg")], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"haproxy.cfg: {done.stderr}")
    spawn("haproxy", ["haproxy", "-db", "-f", str(VAR / "haproxy.cfg")])
    wait_for("haproxy", lambda: port_open(PORTS["web"]), name="haproxy")

    started = time.monotonic()
    first = "pg1" if first_time else None
    for node in NODES:
        start_patroni(node)
        if first == node:
            log(f"Patroni {node}: initdb and bootstrap")
            wait_for(f"{node} to lead", lambda n=node: leader() == n, seconds=120, name=f"patroni-{node}")
    wait_for("a leader", lambda: leader() is not None, seconds=120)
    wait_for("HAProxy to see the primary", lambda: "UP" in server_states("pg_rw").values(), seconds=30)
    if first_time:
        _bootstrap_database()
    wait_for("the replica streaming and synchronous", _replica_synchronous, seconds=180)
    log(f"PostgreSQL: {describe_members()} ({time.monotonic() - started:.0f} s)")

    users = VAR / "pgbouncer-users.txt"
    users.write_text(f'"tisheng" "{PASSWORDS["tisheng"]}"\n')
    users.chmod(0o600)
    _as_postgres(users)
    (VAR / "pgbouncer.ini").write_text(pgbouncer_config())
    _as_postgres(VAR / "pgbouncer.ini")
    log(f"PgBouncer (transaction pooling) on 127.0.0.1:{PORTS['pgbouncer']}")
    spawn("pgbouncer", ["pgbouncer", str(VAR / "pgbouncer.ini")], as_postgres=True)
    wait_for("pgbouncer", lambda: port_open(PORTS["pgbouncer"]), name="pgbouncer")

    log(f"object store (moto's S3-compatible server) on {s3_url()}")
    start_s3()

    env = {**app_env("setup"), "DATABASE_URL": direct_database_url()}
    log("migrate (straight to the primary)")
    subprocess.run([TISHENG, "migrate", "--noinput", "-v", "0"], env={**os.environ, **env}, cwd=ROOT, check=True)
    started = time.monotonic()
    subprocess.run([TISHENG, "seed", "--scale", "demo", "--if-empty"], env={**os.environ, **env}, cwd=ROOT,
                   check=True, stdout=open(VAR / "log" / "seed.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
    log(f"demo data in place ({time.monotonic() - started:.0f} s)")
    if not (VAR / "backrest/backup" / STANZA / "backup.info").exists():
        backup_stanza_create()

    for app in APPS:
        log(f"tisheng serve {app} on 127.0.0.1:{PORTS[app]}")
        start_app(app)
    wait_for("HAProxy to see both app nodes",
             lambda: list(server_states("app").values()) == ["UP"] * len(APPS), seconds=30)
    log(f"up: http://127.0.0.1:{PORTS['web']}/ (HAProxy stats http://127.0.0.1:{PORTS['haproxy_stats']}/)")


def _bootstrap_database() -> None:
    """The app's role and database, created once on the new primary."""
    psql(f"CREATE ROLE tisheng LOGIN PASSWORD '{PASSWORDS['tisheng']}'")
    psql(f"CREATE DATABASE {DB} OWNER tisheng")


def _replica_synchronous() -> bool:
    return any(m.get("role") == "sync_standby" and m.get("state") in ("streaming", "running") for m in members())


def describe_members() -> str:
    return ", ".join(f"{m['name']} {m.get('role')} {m.get('state')}"
                     + (f" lag {m.get('lag')}" if m.get("role") != "leader" else "") for m in members())


def backup_stanza_create() -> None:
    primary = leader() or "pg1"
    backrest("stanza-create", node=primary)
    backrest("check", node=primary)


def backrest(*args: str, node: str | None = None, timeout: float = 1800) -> str:
    """pgBackRest as the postgres user, pointed at `node`'s data directory (the primary's)."""
    argv = ["pgbackrest", f"--config={backrest_conf()}", f"--stanza={STANZA}"]
    if node:
        argv += [f"--pg1-path={VAR / node}", f"--pg1-port={PORTS[node]}", f"--pg1-socket-path={VAR / 'run'}"]
    done = subprocess.run([*argv, *args], capture_output=True, text=True, preexec_fn=_demote(), cwd=VAR,
                          timeout=timeout, env={**os.environ, "HOME": str(VAR)})
    if done.returncode:
        raise RuntimeError(f"pgbackrest {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


def down(*, purge: bool) -> None:
    for app in APPS:
        stop(app)
    stop("s3")
    stop("pgbouncer")
    for node in NODES:
        stop(f"patroni-{node}", grace=30)
        stop_postgres(node)
    stop("haproxy")
    stop("etcd")
    stop("scratch-postgres")
    for name in ("scratch",):
        if (VAR / name / "postmaster.pid").exists():
            stop_postgres(name)
    if purge and VAR.exists():
        shutil.rmtree(VAR)
    log("down" + (" and removed" if purge else f" (data kept in {VAR}; `down --purge` removes it)"))


def status() -> None:
    for name in ("etcd", "haproxy", "pgbouncer", *[f"patroni-{n}" for n in NODES], "s3", *APPS):
        pid = pid_of(name)
        print(f"{name:16} {'running pid ' + str(pid) if pid and running(pid) else 'stopped'}")
    if port_open(PORTS["haproxy_stats"]):
        print("postgres:", describe_members())
        print("haproxy app:", server_states("app"), "pg_rw:", server_states("pg_rw"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up")
    p_up.add_argument("--fresh", action="store_true", help="remove var/cluster first (new initdb and seed)")
    p_down = sub.add_parser("down")
    p_down.add_argument("--purge", action="store_true", help="also remove var/cluster")
    sub.add_parser("status")
    args = parser.parse_args(argv)
    if args.command == "up":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            up(fresh=args.fresh)
        except BaseException:
            log("up failed: stopping what was started")
            down(purge=False)
            raise
    elif args.command == "down":
        down(purge=args.purge)
    else:
        status()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

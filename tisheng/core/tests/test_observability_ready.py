"""/readyz, the load balancer's check: 200 while the database answers, 503 once it does not."""

import socket
import threading
import time

import pytest
from django.db import connection

from tisheng.core import observability_ready


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers: a pooler waiting for a primary
    that is gone, or a host behind a firewall that swallows packets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _unused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.django_db
def test_readyz_answers_200_while_the_database_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["database"] == "ok"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reads_no_session_and_makes_no_query_on_the_request_connection(client, django_assert_num_queries):
    client.cookies["sessionid"] = "an-old-session-the-load-balancer-would-never-send"

    with django_assert_num_queries(0):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_unreachable(client, monkeypatch, silent_server):
    # Given this node's database is unreachable: on PostgreSQL a host that accepts the connection
    # and never answers, on SQLite a file in a folder that is gone.
    if connection.vendor == "postgresql":
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", str(silent_server))
    else:
        monkeypatch.setitem(connection.settings_dict, "NAME", "/nonexistent-tisheng-dir/tisheng.sqlite3")
    monkeypatch.setattr(observability_ready, "_timeout", lambda: 0.5)

    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert response.json()["database"] in ("timeout", "unreachable")
    assert elapsed < 3, "the probe must give up at its deadline, not wait for TCP or the pooler"


@pytest.mark.django_db
def test_readyz_does_not_redirect_to_https_behind_a_tls_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/readyz").status_code == 200


def test_a_postgresql_that_accepts_and_never_answers_times_out_at_the_deadline(silent_server):
    import asyncio

    params = {"host": "127.0.0.1", "port": str(silent_server), "dbname": "tisheng", "user": "postgres"}
    started = time.monotonic()

    state = asyncio.run(observability_ready._probe_postgresql(params, 0.3))

    assert state == observability_ready.TIMEOUT
    assert time.monotonic() - started < 1.5


def test_a_postgresql_port_nobody_listens_on_is_unreachable():
    import asyncio

    params = {"host": "127.0.0.1", "port": str(_unused_port()), "dbname": "tisheng", "user": "postgres"}

    assert asyncio.run(observability_ready._probe_postgresql(params, 1.0)) == observability_ready.UNREACHABLE


def test_a_readonly_replica_is_not_ready(monkeypatch):
    # After a failover the old primary comes back as a replica: a node still pointed at it
    # must leave the rotation rather than fail every write.
    import asyncio

    class FakeCursor:
        async def fetchone(self):
            return (True,)

    class FakeConnection:
        async def execute(self, sql):
            assert "pg_is_in_recovery" in sql
            return FakeCursor()

        async def close(self):
            pass

    async def connect(**kwargs):
        return FakeConnection()

    import psycopg

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", staticmethod(connect))

    assert asyncio.run(observability_ready._probe_postgresql({"host": "replica"}, 1.0)) == "read-only"

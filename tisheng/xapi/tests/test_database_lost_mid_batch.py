"""A statement batch that loses its database connection mid-request (a PostgreSQL failover under
PgBouncer: "server conn crashed?", "query_wait_timeout") is answered 503 with Retry-After, as every
other request that meets the database down is, not 500. Found by `make cluster-test`: the LRS's
batch queries run on a raw psycopg cursor, outside Django's error wrapping, so psycopg's own
error escaped the database-unavailable middleware."""

import psycopg
import pytest
from django.db import connection

from tisheng.core.db_unavailable import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tisheng.xapi import bulk
from tisheng.xapi.tests.conftest import statement

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the raw-cursor batch path is PostgreSQL's (scripts/pg.sh with …)")


class _ServerConnCrashed(psycopg.Cursor):
    def execute(self, *args, **kwargs):
        raise psycopg.errors.ProtocolViolation("server conn crashed?")


def test_a_batch_that_loses_the_database_is_answered_503_with_retry_after(lrs, monkeypatch):
    lrs.client.raise_request_exception = False
    monkeypatch.setattr(bulk.psycopg, "Cursor", _ServerConnCrashed)

    response = lrs.post("statements", [statement(), statement()], HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"error": str(DATABASE_UNAVAILABLE)}

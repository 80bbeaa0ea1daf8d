"""TISHENG_DB_POOLER=pgbouncer: the database settings PgBouncer's transaction mode needs, and the check."""

import pytest
from django.core.checks.registry import registry

from tisheng.core import dbpool

POSTGRES = "django.db.backends.postgresql"


def test_pgbouncer_turns_off_server_side_cursors_and_bounds_the_connect():
    database = dbpool.apply_database_settings({"ENGINE": POSTGRES, "OPTIONS": {}}, pooler="pgbouncer",
                                              connect_timeout=5)

    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 5
    assert dbpool.pooler_problems(database, "pgbouncer") == []


def test_without_a_pooler_server_side_cursors_stay_on():
    database = dbpool.apply_database_settings({"ENGINE": POSTGRES}, pooler="", connect_timeout=5)

    assert "DISABLE_SERVER_SIDE_CURSORS" not in database


def test_sqlite_is_left_alone():
    database = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {"timeout": 20}}

    assert dbpool.apply_database_settings(dict(database), pooler="pgbouncer", connect_timeout=5) == database


def test_an_unknown_pooler_is_refused_at_start():
    with pytest.raises(ValueError, match="pgbouncer"):
        dbpool.apply_database_settings({"ENGINE": POSTGRES}, pooler="pgpool", connect_timeout=5)


def test_the_check_refuses_what_transaction_pooling_breaks():
    database = {"ENGINE": POSTGRES, "OPTIONS": {"prepare_threshold": 5, "assume_role": "tisheng_app"}}

    problems = " ".join(dbpool.pooler_problems(database, "pgbouncer"))

    assert "DISABLE_SERVER_SIDE_CURSORS" in problems
    assert "prepare_threshold" in problems
    assert "assume_role" in problems
    assert dbpool.check_pooler in registry.get_checks()  # `tisheng check`, `migrate` and `serve` run it


def test_the_check_is_quiet_without_a_pooler(settings):
    settings.DB_POOLER = ""

    assert dbpool.check_pooler(None) == []


def test_the_settings_read_the_pooler_from_the_environment():
    import subprocess
    import sys

    from django.conf import settings

    code = "import tisheng.settings as s; d = s.DATABASES['default']; print(d.get('DISABLE_SERVER_SIDE_CURSORS'))"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://app@db.example:6432/tisheng",
           "TISHENG_DB_POOLER": "pgbouncer"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=settings.BASE_DIR.parent)

    assert out.stdout.strip() == "True"

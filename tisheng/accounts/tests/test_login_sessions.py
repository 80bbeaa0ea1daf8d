"""Login sessions are recorded per user (so a password change can end the others) and expired
ones leave the session table and that record when run-periodic purges them."""

import io

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tisheng.accounts.models import LoginSession
from tisheng.accounts.sessions import sessions_purge


def test_each_login_is_recorded_and_logging_out_forgets_it(world, password):
    client = Client()
    client.post(reverse("accounts:login"), {"username": world.teacher.phone, "password": password})
    key = client.session.session_key
    assert LoginSession.objects.get(session_key=key).user == world.teacher.user
    client.post(reverse("accounts:logout"))
    assert not LoginSession.objects.filter(session_key=key).exists()


def test_expired_sessions_and_their_records_are_purged(world, password, monkeypatch):
    stale, fresh = Client(), Client()
    stale.post(reverse("accounts:login"), {"username": world.teacher.phone, "password": password})
    Session.objects.filter(session_key=stale.session.session_key).update(
        expire_date=Session.objects.get(session_key=stale.session.session_key).expire_date.replace(year=2000))
    fresh.post(reverse("accounts:login"), {"username": world.county_officer.phone, "password": password})

    assert sessions_purge() == 1

    assert set(LoginSession.objects.values_list("session_key", flat=True)) == {fresh.session.session_key}
    assert not Session.objects.filter(session_key=stale.session.session_key).exists()
    assert fresh.get("/").status_code == 200


def test_run_periodic_purges_expired_sessions(world, password):
    out = io.StringIO()
    call_command("run_periodic", stdout=out)
    assert "sessions_purged=0" in out.getvalue()

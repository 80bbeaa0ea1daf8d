"""The session engine and the user read of every signed-in request are Django's, written as
fixed SQL (issue 16: compiling the two ORM reads afresh cost a sixth of a reply's CPU). Nothing is
kept between requests: whatever ends a session or an account anywhere (another process, a
password change, an administrator) is refused at the very next request."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.backends import PhoneOrNationalIdBackend
from tisheng.accounts.models import User
from tisheng.accounts.session_store import SessionStore
from tisheng.accounts.sessions import sessions_end


def _signed_in(world, password) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": world.teacher.phone, "password": password})
    assert client.get(reverse("notifications:list")).status_code == 200
    return client


def _refused(client: Client) -> bool:
    response = client.get(reverse("notifications:list"))
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_engine_is_the_database_engine_with_one_read(world, password):
    assert settings.SESSION_ENGINE == "tisheng.accounts.session_store"
    client = _signed_in(world, password)
    key = client.session.session_key
    with CaptureQueriesContext(connection) as ctx:
        data = SessionStore(session_key=key).load()
    assert len(ctx.captured_queries) == 1
    assert data["_auth_user_id"] == str(world.teacher.user.pk)
    assert Session.objects.get(session_key=key).get_decoded() == data


def test_a_session_deleted_elsewhere_is_refused_at_the_next_request(world, password):
    """As another process's logout or `sessions_end` would: the row goes, this client is out."""
    client = _signed_in(world, password)
    Session.objects.filter(session_key=client.session.session_key).delete()
    assert _refused(client)


def test_ending_a_user_s_sessions_signs_out_every_client(world, password):
    first, second = _signed_in(world, password), _signed_in(world, password)
    assert sessions_end(world.teacher.user) == 2
    assert _refused(first)
    assert _refused(second)


def test_an_expired_session_is_not_loaded_and_gets_a_new_key(world, password):
    client = _signed_in(world, password)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    store = SessionStore(session_key=key)
    assert store.load() == {}
    assert store.session_key is None
    assert _refused(client)


def test_a_malformed_or_unknown_cookie_is_anonymous(world, db):
    for key in ("x", "not-a-key!" * 4, "a" * 32):
        store = SessionStore(session_key=key)
        assert store.load() == {}
        assert store.session_key is None
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        assert _refused(client)


def test_a_deactivated_user_is_refused_at_the_next_request(world, password):
    client = _signed_in(world, password)
    User.objects.filter(pk=world.teacher.user.pk).update(is_active=False)
    assert _refused(client)
    assert PhoneOrNationalIdBackend().get_user(world.teacher.user.pk) is None


def test_the_user_read_gives_what_the_orm_gives(world):
    user = world.teacher.user
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    ours = PhoneOrNationalIdBackend().get_user(user.pk)
    theirs = ModelBackend().get_user(user.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert [type(getattr(ours, f)) for f in fields] == [type(getattr(theirs, f)) for f in fields]
    assert ours.must_change_password is True
    assert ours._state.adding is False
    assert ours._state.db == theirs._state.db
    assert PhoneOrNationalIdBackend().get_user(10**9) is None

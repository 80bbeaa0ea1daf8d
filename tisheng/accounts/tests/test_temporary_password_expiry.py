"""A temporary password from a school's reset works for TEMPORARY_PASSWORD_HOURS (72 h by
default), as the reset page says; after that the login refuses it and tells the teacher to ask
the school again."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tisheng.accounts import services_password
from tisheng.accounts.services_password import TEMPORARY_EXPIRED

LOGIN = reverse("accounts:login")


@pytest.fixture
def issued(world, settings, django_capture_on_commit_callbacks):
    settings.TEMPORARY_PASSWORD_HOURS = 72
    principal = Client()
    principal.force_login(world.principal)
    with django_capture_on_commit_callbacks(execute=True):
        response = principal.post(reverse("passwords:teacher_reset", args=[world.teachers_a[2].pk]))
    return response


def _log_in_after(monkeypatch, world, issued, hours: float):
    later = timezone.now() + dt.timedelta(hours=hours)
    monkeypatch.setattr(services_password.timezone, "now", lambda: later)
    return Client().post(LOGIN, {"username": world.teachers_a[2].user.phone,
                                 "password": issued.context["issued"].password})


def test_the_reset_page_says_how_long_the_temporary_password_works(issued):
    assert "72 小时" in issued.text


def test_a_temporary_password_works_within_its_hours(monkeypatch, world, issued):
    response = _log_in_after(monkeypatch, world, issued, 71)

    assert response.status_code == 302  # signed in, on to the change page


def test_an_expired_temporary_password_is_refused_with_a_message_to_ask_the_school_again(monkeypatch, world,
                                                                                          issued):
    response = _log_in_after(monkeypatch, world, issued, 73)

    assert response.status_code == 200
    assert _(TEMPORARY_EXPIRED) % {"hours": 72} in response.text
    assert "_auth_user_id" not in response.client.session

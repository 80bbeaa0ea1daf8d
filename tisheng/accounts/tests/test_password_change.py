"""Everyone changes their own password; a user who must change it cannot go anywhere else first."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tisheng.accounts.forms_password import CURRENT_PASSWORD_WRONG
from tisheng.accounts.models import AuditAction, AuditLog, User
from tisheng.accounts.services_password import SAME_PASSWORD

CHANGE = reverse("passwords:change")
LOGIN = reverse("accounts:login")
NEW = "Neue@Pass2027"


def logged_in(user, password) -> Client:
    client = Client()
    assert client.post(LOGIN, {"username": user.phone, "password": password}).status_code == 302
    return client


def change(client, old, new1, new2=None, **extra):
    return client.post(CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1, **extra},
                       follow=True)


def test_a_teacher_changes_their_password_and_logs_in_with_the_new_one(world, password):
    user = world.teacher.user
    client = logged_in(user, password)

    response = change(client, password, NEW)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Your password is changed." in response.text or "密码已修改" in response.text
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=user, object_id=str(user.pk)).count() == 1
    assert client.get(reverse("home")).status_code == 200  # still signed in here
    assert Client().post(LOGIN, {"username": user.phone, "password": password}).status_code == 200
    assert Client().post(LOGIN, {"username": user.phone, "password": NEW}).status_code == 302


def test_changing_the_password_signs_out_the_other_sessions_and_keeps_this_one(world, password):
    user = world.teacher.user
    phone_session, other_computer, this_one = (logged_in(user, password) for _ in range(3))
    other_user = logged_in(world.county_officer, password)

    response = change(this_one, password, NEW)

    assert "2" in response.text  # "your 2 other sessions were signed out"
    for ended in (phone_session, other_computer):
        assert not Session.objects.filter(session_key=ended.session.session_key).exists()
        assert ended.get(reverse("home")).status_code == 302  # back to the login page
    assert this_one.get(reverse("home")).status_code == 200
    assert other_user.get(reverse("home")).status_code == 200
    entry = AuditLog.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert entry.detail["sessions_ended"] == 2


def test_a_wrong_current_password_is_refused_next_to_its_field_and_nothing_changes(world, password):
    user = world.teacher.user
    client = logged_in(user, password)
    before = User.objects.get(pk=user.pk).password

    response = change(client, "Wrong@2026x", NEW)

    assert str(CURRENT_PASSWORD_WRONG) in response.text
    assert response.context["form"].errors["old_password"]
    assert User.objects.get(pk=user.pk).password == before
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, detail__via="password_change").count() == 1


def test_five_wrong_current_passwords_lock_the_account_like_failed_logins(world, password):
    user = world.teacher.user
    client = logged_in(user, password)
    for _ in range(5):
        change(client, "Wrong@2026x", NEW)
    response = change(client, password, NEW)  # even the right one, while locked
    assert "15" in response.context["form"].errors["old_password"][0]
    assert Client().post(LOGIN, {"username": user.phone, "password": password}).status_code == 200


@pytest.mark.parametrize(("new1", "new2", "field", "code"), [
    ("short1A", "short1A", "new_password1", "password_too_simple"),
    ("alllowercaseletters", "alllowercaseletters", "new_password1", "password_too_simple"),
    (NEW, NEW + "x", "new_password2", "password_mismatch"),
])
def test_a_new_password_that_breaks_a_rule_is_refused_next_to_its_field(world, password, new1, new2, field, code):
    client = logged_in(world.teacher.user, password)
    response = change(client, password, new1, new2)
    assert response.status_code == 200
    assert code in [e.code for e in response.context["form"].errors.as_data()[field]]
    assert not AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


def test_the_new_password_must_differ_from_the_current_one(world, password):
    client = logged_in(world.teacher.user, password)
    response = change(client, password, password)
    assert str(SAME_PASSWORD) in response.text


def test_the_change_page_asks_a_visitor_to_log_in(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- forced change ---------------------------------------------------------------------------------

@pytest.fixture
def must_change(world, password):
    user = world.teacher.user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user


@pytest.mark.parametrize("path", ["/", "/people/teachers/", "/programs/review/mine/", "/accounts/password/teachers/"])
def test_a_user_who_must_change_their_password_is_sent_to_the_change_page_from_any_page(must_change, password, path):
    client = logged_in(must_change, password)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(CHANGE)


def test_the_change_page_says_why_and_returns_to_the_page_asked_for(must_change, password):
    client = logged_in(must_change, password)
    response = client.get("/people/teachers/", follow=True)
    assert response.context["forced"]
    assert response.context["next"] == "/people/teachers/"
    assert 'data-testid="forced"' in response.text

    done = change(client, password, NEW, next="/people/teachers/")

    assert done.redirect_chain[-1][0] == "/people/teachers/"
    assert not User.objects.get(pk=must_change.pk).must_change_password
    assert AuditLog.objects.get(action=AuditAction.PASSWORD_CHANGED).detail["forced"] is True
    assert client.get("/").status_code == 200


def test_logging_out_and_the_machine_interfaces_stay_reachable_while_a_change_is_due(must_change, password):
    client = logged_in(must_change, password)
    assert client.get("/api/v1/openapi.json").status_code != 302
    assert client.get("/jsi18n/").status_code == 200
    assert client.post(reverse("accounts:logout")).url == LOGIN


def test_an_outside_next_address_is_ignored_after_the_change(must_change, password):
    client = logged_in(must_change, password)
    done = change(client, password, NEW, next="https://evil.example/")
    assert done.redirect_chain[-1][0] == reverse("home")

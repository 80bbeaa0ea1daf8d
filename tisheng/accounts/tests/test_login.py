import pytest
from django.urls import reverse

from tisheng.accounts.forms import ACCOUNT_LOCKED, INVALID_LOGIN
from tisheng.accounts.models import AuditAction, AuditLog

LOGIN = reverse("accounts:login")


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_a_teacher_logs_in_with_their_phone(client, world, password):
    response = post_login(client, world.teacher.phone, password)
    assert response.status_code == 302
    assert AuditLog.objects.filter(action=AuditAction.LOGIN, actor=world.teacher.user).exists()


def test_a_teacher_logs_in_with_their_national_id_typed_with_a_lowercase_x_and_spaces(client, world, password):
    teacher = world.teachers_a[2]
    national_id = teacher.national_id
    typed = f" {national_id[:6]} {national_id[6:]} ".lower()
    assert post_login(client, typed, password).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = post_login(client, world.teacher.phone, "Wrong@2026")
    assert response.status_code == 200
    assert str(INVALID_LOGIN) in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(client, world, password):
    from tisheng.accounts.lockout import locked_minutes

    for _ in range(5):
        response = post_login(client, world.teacher.phone, "Wrong@2026")
    assert locked_minutes(world.teacher.user) == 15
    assert (str(ACCOUNT_LOCKED) % {"minutes": 15}) in response.content.decode()
    # Even the right password is refused while locked.
    response = post_login(client, world.teacher.phone, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditAction.LOCKED_OUT).count() == 1


def test_the_lock_expires_after_fifteen_minutes(client, world, password, monkeypatch):
    import time

    for _ in range(5):
        post_login(client, world.teacher.phone, "Wrong@2026")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 15 * 60 + 1)
    assert post_login(client, world.teacher.phone, password).status_code == 302


def test_english_interface_is_available(client, world):
    client.cookies.load({"django_language": "en"})
    assert "Log in" in client.get(LOGIN).content.decode()


def test_the_login_page_is_chinese_by_default(client, db):
    assert "登录" in client.get(LOGIN).content.decode()


def test_idle_sessions_end_after_thirty_minutes(client, world, password, monkeypatch):
    import time

    post_login(client, world.county_officer.phone, password)
    assert client.get(reverse("home")).status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 31 * 60)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert LOGIN in response["Location"]
    assert AuditLog.objects.filter(action=AuditAction.IDLE_LOGOUT).count() == 1


def test_activity_within_thirty_minutes_keeps_the_session(client, world, password, monkeypatch):
    import time

    post_login(client, world.county_officer.phone, password)
    client.get(reverse("home"))
    now = time.time()
    for minutes in (20, 40, 60):
        monkeypatch.setattr(time, "time", lambda m=minutes: now + m * 60)
        assert client.get(reverse("home")).status_code == 200


def test_logout_needs_a_post_and_is_audited(client, world, password):
    post_login(client, world.county_officer.phone, password)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert AuditLog.objects.filter(action=AuditAction.LOGOUT).count() == 1


@pytest.mark.parametrize(
    ("candidate", "ok"),
    [("short1!", False), ("alllowercase", False), ("lowercase123", False), ("Lower123", True),
     ("Lower-case!", True), ("闽教2026@abc", True)],
)
def test_passwords_need_eight_characters_of_three_kinds(candidate, ok):
    from django.core.exceptions import ValidationError

    from tisheng.accounts.passwords import ComplexityValidator

    if ok:
        ComplexityValidator().validate(candidate)
    else:
        with pytest.raises(ValidationError):
            ComplexityValidator().validate(candidate)

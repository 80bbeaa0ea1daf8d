"""A forgotten password (or a new teacher's first one) is set with a one-time code sent by SMS."""

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.lockout import locked_minutes
from tisheng.accounts.models import AuditAction, AuditLog, PasswordResetCode, User
from tisheng.accounts.services_password import (
    CODE_SENT,
    CODE_USED_UP,
    CODE_WRONG,
    NETWORK_LIMIT,
    TOO_MANY_TODAY,
    WAIT_A_MINUTE,
)
from tisheng.notifications.sms import LoggingSmsBackend

FORGOT = reverse("passwords:forgot")
CODE = reverse("passwords:forgot_code")
LOGIN = reverse("accounts:login")
NEW = "Neue@Pass2027"
NOBODY = "13999999999"


@pytest.fixture(autouse=True)
def outbox():
    LoggingSmsBackend.sent.clear()
    yield LoggingSmsBackend.sent
    LoggingSmsBackend.sent.clear()


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for a code; the SMS goes out when the request's transaction commits."""

    def asking(client, phone, ip="10.0.0.1"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(FORGOT, {"phone": phone}, REMOTE_ADDR=ip, follow=True)

    return asking


def confirm(client, phone, code, new=NEW, new2=None):
    return client.post(CODE, {"phone": phone, "code": code, "new_password1": new, "new_password2": new2 or new},
                       follow=True)


def code_sent_to(outbox, phone) -> str:
    texts = [text for to, text in outbox if to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def later(monkeypatch, **delta):
    now = timezone.now() + dt.timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: now)


def test_a_teacher_gets_a_code_by_sms_and_sets_a_new_password_with_it(client, world, outbox, password, ask):
    user = world.teacher.user

    asked = ask(client, user.phone)

    assert asked.redirect_chain[-1][0] == CODE
    assert str(CODE_SENT % {"phone": user.phone, "minutes": 10}) in asked.text
    assert asked.context["form"]["phone"].value() == user.phone  # carried over
    code = code_sent_to(outbox, user.phone)
    done = confirm(client, user.phone, code)
    assert done.redirect_chain[-1][0] == LOGIN
    assert "Log in with it now" in done.text or "新密码登录" in done.text
    assert Client().post(LOGIN, {"username": user.phone, "password": NEW}).status_code == 302
    assert Client().post(LOGIN, {"username": user.phone, "password": password}).status_code == 200
    actions = list(AuditLog.objects.filter(object_id=str(user.pk), action__startswith="password_reset")
                   .order_by("at", "id").values_list("action", flat=True))
    assert actions == [AuditAction.PASSWORD_RESET_REQUESTED, AuditAction.PASSWORD_RESET]


def test_a_teacher_imported_from_the_roster_sets_a_first_password_and_is_not_asked_again(client, world, outbox, ask):
    user = world.teacher.user
    user.password = make_password(None)  # as the roster import makes them: no password yet
    user.must_change_password = True
    user.save()

    ask(client, user.phone)
    confirm(client, user.phone, code_sent_to(outbox, user.phone))

    user.refresh_from_db()
    assert not user.must_change_password
    teacher = Client()
    assert teacher.post(LOGIN, {"username": user.phone, "password": NEW}).status_code == 302
    assert teacher.get("/").status_code == 200  # no detour to the change page
    assert AuditLog.objects.get(action=AuditAction.PASSWORD_RESET).detail["first_password"] is True


def test_the_login_page_shows_the_way_to_a_first_password(client, db):
    page = client.get(LOGIN).text
    assert FORGOT in page
    assert "First login, or forgot your password?" in page or "首次登录或忘记密码" in page


def test_a_phone_that_is_no_account_gets_the_same_answer_and_no_sms(client, world, outbox, ask):
    teacher_answer = ask(Client(), world.teacher.user.phone, ip="10.0.0.2")
    nobody_answer = ask(client, NOBODY, ip="10.0.0.3")

    assert nobody_answer.redirect_chain == teacher_answer.redirect_chain
    assert str(CODE_SENT % {"phone": NOBODY, "minutes": 10}) in nobody_answer.text
    assert [to for to, _text in outbox] == [world.teacher.user.phone]
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED, object_type="login").count() == 1
    # Guessing a code for it is refused in the same words as a wrong code for an account.
    assert str(CODE_WRONG) in confirm(client, NOBODY, "123456").text


def test_a_disabled_account_gets_no_code(client, world, outbox, ask):
    user = world.teacher.user
    user.is_active = False
    user.save()
    ask(client, user.phone)
    assert not outbox


def test_the_code_is_stored_only_as_a_keyed_hash(client, world, outbox, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    code = code_sent_to(outbox, phone)
    row = PasswordResetCode.objects.get()
    assert code not in row.code_hash
    assert phone not in row.phone_key
    assert len(row.code_hash) == 64


def test_a_second_code_within_a_minute_is_refused_and_a_minute_later_it_is_sent(client, world, outbox, monkeypatch, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    again = ask(client, phone)
    assert str(WAIT_A_MINUTE) in again.text
    assert again.context["form"].errors["phone"]
    assert len(outbox) == 1

    later(monkeypatch, seconds=61)
    ask(client, phone)
    assert len(outbox) == 2
    # Only the latest code works.
    first, latest = (re.search(r"\d{6}", text).group(0) for _to, text in outbox)
    if first != latest:
        assert str(CODE_WRONG) in confirm(client, phone, first).text
    assert confirm(client, phone, latest).redirect_chain[-1][0] == LOGIN


def test_five_codes_a_day_per_phone_whether_or_not_it_is_an_account(client, world, outbox, monkeypatch, ask):
    for phone in (world.teacher.user.phone, NOBODY):
        start = timezone.now()
        for minute in range(5):
            monkeypatch.setattr(timezone, "now", lambda m=minute, s=start: s + dt.timedelta(minutes=2 * m))
            assert ask(client, phone).redirect_chain[-1][0] == CODE
        monkeypatch.setattr(timezone, "now", lambda s=start: s + dt.timedelta(minutes=20))
        assert str(TOO_MANY_TODAY) in ask(client, phone).text
    assert len(outbox) == 5


def test_one_network_may_ask_for_a_limited_number_of_codes_an_hour(client, world, outbox, settings, ask):
    settings.PASSWORD_RESET_CODES_PER_NETWORK_HOUR = 3
    for n in range(3):
        assert ask(client, f"1360000000{n}", ip="10.9.9.9").redirect_chain[-1][0] == CODE
    assert str(NETWORK_LIMIT) in ask(client, world.teacher.user.phone, ip="10.9.9.9").text
    assert ask(client, world.teacher.user.phone, ip="10.9.9.10").redirect_chain[-1][0] == CODE


def test_a_code_expires_after_ten_minutes(client, world, outbox, monkeypatch, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    code = code_sent_to(outbox, phone)
    later(monkeypatch, minutes=10, seconds=1)
    assert str(CODE_WRONG) in confirm(client, phone, code).text
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET_FAILED, detail__reason="expired").exists()


def test_after_five_wrong_tries_even_the_right_code_is_refused(client, world, outbox, password, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    code = code_sent_to(outbox, phone)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    answers = [confirm(client, phone, wrong).text for _ in range(5)]
    assert str(CODE_WRONG) in answers[0]
    assert str(CODE_USED_UP) in answers[-1]
    assert str(CODE_USED_UP) in confirm(client, phone, code).text
    assert Client().post(LOGIN, {"username": phone, "password": password}).status_code == 302  # unchanged
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET_FAILED).count() == 6


def test_a_new_password_that_breaks_the_rules_is_refused_and_the_code_still_works(client, world, outbox, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    code = code_sent_to(outbox, phone)
    refused = confirm(client, phone, code, new="short")
    assert refused.context["form"].errors["new_password1"]
    mismatch = confirm(client, phone, code, new=NEW, new2=NEW + "x")
    assert mismatch.context["form"].errors["new_password2"]
    assert confirm(client, phone, code).redirect_chain[-1][0] == LOGIN


def test_a_used_code_cannot_be_used_again(client, world, outbox, ask):
    phone = world.teacher.user.phone
    ask(client, phone)
    code = code_sent_to(outbox, phone)
    confirm(client, phone, code)
    assert str(CODE_WRONG) in confirm(client, phone, code, new="Other@Pass2028").text


def test_a_reset_lifts_the_accounts_login_lock_and_ends_its_sessions(client, world, outbox, password, ask):
    user = world.teacher.user
    elsewhere = Client()
    elsewhere.post(LOGIN, {"username": user.phone, "password": password})
    for _ in range(5):
        Client().post(LOGIN, {"username": user.phone, "password": "Wrong@2026x"})
    assert locked_minutes(user) == 15

    ask(client, user.phone)
    confirm(client, user.phone, code_sent_to(outbox, user.phone))

    assert locked_minutes(user) == 0
    assert Client().post(LOGIN, {"username": user.phone, "password": NEW}).status_code == 302
    assert elsewhere.get("/").status_code == 302


@pytest.mark.parametrize("typed", ["139 0000 0000", "+86 13900000000", "１３９００００００００"])
def test_the_phone_may_be_typed_with_spaces_a_country_code_or_full_width_digits(client, world, outbox, typed, ask):
    user = world.teacher.user
    user.phone = "13900000000"
    user.save()
    ask(client, typed)
    assert code_sent_to(outbox, "13900000000")


@pytest.mark.parametrize("typed", ["", "12345", "1390000000x", "23900000000"])
def test_a_phone_that_cannot_be_a_mobile_number_is_refused_next_to_the_field(client, db, outbox, typed, ask):
    response = ask(client, typed)
    assert response.status_code == 200
    assert not response.redirect_chain
    assert response.context["form"].errors["phone"]
    assert not PasswordResetCode.objects.exists()


def test_requests_older_than_a_day_are_deleted(client, world, outbox, monkeypatch, ask):
    ask(client, world.teacher.user.phone)
    later(monkeypatch, days=1, minutes=1)
    ask(client, NOBODY)
    assert PasswordResetCode.objects.count() == 1
    assert User.objects.filter(pk=world.teacher.user.pk).exists()

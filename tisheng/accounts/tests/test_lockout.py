"""One password check for every door (issue 12, items 1 and 11a): the login page, Django's
authenticate() and the national-ID login share the lockout and its audit rows; an unknown
login name is answered exactly like an account; one network is throttled after many failures."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from tisheng.accounts.lockout import (
    ACCOUNT_INACTIVE,
    ACCOUNT_LOCKED,
    INVALID_LOGIN,
    NETWORK_THROTTLED,
    LoginRefused,
    password_login,
)
from tisheng.accounts.models import AuditAction, AuditLog, LoginThrottle
from tisheng.core.clientip import client_ip

LOGIN = reverse("accounts:login")
WRONG = "Wrong@2026"
UNKNOWN_PHONE = "13999999999"


def post_login(client, username, password, ip="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def answer(response) -> tuple[int, list[str]]:
    return response.status_code, list(response.context["form"].non_field_errors())


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Counts the hasher's runs (real checks and dummy ones alike)."""
    runs: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        runs.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return runs


def test_an_unknown_account_gets_the_same_answer_as_an_account_with_a_wrong_password(client, world, hashes):
    known = post_login(client, world.teacher.phone, WRONG)
    assert len(hashes) == 1
    unknown = post_login(client, UNKNOWN_PHONE, WRONG)
    assert len(hashes) == 2  # the hasher ran on a dummy: the same work, so the same time
    assert answer(known) == answer(unknown) == (200, [str(INVALID_LOGIN)])


def test_an_unknown_account_is_locked_after_five_failures_exactly_like_an_account(client, world, password):
    known = [answer(post_login(client, world.teacher.phone, WRONG)) for _ in range(7)]
    unknown = [answer(post_login(client, UNKNOWN_PHONE, WRONG)) for _ in range(7)]
    assert known == unknown
    assert known[3] == (200, [str(INVALID_LOGIN)])
    assert known[4] == known[6] == (200, [str(ACCOUNT_LOCKED) % {"minutes": 15}])
    # The lock message says nothing the attacker did not already know: a right password meets it too.
    assert answer(post_login(client, world.teacher.phone, password)) == known[6]


def test_a_disabled_account_says_so_only_to_someone_with_its_password(client, world, password):
    world.teacher.user.is_active = False
    world.teacher.user.save()
    assert answer(post_login(client, world.teacher.phone, WRONG)) == (200, [str(INVALID_LOGIN)])
    assert answer(post_login(client, world.teacher.phone, password)) == (200, [str(ACCOUNT_INACTIVE)])


def test_wrong_passwords_through_authenticate_lock_the_account_like_the_login_page(client, world, password):
    for _ in range(5):
        assert authenticate(None, username=world.teacher.phone, password=WRONG) is None
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor=world.teacher.user).count() == 5
    assert AuditLog.objects.filter(action=AuditAction.LOCKED_OUT, actor=world.teacher.user).count() == 1
    assert authenticate(None, username=world.teacher.phone, password=password) is None
    assert answer(post_login(client, world.teacher.phone, password)) == (200, [str(ACCOUNT_LOCKED) % {"minutes": 15}])


def test_failures_by_national_id_and_by_phone_count_for_the_same_account(client, world, password):
    national_id = world.teacher.national_id
    for login in (national_id, world.teacher.phone, national_id.lower(), world.teacher.phone, national_id):
        post_login(client, login, WRONG)
    assert answer(post_login(client, world.teacher.phone, password))[1] == [str(ACCOUNT_LOCKED) % {"minutes": 15}]


def test_a_success_clears_the_accounts_failures(client, world, password):
    for _ in range(4):
        post_login(client, world.teacher.phone, WRONG)
    assert post_login(client, world.teacher.phone, password).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        post_login(client, world.teacher.phone, WRONG)
    assert post_login(client, world.teacher.phone, password).status_code == 302


def test_every_attempt_is_audited_with_its_address(client, world, password):
    post_login(client, world.teacher.phone, WRONG, ip="10.1.2.3")
    post_login(client, UNKNOWN_PHONE, WRONG, ip="10.1.2.3")
    post_login(client, world.teacher.phone, password, ip="10.1.2.3")
    rows = list(AuditLog.objects.order_by("id").values_list("action", "ip", "actor_id"))
    assert rows == [(AuditAction.LOGIN_FAILED, "10.1.2.3", world.teacher.user.pk),
                    (AuditAction.LOGIN_FAILED, "10.1.2.3", None),
                    (AuditAction.LOGIN, "10.1.2.3", world.teacher.user.pk)]
    unknown = AuditLog.objects.get(actor=None)
    assert UNKNOWN_PHONE not in str(unknown.detail)  # the typed name is masked, not stored


def test_one_network_is_throttled_after_its_limit_of_failures(client, world, password, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 6
    for n in range(6):
        post_login(client, f"1390000000{n}", WRONG, ip="203.0.113.7")
    throttled = post_login(client, world.teacher.phone, password, ip="203.0.113.7")
    assert answer(throttled) == (200, [str(NETWORK_THROTTLED) % {"minutes": 15}])
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_THROTTLED, ip="203.0.113.7").count() == 1
    assert AuditLog.objects.filter(action=AuditAction.LOCKED_OUT, object_type="network").count() == 1
    # Another network is not affected, and the account itself is not locked.
    assert post_login(client, world.teacher.phone, password, ip="198.51.100.1").status_code == 302


def test_successful_logins_do_not_count_towards_the_network_limit(client, world, password, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    post_login(client, UNKNOWN_PHONE, WRONG)
    for _ in range(10):
        assert post_login(client, world.teacher.phone, password).status_code == 302
        client.post(reverse("accounts:logout"))
    post_login(client, UNKNOWN_PHONE, WRONG)
    assert post_login(client, world.teacher.phone, password).status_code == 302


def test_the_default_network_limit_lets_a_schools_nat_log_in(settings):
    assert settings.LOGIN_MAX_FAILURES_PER_IP >= 50


def test_an_ipv6_client_is_throttled_by_its_64_network(world, password, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    for host in ("2001:db8:1:2::a", "2001:db8:1:2::b"):
        with pytest.raises(LoginRefused):
            password_login(login=UNKNOWN_PHONE, password=WRONG, ip=host)
    with pytest.raises(LoginRefused) as refused:
        password_login(login=world.teacher.phone, password=password, ip="2001:db8:1:2:ffff::1")
    assert refused.value.code == "network_locked"


def test_the_counts_live_in_the_database_so_every_worker_sees_them(world):
    for _ in range(2):
        with pytest.raises(LoginRefused):
            password_login(login=world.teacher.phone, password=WRONG, ip="192.0.2.1")
    rows = dict(LoginThrottle.objects.values_list("key", "failures"))
    assert rows == {f"account:{world.teacher.user.pk}": 2, "ip:192.0.2.1": 2}


def test_the_client_address_is_read_behind_a_trusted_proxy_only(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.2"


def test_a_login_name_with_a_nul_or_of_any_length_is_just_a_wrong_login(world):
    for login in ("138\x00", "1" * 5000):
        with pytest.raises(LoginRefused) as refused:
            password_login(login=login, password=WRONG, ip=None)
        assert refused.value.code == "invalid_login"

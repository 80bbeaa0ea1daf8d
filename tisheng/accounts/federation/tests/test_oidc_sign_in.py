"""Signing in through the province identity platform with OpenID Connect, against a real
provider (see conftest)."""

import pytest
from django.test import Client
from django.urls import reverse

from tisheng.accounts.federation import views
from tisheng.accounts.federation.models import IdentityLink
from tisheng.accounts.federation.tests.conftest import sign_in_through_platform, tamper_id_token
from tisheng.accounts.lockout import INVALID_LOGIN
from tisheng.accounts.models import AuditLog, RoleAssignment, User
from tisheng.integration.selectors import platform_id
from tisheng.people.tests.factories import UserFactory


def _signed_in_as(client: Client):
    return client.get("/").wsgi_request.user


def test_the_login_page_offers_the_platform_only_when_it_is_configured(world, platform, client, settings):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "通过省教育资源公共服务平台登录" in page
    settings.FEDERATION_OIDC = {**settings.FEDERATION_OIDC, "DISCOVERY_URL": ""}
    assert "通过省教育资源公共服务平台登录" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get("/accounts/federation/oidc/login/").status_code == 404


def test_a_teacher_signs_in_through_the_platform_with_pkce_and_is_linked_by_their_teacher_id(
        world, platform, transport):
    rp = Client()
    response = sign_in_through_platform(rp, world.teacher.user)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = rp.get("/")
    assert home.wsgi_request.user == world.teacher.user
    assert "已通过省教育资源公共服务平台登录" in home.content.decode()
    link = IdentityLink.objects.get(user=world.teacher.user)
    assert (link.protocol, link.subject, link.linked_via) == ("oidc", platform_id(world.teacher), "attribute")
    assert link.issuer == "http://testserver/o"
    actions = list(AuditLog.objects.filter(actor=world.teacher.user).values_list("action", flat=True))
    assert "federation.link" in actions
    assert "login" in actions
    # the authorization request carried PKCE and a nonce, and the id_token was checked against the JWKS
    assert "/o/.well-known/jwks.json" in transport.calls
    assert "/o/token/" in transport.calls

    again = Client()
    sign_in_through_platform(again, world.teacher.user)
    assert _signed_in_as(again) == world.teacher.user
    assert IdentityLink.objects.count() == 1


def test_the_authorization_request_sends_a_pkce_challenge_state_and_nonce(world, platform):
    location = Client().get("/accounts/federation/oidc/login/")["Location"]
    for part in ("code_challenge=", "code_challenge_method=S256", "state=", "nonce=", "scope=openid"):
        assert part in location


def test_an_id_token_changed_on_the_way_signs_nobody_in(world, platform, transport):
    transport.tamper = tamper_id_token
    rp = Client()
    response = sign_in_through_platform(rp, world.teacher.user)
    assert response.status_code == 400
    assert str(views.SIGN_IN_FAILED) in response.content.decode() or "未能核验" in response.content.decode()
    assert not _signed_in_as(rp).is_authenticated
    assert not IdentityLink.objects.exists()
    assert AuditLog.objects.filter(action="federation.failed").exists()


def test_a_callback_replayed_with_a_used_state_signs_nobody_in(world, platform):
    rp = Client()
    start = rp.get("/accounts/federation/oidc/login/")
    at_platform = Client()
    at_platform.force_login(world.teacher.user)
    back = at_platform.get(start["Location"].removeprefix("http://testserver"))["Location"]
    assert rp.get(back.removeprefix("http://testserver")).status_code == 302
    thief = Client()
    assert thief.get(back.removeprefix("http://testserver")).status_code == 400
    assert not _signed_in_as(thief).is_authenticated


def test_an_unmatched_subject_gets_the_link_page_and_never_a_new_account(world, platform, settings):
    settings.FEDERATION_OIDC = {**settings.FEDERATION_OIDC, "LINK_BY": "national_id", "LINK_CLAIM": "id_card"}
    users = User.objects.count()
    rp = Client()
    response = sign_in_through_platform(rp, world.teacher.user)
    assert response["Location"] == reverse("federation:link")
    page = rp.get(reverse("federation:link")).content.decode()
    assert "不会新建账号" in page
    assert User.objects.count() == users
    assert not _signed_in_as(rp).is_authenticated
    assert AuditLog.objects.filter(action="federation.unmatched").exists()


def test_linking_by_password_counts_failures_like_the_login_page_and_then_links(world, platform, settings, password):
    settings.FEDERATION_OIDC = {**settings.FEDERATION_OIDC, "LINK_BY": "none"}
    rp = Client()
    sign_in_through_platform(rp, world.teacher.user)
    wrong = rp.post(reverse("federation:link"), {"username": world.teacher.user.phone, "password": "nope"})
    assert wrong.status_code == 400 and str(INVALID_LOGIN)[:4] in wrong.content.decode() or "账号或密码" in \
        wrong.content.decode()
    failed = AuditLog.objects.get(action="login_failed", actor=world.teacher.user)
    assert failed.detail["via"] == "federation_link_oidc"
    assert failed.detail["failures"] == 1

    ok = rp.post(reverse("federation:link"), {"username": world.teacher.user.phone, "password": password},
                 follow=True)
    assert ok.wsgi_request.user == world.teacher.user
    assert "下次平台将直接为您登录" in ok.content.decode()
    link = IdentityLink.objects.get(user=world.teacher.user)
    assert link.linked_via == "password"

    # next time the platform signs them in directly
    again = Client()
    assert sign_in_through_platform(again, world.teacher.user)["Location"] == "/"


def test_linking_refuses_an_account_that_is_not_a_teacher(world, platform, settings, password):
    settings.FEDERATION_OIDC = {**settings.FEDERATION_OIDC, "LINK_BY": "none"}
    rp = Client()
    sign_in_through_platform(rp, world.teacher.user)
    response = rp.post(reverse("federation:link"), {"username": world.county_officer.phone, "password": password})
    assert response.status_code == 400
    assert "密码登录" in response.content.decode()
    assert not IdentityLink.objects.exists()


def test_an_account_disabled_in_tisheng_is_not_signed_in_by_the_platform(world, platform):
    rp = Client()
    start = rp.get("/accounts/federation/oidc/login/")
    at_platform = Client()
    at_platform.force_login(world.teacher.user)
    back = at_platform.get(start["Location"].removeprefix("http://testserver"))["Location"]
    User.objects.filter(pk=world.teacher.user.pk).update(is_active=False)
    response = rp.get(back.removeprefix("http://testserver"))
    assert response.status_code == 403
    assert "已停用" in response.content.decode()
    assert not _signed_in_as(rp).is_authenticated


@pytest.fixture
def security_admins(world):
    a = UserFactory(name="省安全管理员", phone="13700000021")
    RoleAssignment.objects.create(user=a, role="security_admin", region=world.province)
    b = UserFactory(name="思明区安全管理员", phone="13700000022")
    RoleAssignment.objects.create(user=b, role="security_admin", region=world.county_b)
    return a, b


def test_a_security_admin_removes_a_link_and_others_get_404(world, platform, security_admins, client):
    sign_in_through_platform(Client(), world.teacher.user)
    link = IdentityLink.objects.get()
    admin, admin_b = security_admins
    for outsider in (world.outsider, admin_b, world.teacher.user):
        c = Client()
        c.force_login(outsider)
        assert c.post(reverse("federation:link_remove", args=[link.pk])).status_code == 404
    c = Client()
    c.force_login(world.outsider)
    assert c.get(reverse("federation:links")).status_code == 404
    c.force_login(admin_b)
    assert world.teacher.name not in c.get(reverse("federation:links")).content.decode()

    client.force_login(admin)
    assert world.teacher.name in client.get(reverse("federation:links")).content.decode()
    response = client.post(reverse("federation:link_remove", args=[link.pk]), follow=True)
    assert "已解除" in response.content.decode()
    assert not IdentityLink.objects.exists()
    assert AuditLog.objects.filter(action="federation.unlink", actor=admin).exists()

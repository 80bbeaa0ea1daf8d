"""Signing in through the province identity platform's CAS server (CAS 3.0 with attributes, and
CAS 2.0 without), against the CAS server of conftest."""

from django.test import Client
from django.urls import reverse

from tisheng.accounts.federation.models import IdentityLink
from tisheng.accounts.models import AuditLog


def _through_cas(cas, rp: Client, platform_user: str):
    start = rp.get(reverse("federation:cas_start"))
    assert start.status_code == 302
    assert start["Location"].startswith("http://cas.test/cas/login?service=")
    back = cas.login(start["Location"], platform_user)
    return rp.get(back.removeprefix("http://testserver")), back


def test_cas3_links_a_teacher_by_the_national_id_attribute_without_storing_it(world, cas, client):
    assert "通过省教育资源公共服务平台登录" in client.get(reverse("accounts:login")).content.decode()
    national_id = world.teacher.national_id
    cas.people["fj-10001"] = {"id_card": national_id, "name": world.teacher.name}
    rp = Client()
    response, _back = _through_cas(cas, rp, "fj-10001")
    assert response.status_code == 302
    home = rp.get("/")
    assert home.wsgi_request.user == world.teacher.user
    assert "已通过省教育资源公共服务平台登录" in home.content.decode()
    link = IdentityLink.objects.get()
    assert (link.protocol, link.subject, link.issuer) == ("cas", "fj-10001", "http://cas.test/cas/")
    for row in AuditLog.objects.all():
        assert national_id not in str(row.detail)


def test_a_cas_ticket_is_good_once(world, cas):
    cas.people["fj-10001"] = {"id_card": world.teacher.national_id}
    rp = Client()
    _response, back = _through_cas(cas, rp, "fj-10001")
    thief = Client()
    replay = thief.get(back.removeprefix("http://testserver"))
    assert replay.status_code == 400
    assert "未能核验" in replay.content.decode()
    assert not thief.get("/").wsgi_request.user.is_authenticated


def test_cas2_without_attributes_asks_for_the_password_and_logout_ends_the_cas_session(world, cas, settings,
                                                                                       password):
    settings.FEDERATION_CAS = {**settings.FEDERATION_CAS, "VERSION": "2"}
    cas.people["fj-10001"] = {"id_card": world.teacher.national_id}  # CAS 2.0 sends no attributes
    rp = Client()
    response, _back = _through_cas(cas, rp, "fj-10001")
    assert response["Location"] == reverse("federation:link")
    linked = rp.post(reverse("federation:link"), {"username": world.teacher.user.phone, "password": password})
    assert linked.status_code == 302
    assert IdentityLink.objects.get().linked_via == "password"

    out = rp.post(reverse("accounts:logout"))
    assert out["Location"].startswith("http://cas.test/cas/logout?")
    assert not rp.get("/").wsgi_request.user.is_authenticated


def test_the_cas_servers_single_logout_ends_the_tisheng_session(world, cas):
    cas.people["fj-10001"] = {"id_card": world.teacher.national_id}
    rp = Client()
    _response, back = _through_cas(cas, rp, "fj-10001")
    assert rp.get("/").wsgi_request.user == world.teacher.user
    ticket = back.split("ticket=", 1)[1]
    logout_request = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-12-06T10:00:00Z">'
        f'<saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>')
    cas_server = Client(enforce_csrf_checks=True)
    assert cas_server.post(reverse("federation:cas_callback"), {"logoutRequest": logout_request}).status_code == 200
    assert not rp.get("/").wsgi_request.user.is_authenticated
    assert Client().post(reverse("federation:cas_callback"), {"logoutRequest": "<x"}).status_code == 400

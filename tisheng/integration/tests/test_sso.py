"""A small OpenID Connect relying party (the institution's platform) against tisheng's provider:
authorization code with PKCE through the real endpoints, the id_token's signature checked
against the published JWKS with jwcrypto, then /o/userinfo/."""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from jwcrypto import jwk, jwt

from tisheng.integration import services
from tisheng.integration.selectors import platform_id

REDIRECT = "https://lms.inst-a.example.com/oidc/callback"
LOGIN = "https://lms.inst-a.example.com/oidc/login"


class RelyingParty:
    """What an institution's platform does, with the test client as its browser and back end."""

    def __init__(self, http, client_id: str, client_secret: str) -> None:
        self.http, self.client_id, self.client_secret = http, client_id, client_secret
        self.discovery = http.get("/o/.well-known/openid-configuration").json()

    def _path(self, url: str) -> str:
        return urlsplit(url).path

    def start(self) -> str:
        """The authorization request (state, nonce, PKCE S256); returns its URL."""
        self.state, self.nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        query = urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
                           "scope": "openid profile", "state": self.state, "nonce": self.nonce,
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        return f"{self._path(self.discovery['authorization_endpoint'])}?{query}"

    def callback(self, location: str) -> dict:
        """Back at the redirect URI: check state, redeem the code, verify the id_token."""
        assert location.startswith(REDIRECT)
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert params["state"] == self.state
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        response = self.http.post(self._path(self.discovery["token_endpoint"]), {
            "grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT,
            "code_verifier": self.verifier}, HTTP_AUTHORIZATION=f"Basic {basic}")
        assert response.status_code == 200, response.content
        tokens = response.json()
        keys = jwk.JWKSet.from_json(self.http.get(self._path(self.discovery["jwks_uri"])).content)
        token = jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"],
                        check_claims={"iss": self.discovery["issuer"], "aud": self.client_id, "exp": None})
        claims = json.loads(token.claims)
        assert claims["nonce"] == self.nonce
        self.id_token, self.kid = tokens["id_token"], token.token.jose_header.get("kid")
        self.access_token = tokens["access_token"]
        return claims

    def userinfo(self) -> dict:
        return self.http.get(self._path(self.discovery["userinfo_endpoint"]),
                             HTTP_AUTHORIZATION=f"Bearer {self.access_token}").json()


@pytest.fixture
def sso_app(world, lrs):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS SSO",
                                               sso=True, redirect_uri=REDIRECT, login_url=LOGIN)
    return link, secret


def test_a_signed_in_teacher_is_signed_in_at_the_institution_with_platform_id_name_and_school(
        world, lrs, sso_app, client):
    link, secret = sso_app
    client.force_login(world.teacher.user)
    rp = RelyingParty(client, link.application.client_id, secret)
    response = client.get(rp.start())
    assert response.status_code == 302  # registered by the province: no consent screen
    claims = rp.callback(response["Location"])
    assert claims["sub"] == platform_id(world.teacher)
    assert claims["name"] == world.teacher.name
    assert claims["school"] == {"code": world.school_a.code, "name": world.school_a.name}
    assert [e["program"] for e in claims["enrollments"]] == [lrs.program.code]
    info = rp.userinfo()
    assert info["sub"] == platform_id(world.teacher)
    assert info["school"]["code"] == world.school_a.code


def test_the_id_token_does_not_verify_with_another_key(world, lrs, sso_app, client):
    from jwcrypto.common import JWException

    link, secret = sso_app
    client.force_login(world.teacher.user)
    rp = RelyingParty(client, link.application.client_id, secret)
    rp.callback(client.get(rp.start())["Location"])
    others = jwk.JWKSet()
    others.add(jwk.JWK.generate(kty="RSA", size=2048, kid=rp.kid))
    with pytest.raises(JWException):
        jwt.JWT(jwt=rp.id_token, key=others, algs=["RS256"])


def test_the_flow_needs_pkce(world, lrs, sso_app, client):
    link, _secret = sso_app
    client.force_login(world.teacher.user)
    query = urlencode({"response_type": "code", "client_id": link.application.client_id, "redirect_uri": REDIRECT,
                       "scope": "openid profile", "state": "s"})
    response = client.get(f"/o/authorize/?{query}")
    assert "code=" not in response.get("Location", "")


def test_an_anonymous_visitor_is_sent_to_sign_in_first(world, lrs, sso_app, client):
    link, secret = sso_app
    rp = RelyingParty(client, link.application.client_id, secret)
    response = client.get(rp.start())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_teacher_the_institution_does_not_serve_is_not_signed_in_there(world, lrs, sso_app, client):
    from tisheng.integration.oidc import SSO_NOT_SERVED

    link, secret = sso_app
    client.force_login(world.teacher_b.user)  # county B: institution A is not contracted there
    rp = RelyingParty(client, link.application.client_id, secret)
    response = client.get(rp.start())
    assert response.status_code == 403
    assert str(SSO_NOT_SERVED) in response.content.decode()
    assert "code=" not in response.get("Location", "")


def test_an_office_account_is_not_signed_in_at_an_institution(world, lrs, sso_app, client):
    link, secret = sso_app
    client.force_login(world.county_officer)
    rp = RelyingParty(client, link.application.client_id, secret)
    assert client.get(rp.start()).status_code == 403


def test_the_teachers_link_opens_the_platforms_login_url_with_the_issuer(world, lrs, sso_app, client):
    link, _secret = sso_app
    client.force_login(world.teacher.user)
    page = client.get(reverse("integration:platforms"))
    assert lrs.inst_a.name in page.content.decode()
    response = client.get(reverse("integration:platform_go", args=[link.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?iss=")


def test_a_teacher_outside_the_institutions_regions_has_no_link_to_it(world, lrs, sso_app, client):
    link, _secret = sso_app
    client.force_login(world.teacher_b.user)
    assert lrs.inst_a.name not in client.get(reverse("integration:platforms")).content.decode()
    assert client.get(reverse("integration:platform_go", args=[link.pk])).status_code == 404


def test_a_teacher_who_must_change_the_password_is_sent_to_the_change_page_before_single_sign_on(
        world, lrs, sso_app, client):
    link, secret = sso_app
    user = world.teacher.user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    rp = RelyingParty(client, link.application.client_id, secret)
    start = rp.start()

    response = client.get(start)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("passwords:change") + "?next=")
    assert "code=" not in response["Location"]  # the platform learns nothing yet
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [start]  # and comes back here after


def test_a_platform_registered_at_a_reserved_example_address_is_shown_as_demo_data_not_linked(
        world, lrs, client):
    link, _secret = services.application_create(
        actor=world.province_officer, institution=lrs.inst_a, name="演示平台", sso=True,
        redirect_uri="https://lms.fjnu.example/oidc/callback", login_url="https://lms.fjnu.example/oidc/login")
    client.force_login(world.teacher.user)

    page = client.get(reverse("integration:platforms")).content.decode()
    response = client.get(reverse("integration:platform_go", args=[link.pk]), follow=True)

    assert 'data-testid="platform-placeholder"' in page
    assert reverse("integration:platform_go", args=[link.pk]) not in page
    assert response.redirect_chain == [(reverse("integration:platforms"), 302)]
    assert "演示数据" in response.content.decode()

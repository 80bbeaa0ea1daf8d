"""The OAuth2 provider accepts only what tisheng uses (issue 12, item 1): no management pages of
django-oauth-toolkit, no password or implicit grant even for an application that has one set,
a password sent to the token endpoint is a failed login like one on the login page, and a token
of an application without an institution is a 401, not a 500."""

import base64
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from oauth2_provider.models import AccessToken, Application, RefreshToken

from tisheng.accounts.forms import ACCOUNT_LOCKED
from tisheng.accounts.models import AuditAction, AuditLog
from tisheng.integration import services
from tisheng.integration.tests.test_sso import REDIRECT, RelyingParty

WRONG = "Wrong@2026"


def _basic(client_id: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture
def legacy_password_app(world, lrs):
    """An application registered before the fix with the password grant (stored without the
    model's guard, as an old row would be)."""
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="Old")
    Application.objects.filter(pk=link.application_id).update(authorization_grant_type=Application.GRANT_PASSWORD)
    return link.application.client_id, secret


def _password_grant(client, app, username: str, password: str, **extra):
    client_id, secret = app
    return client.post("/o/token/", {"grant_type": "password", "username": username, "password": password},
                       **_basic(client_id, secret), **extra)


TOOLKIT_PAGES = ["/o/applications/", "/o/applications/register/", "/o/applications/1/", "/o/applications/1/update/",
                 "/o/applications/1/delete/", "/o/authorized_tokens/", "/o/introspect/", "/o/device-authorization/"]


@pytest.mark.parametrize("who", ["teacher", "outsider", "county_officer", "province_officer"])
def test_nobody_reaches_the_toolkits_own_application_pages(world, client, who):
    client.force_login(world.teacher.user if who == "teacher" else getattr(world, who))
    for path in TOOLKIT_PAGES:
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"name": "mine", "client_type": "confidential",
                                  "authorization_grant_type": "password"}).status_code == 404, path
    assert not Application.objects.exists()


def test_the_province_office_still_manages_applications_on_the_integration_page(world, lrs, client):
    client.force_login(world.province_officer)
    response = client.post(reverse("integration:credentials"), {"institution": lrs.inst_a.pk, "kind": "oauth",
                                                                 "name": "平台"})
    assert response.status_code == 200
    assert Application.objects.get().authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS


def test_the_password_grant_is_refused_with_the_right_password_and_writes_no_token(
        world, legacy_password_app, client, password):
    response = _password_grant(client, legacy_password_app, world.teacher.user.phone, password)
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()


def test_the_password_grant_is_refused_for_a_client_credentials_application_too(world, lrs, client, password):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    response = _password_grant(client, (link.application.client_id, secret), world.teacher.user.phone, password)
    assert response.status_code in (400, 401)
    assert not AccessToken.objects.exists()


def test_the_right_and_a_wrong_password_get_the_same_answer_from_the_token_endpoint(
        world, legacy_password_app, client, password):
    right = _password_grant(client, legacy_password_app, world.teacher.user.phone, password)
    wrong = _password_grant(client, legacy_password_app, world.teacher.user.phone, WRONG)
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())


def test_five_passwords_through_the_token_endpoint_lock_the_account_exactly_like_the_login_page(
        world, legacy_password_app, client, password):
    for _ in range(5):
        _password_grant(client, legacy_password_app, world.teacher.user.phone, WRONG)
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor=world.teacher.user).count() == 5
    assert AuditLog.objects.filter(action=AuditAction.LOCKED_OUT, actor=world.teacher.user).count() == 1
    # The sixth try, on the login page with the right password, meets the lock.
    page = client.post(reverse("accounts:login"), {"username": world.teacher.user.phone, "password": password})
    assert page.status_code == 200
    assert str(ACCOUNT_LOCKED) % {"minutes": 15} in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_locked_on_the_login_page_gets_no_token(world, legacy_password_app, client, password):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": world.teacher.user.phone, "password": WRONG})
    response = _password_grant(client, legacy_password_app, world.teacher.user.phone, password)
    assert response.status_code in (400, 401)
    assert not AccessToken.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_THROTTLED, actor=world.teacher.user).exists()


def test_the_implicit_grant_is_refused_for_an_application_that_has_it(world, lrs, client):
    link, _secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="SSO",
                                                sso=True, redirect_uri=REDIRECT)
    Application.objects.filter(pk=link.application_id).update(authorization_grant_type=Application.GRANT_IMPLICIT)
    client.force_login(world.teacher.user)
    for response_type in ("token", "id_token", "id_token token"):
        response = client.get("/o/authorize/", {"response_type": response_type, "client_id": link.application.client_id,
                                                "redirect_uri": REDIRECT, "scope": "openid profile", "nonce": "n",
                                                "state": "s"})
        assert "access_token=" not in response.get("Location", "")
        assert "id_token=" not in response.get("Location", "")
    assert not AccessToken.objects.exists()


def test_no_application_can_be_saved_with_the_password_or_implicit_grant(db):
    for grant in (Application.GRANT_PASSWORD, Application.GRANT_IMPLICIT, Application.GRANT_OPENID_HYBRID):
        with pytest.raises(ValidationError):
            Application.objects.create(name="x", client_type=Application.CLIENT_CONFIDENTIAL,
                                       authorization_grant_type=grant, redirect_uris="https://x.example.com/cb")
    assert not Application.objects.exists()


def test_discovery_advertises_only_the_code_flow(world, client):
    discovery = client.get("/o/.well-known/openid-configuration").json()
    assert discovery["response_types_supported"] == ["code"]
    assert discovery.get("code_challenge_methods_supported", ["S256"]) == ["S256"]


def test_single_sign_on_still_works_end_to_end(world, lrs, client):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="SSO",
                                               sso=True, redirect_uri=REDIRECT)
    client.force_login(world.teacher.user)
    rp = RelyingParty(client, link.application.client_id, secret)
    response = client.get(rp.start())
    assert response.status_code == 302
    assert rp.callback(response["Location"])["name"] == world.teacher.name
    # Tokens are kept hashed at rest (RFC 9700): the database has no usable token.
    assert AccessToken.objects.get().token == ""


# A token of an application without an institution ----------------------------------------------


@pytest.fixture
def unlinked_token(db, client):
    """A client-credentials application that no institution owns (made outside tisheng's pages)."""
    from oauth2_provider.generators import generate_client_secret

    secret = generate_client_secret()
    app = Application.objects.create(name="stray", client_type=Application.CLIENT_CONFIDENTIAL,
                                     authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                                     client_secret=secret)
    response = client.post("/o/token/", {"grant_type": "client_credentials"}, **_basic(app.client_id, secret))
    assert response.status_code == 200
    return response.json()["access_token"]


def test_a_token_of_an_application_without_an_institution_gets_401_from_the_lrs(unlinked_token, client):
    response = client.post("/xapi/statements", json.dumps([]), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {unlinked_token}", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401


def test_a_token_of_an_application_without_an_institution_gets_401_from_the_integration_api(
        unlinked_token, client):
    response = client.get("/api/v1/integration/roster", HTTP_AUTHORIZATION=f"Bearer {unlinked_token}")
    assert response.status_code == 401

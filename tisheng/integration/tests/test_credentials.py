import base64

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.integration import services
from tisheng.integration.auth import xapi_authenticate
from tisheng.integration.models import ApiCredential


def _basic(key: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def _auth(rf, **headers):
    return xapi_authenticate(rf.get("/xapi/statements", **headers))


def test_an_issued_key_and_secret_authenticate_as_the_institution(world, lrs, rf):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    client = _auth(rf, **_basic(credential.key, secret))
    assert client.institution_id == lrs.inst_a.pk
    assert client.authority["account"]["name"] == credential.key
    assert client.rate_limit == 600


def test_only_a_hash_of_the_secret_is_stored(world, lrs):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    assert secret not in ApiCredential.objects.get(pk=credential.pk).secret_hash


def test_a_wrong_secret_does_not_authenticate(world, lrs, rf):
    credential, _secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    assert _auth(rf, **_basic(credential.key, "guess")) is None


def test_rotating_issues_a_new_secret_and_the_old_one_stops_working(world, lrs, rf):
    credential, old = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    new = services.credential_rotate(actor=world.province_officer, credential=credential)
    assert _auth(rf, **_basic(credential.key, old)) is None
    assert _auth(rf, **_basic(credential.key, new)).institution_id == lrs.inst_a.pk


def test_a_revoked_credential_does_not_authenticate(world, lrs, rf):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    services.credential_revoke(actor=world.province_officer, credential=credential)
    assert _auth(rf, **_basic(credential.key, secret)) is None


def test_issuing_rotating_and_revoking_are_audited(world, lrs):
    credential, _s = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    services.credential_rotate(actor=world.province_officer, credential=credential)
    services.credential_revoke(actor=world.province_officer, credential=credential)
    actions = list(AuditLog.objects.filter(action__startswith="integration.").order_by("id").values_list("action", flat=True))
    assert actions == ["integration.credential_issue", "integration.credential_rotate",
                       "integration.credential_revoke"]


def test_a_county_office_cannot_issue_credentials(world, lrs):
    with pytest.raises(PermissionDenied):
        services.credential_issue(actor=world.county_officer, institution=lrs.inst_a, name="LMS")


def test_a_credential_carries_its_own_rate_limit(world, lrs, rf):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS",
                                                   rate_limit="50")
    assert _auth(rf, **_basic(credential.key, secret)).rate_limit == 50


# Bearer tokens (django-oauth-toolkit, client credentials at /o/token/) ----------------------


def _token(client, client_id: str, secret: str):
    return client.post("/o/token/", {"grant_type": "client_credentials", "scope": "xapi"},
                       **_basic(client_id, secret))


def test_a_client_credentials_token_authenticates_as_the_institution(world, lrs, client, rf):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    response = _token(client, link.application.client_id, secret)
    assert response.status_code == 200
    token = response.json()["access_token"]
    who = _auth(rf, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert who.institution_id == lrs.inst_a.pk
    assert who.credential_key == link.application.client_id


def test_an_unknown_or_expired_bearer_token_does_not_authenticate(world, lrs, client, rf):
    from oauth2_provider.models import AccessToken

    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    token = _token(client, link.application.client_id, secret).json()["access_token"]
    AccessToken.objects.update(expires="2020-01-01T00:00:00Z")
    assert _auth(rf, HTTP_AUTHORIZATION=f"Bearer {token}") is None
    assert _auth(rf, HTTP_AUTHORIZATION="Bearer nonsense") is None


def test_a_revoked_application_loses_its_tokens_and_gets_no_new_ones(world, lrs, client, rf):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    token = _token(client, link.application.client_id, secret).json()["access_token"]
    services.application_revoke(actor=world.province_officer, link=link)
    assert _auth(rf, HTTP_AUTHORIZATION=f"Bearer {token}") is None
    assert _token(client, link.application.client_id, secret).status_code == 401


def test_a_single_sign_on_token_does_not_authenticate_to_the_lrs(world, lrs, rf):
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    link, _secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="SSO",
                                                sso=True, redirect_uri="https://lms.example.com/cb")
    AccessToken.objects.create(user=world.teacher.user, application=link.application, token="teacher-token",
                               expires=timezone.now() + dt.timedelta(hours=1), scope="openid profile")
    assert _auth(rf, HTTP_AUTHORIZATION="Bearer teacher-token") is None


# The page ----------------------------------------------------------------------------------


def test_the_province_office_issues_a_credential_and_sees_the_secret_once(world, lrs, client):
    client.force_login(world.province_officer)
    response = client.post(reverse("integration:credentials"), {"institution": lrs.inst_a.pk, "kind": "basic",
                                                                 "name": "正式平台"})
    assert response.status_code == 200
    secret = response.context["issued"]["secret"]
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(reverse("integration:credentials")).content.decode()


def test_the_credentials_page_lists_every_institution_for_the_province(world, lrs, client,
                                                                         django_assert_max_num_queries):
    services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    client.force_login(world.province_officer)
    response = client.get(reverse("integration:credentials"))
    assert "INST-A" in response.content.decode()
    assert "INST-B" in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "county_officer", "principal"])
def test_the_credentials_page_is_for_the_province_only(world, lrs, client, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("integration:credentials")).status_code == 403
    assert client.get(reverse("integration:operations")).status_code == 403


def test_an_institution_user_cannot_see_the_credentials_page(world, lrs, client):
    client.force_login(lrs.inst_b_user)
    assert client.get(reverse("integration:credentials")).status_code == 403


def test_rotating_on_the_page_shows_the_new_secret(world, lrs, client):
    credential, _old = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    client.force_login(world.province_officer)
    response = client.post(reverse("integration:credential_action", args=[credential.pk, "rotate"]))
    assert response.status_code == 200
    assert response.context["secret"] in response.content.decode()


def test_an_unknown_credential_is_404(world, lrs, client):
    client.force_login(world.province_officer)
    assert client.post(reverse("integration:credential_action", args=[999999, "revoke"])).status_code == 404


def test_the_credentials_page_shows_when_a_credential_last_made_a_request(world, lrs, client, rf):
    from tisheng.integration.auth import xapi_throttle

    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    xapi_throttle(_auth(rf, **_basic(credential.key, secret)))
    client.force_login(world.province_officer)
    response = client.get(reverse("integration:credentials"))
    row = next(r for r in response.context["rows"] if r["institution"] == lrs.inst_a)
    assert row["credentials"][0].last_request is not None


def test_a_sign_on_redirect_uri_must_be_https_outside_development(world, lrs, settings):
    from django.core.exceptions import ValidationError

    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}
    with pytest.raises(ValidationError) as refused:
        services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="SSO", sso=True,
                                    redirect_uri="http://lms.example.com/cb")
    assert refused.value.messages == [str(services.REDIRECT_URI_INVALID)]

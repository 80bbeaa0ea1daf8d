"""The whole path, through X's LRS over HTTP: an institution's platform POSTs statements with its
Basic credential or a bearer token; completions credit hours, voiding reverses, the outcomes
API explains what credited nothing, and the rate limit answers 429 with Retry-After."""

import base64
import json
import uuid
from decimal import Decimal

from tisheng.integration import services
from tisheng.integration.models import ApiCredential, Reason
from tisheng.integration.tests.conftest import statement
from tisheng.ledger.models import LedgerEntry

HEADERS = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _post(client, auth: str, body):
    return client.post("/xapi/statements", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=auth, **HEADERS)


def _balance(teacher) -> Decimal:
    return sum((e.hours for e in LedgerEntry.objects.filter(teacher=teacher)), Decimal(0))


def test_a_platform_reports_a_batch_and_the_completion_becomes_hours(world, lrs, client):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    auth = _basic(credential.key, secret)
    good = statement(world.teacher, lrs.course.activity_id)
    stranger = statement(world.teacher_b, lrs.course.activity_id)
    other = statement(world.teacher, lrs.course.activity_id, verb="http://adlnet.gov/expapi/verbs/experienced")
    for s in (good, stranger, other):
        s.pop("stored")
    response = _post(client, auth, [good, stranger, other])
    assert response.status_code == 200, response.content
    assert _balance(world.teacher) == Decimal("12")
    outcomes = client.get("/api/v1/integration/outcomes", HTTP_AUTHORIZATION=auth).json()["items"]
    assert [(o["statement_id"], o["reason"]) for o in outcomes] == [(stranger["id"], Reason.NOT_ENROLLED)]


def test_voiding_through_the_lrs_reverses_the_credit(world, lrs, client):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    auth = _basic(credential.key, secret)
    good = statement(world.teacher, lrs.course.activity_id)
    good.pop("stored")
    assert _post(client, auth, [good]).status_code == 200
    void = {"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", "mbox": "mailto:admin@inst-a.example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": good["id"]}}
    assert _post(client, auth, [void]).status_code == 200
    assert _balance(world.teacher) == 0


def test_a_bearer_token_reports_to_the_lrs(world, lrs, client):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    token = client.post("/o/token/", {"grant_type": "client_credentials"},
                        HTTP_AUTHORIZATION=_basic(link.application.client_id, secret)).json()["access_token"]
    good = statement(world.teacher, lrs.course.activity_id)
    good.pop("stored")
    assert _post(client, f"Bearer {token}", [good]).status_code == 200
    assert _balance(world.teacher) == Decimal("12")


def test_the_lrs_answers_429_with_retry_after_over_the_credentials_limit(world, lrs, client):
    credential, secret = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="LMS",
                                                   rate_limit=1)
    auth = _basic(credential.key, secret)
    assert client.get("/xapi/statements", HTTP_AUTHORIZATION=auth, **HEADERS).status_code == 200
    response = client.get("/xapi/statements", HTTP_AUTHORIZATION=auth, **HEADERS)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert ApiCredential.objects.get(pk=credential.pk).rate_limit == 1

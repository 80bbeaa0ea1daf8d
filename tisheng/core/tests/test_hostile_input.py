"""Malformed input is the caller's error (a 4xx with a readable message), never a 500.

One table: each hostile input sent to each endpoint family that reads it (the LRS's statements,
state and agents resources, the /api/v1 lists, the HTML pages). The NUL rows are what matter on
PostgreSQL, which refuses NUL in any text value; run this file on both databases.
"""

import json
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError
from ninja.params.models import BodyModel

from tisheng.api import BAD_JSON as API_BAD_JSON
from tisheng.api import api
from tisheng.core import input_guard, jsonsafe
from tisheng.orgs.models import Region
from tisheng.xapi.tests.conftest import VERSION, make_lrs, statement

DEEP = "[" * 100_000 + "]" * 100_000
ACTIVITY = "http://example.com/activities/course-1"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:lin@example.com"})
STATE = f"activityId={quote(ACTIVITY)}&agent={quote(AGENT)}&stateId=bookmark"


def _statement_with(**overrides) -> str:
    return json.dumps(statement(**overrides), ensure_ascii=True)


# (id, family, method, path with query, body, content type, expected status)
CASES = [
    # JSON nested deeper than any parser should walk.
    ("deep-statement", "xapi", "post", "/xapi/statements", DEEP, "application/json", 400),
    ("deep-state-merge", "xapi", "post", f"/xapi/activities/state?{STATE}", DEEP, "application/json", 400),
    ("deep-agent-param", "xapi", "get", f"/xapi/agents?agent={quote(DEEP)}", "", "", 400),
    ("deep-state-agent-param", "xapi", "get",
     f"/xapi/activities/state?activityId={quote(ACTIVITY)}&agent={quote(DEEP)}", "", "", 400),
    # A lone surrogate cannot be stored as UTF-8 anywhere.
    ("surrogate-statement", "xapi", "post", "/xapi/statements",
     _statement_with(actor={"objectType": "Agent", "name": "\ud800", "mbox": "mailto:lin@example.com"}),
     "application/json", 400),
    # NaN and Infinity are not JSON: stored, they would be served back as invalid JSON.
    ("infinity-statement", "xapi", "post", "/xapi/statements",
     _statement_with(result={"score": {"raw": 1}}).replace('"raw": 1', '"raw": Infinity'), "application/json", 400),
    ("nan-statement", "xapi", "post", "/xapi/statements",
     _statement_with(result={"score": {"raw": 1}}).replace('"raw": 1', '"raw": NaN'), "application/json", 400),
    # NUL: PostgreSQL refuses it in text, wherever it came from.
    ("nul-statement", "xapi", "post", "/xapi/statements",
     _statement_with(actor={"objectType": "Agent", "name": "lin\u0000", "mbox": "mailto:lin@example.com"}),
     "application/json", 400),
    ("nul-agent-param", "xapi", "get",
     "/xapi/agents?agent=" + quote(json.dumps({"name": "\u0000", "mbox": "mailto:lin@example.com"})), "", "", 400),
    ("nul-query", "xapi", "get", f"/xapi/activities/state?{STATE}%00", "", "", 400),
    ("nul-content-type", "xapi", "put", f"/xapi/activities/state?{STATE}", "x", "text/plain\u0000", 400),
    ("nul-part-header", "xapi", "post", "/xapi/statements",
     "--b\r\nContent-Type: application/json\r\n\r\n"
     + _statement_with(attachments=[{"usageType": "http://example.com/u", "display": {"en-US": "a"},
                                     "contentType": "text/plain", "length": 1, "sha2": "a" * 64}])
     + "\r\n--b\r\nContent-Type: text/plain\u0000\r\nContent-Transfer-Encoding: binary\r\n"
       "X-Experience-API-Hash: " + "a" * 64 + "\r\n\r\nx\r\n--b--\r\n",
     'multipart/mixed; boundary="b"', 400),
    ("nul-alternate-form", "xapi", "post", "/xapi/activities/state?method=GET",
     f"{STATE}%00&X-Experience-API-Version={VERSION}", "application/x-www-form-urlencoded", 400),
    ("nul-path", "api", "get", "/api/v1/regions/35%00", "", "", 400),
    ("nul-query", "api", "get", "/api/v1/schools?q=%00", "", "", 400),
    ("nul-path", "page", "get", "/verify/CERT%00", "", "", 400),
    ("nul-query", "page", "get", "/verify/?number=%00", "", "", 400),
    ("nul-form", "page", "post", "/accounts/login/", "username=%00&password=x",
     "application/x-www-form-urlencoded", 400),
    ("nul-cookie", "page", "get", "/", "", "", 400),
    # Page numbers no list can reach, or that are not numbers: the API's malformed-parameter answer.
    ("page-beyond-64-bits", "api", "get", "/api/v1/regions?page=18446744073709551617", "", "", 422),
    ("page-beyond-64-bits", "api", "get", "/api/v1/schools?page=18446744073709551617", "", "", 422),
    ("page-beyond-64-bits", "api", "get", "/api/v1/teachers?page=18446744073709551617", "", "", 422),
    ("page-negative", "api", "get", "/api/v1/regions?page=-1", "", "", 422),
    ("page-not-a-number", "api", "get", "/api/v1/regions?page=abc", "", "", 422),
    ("page-size-huge", "api", "get", "/api/v1/regions?page_size=1000000000", "", "", 422),
    # Ids no row can have: not found, like any other id that does not exist.
    ("id-beyond-64-bits", "api", "get", "/api/v1/teachers/18446744073709551617", "", "", 404),
    ("id-beyond-64-bits", "api", "get", "/api/v1/programs/18446744073709551617", "", "", 404),
    ("id-beyond-64-bits", "api", "get", "/api/v1/programs/18446744073709551617/enrollments", "", "", 404),
    ("id-beyond-64-bits", "api", "get", "/api/v1/practice/schools/18446744073709551617/plan", "", "", 404),
    # A statement limit that is a digit to str.isdigit but not to int().
    ("limit-superscript", "xapi", "get", "/xapi/statements?limit=%C2%B2", "", "", 400),
    ("limit-5000-digits", "xapi", "get", "/xapi/statements?limit=" + "9" * 5000, "", "", 200),
]


@pytest.fixture
def callers(world):
    lrs = make_lrs(world, "XAPI-H", "闽江网络研修院")
    api = Client()
    api.force_login(world.province_officer)
    return {"xapi": lrs, "api": api, "page": Client()}


def _send(callers, family: str, method: str, path: str, body: str, content_type: str):
    extra = {}
    if family == "xapi":
        extra = {"HTTP_AUTHORIZATION": callers["xapi"].auth, "HTTP_X_EXPERIENCE_API_VERSION": VERSION}
        client = callers["xapi"].client
    else:
        client = callers[family]
    if method == "get":
        if path == "/" and family == "page":
            # A quoted cookie value's octal escape is unquoted to a NUL: a session key PostgreSQL refuses.
            extra["HTTP_COOKIE"] = 'sessionid="\\000abcdefghijk"'
        return client.generic("GET", path, **extra)
    return client.generic(method.upper(), path, body.encode("utf-8", "surrogatepass"),
                          content_type=content_type, **extra)


@pytest.mark.parametrize(("case", "family", "method", "path", "body", "content_type", "status"), CASES,
                         ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_hostile_input_is_answered_with_a_client_error_and_a_message(callers, case, family, method, path, body,
                                                                      content_type, status):
    response = _send(callers, family, method, path, body, content_type)

    assert response.status_code == status, response.content[:300]
    if family == "xapi":
        assert response["X-Experience-API-Version"] == "1.0.3"
        assert response.json()["error"] if status >= 400 else response.json()["statements"] == []
    elif family == "api":
        assert response.json()["detail"]
    else:
        with translation.override("zh-hans"):
            assert str(input_guard.UNSTORABLE_TEXT) in response.content.decode()


def test_a_nul_anywhere_in_a_page_request_is_refused_with_the_message_in_chinese(client, db):
    response = client.get("/verify/?number=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(input_guard.UNSTORABLE_TEXT) in response.content.decode()


def test_a_nul_in_the_api_is_refused_in_the_api_s_own_error_shape(client, world):
    client.force_login(world.province_officer)
    response = client.get("/api/v1/schools?q=%00", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"detail": str(input_guard.UNSTORABLE_TEXT)}


def test_ordinary_text_with_chinese_and_emoji_passes_the_guard(client, world):
    client.force_login(world.province_officer)
    response = client.get("/api/v1/schools", {"q": "鼓楼 🎓"})

    assert response.status_code == 200


@pytest.mark.parametrize(("body", "reason"), [
    (DEEP, jsonsafe.TOO_DEEP.format(depth=jsonsafe.MAX_DEPTH)),
    ('{"hours": NaN}', jsonsafe.NOT_FINITE),
    ('{"hours": 18446744073709551617}', jsonsafe.INT_RANGE),
    ('{"name": "\\u0000"}', jsonsafe.BAD_TEXT),
])
def test_a_json_body_the_api_cannot_accept_is_a_400_that_says_why(rf, body, reason):
    """/api/v1 has no write endpoint yet; this is the path ninja takes for one (BodyModel)."""
    request = rf.post("/api/v1/anything", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    with pytest.raises(HttpError) as raised:
        BodyModel.get_request_data(request, api, {})

    with translation.override("en"):
        response = api.on_exception(request, raised.value)
        expected = str(API_BAD_JSON) % {"why": input_guard.json_reason(jsonsafe.JSONInputError(reason))}
    assert response.status_code == 400
    assert json.loads(response.content) == {"detail": expected}


def _region_named(request):
    """A view that puts a form field straight into a query, as several views of the platform do."""
    return HttpResponse(str(Region.objects.filter(name=request.POST.get("name", "")).count()))


urlpatterns = [path("lookup", csrf_exempt(_region_named))]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_a_nul_in_a_form_field_never_reaches_a_query(client, db, multipart):
    if multipart:
        response = client.post("/lookup", {"name": "鼓楼区\u0000"})
    else:
        response = client.post("/lookup", "name=%E9%BC%93%00", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(input_guard.UNSTORABLE_TEXT) in response.content.decode()

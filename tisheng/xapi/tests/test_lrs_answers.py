"""Every answer under /xapi/ is the LRS's (JSON, the version header, CORS), errors included; the
credentials are checked before a body is read; Accept-Language never fails a request."""

import base64
import io
import json

import pytest
from django.test import Client
from django.utils import translation

from tisheng.core import input_guard, jsonsafe
from tisheng.xapi import http, middleware, views
from tisheng.xapi.tests.conftest import VERSION, message, statement


def assert_lrs_answer(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_an_unexpected_exception_in_a_resource_is_a_json_500_with_the_version_header(lrs, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views.selectors, "statement_list", broken)
    client = Client(raise_request_exception=False)

    response = client.get("/xapi/statements", **lrs.headers())

    body = assert_lrs_answer(response, 500)
    assert body == {"error": message(middleware.SERVER_ERROR)}
    assert "database on fire" not in response.content.decode()


def test_an_unknown_path_under_xapi_is_a_json_404_that_names_the_resources(lrs):
    response = lrs.client.get("/xapi/statement", **lrs.headers())

    assert assert_lrs_answer(response, 404) == {"error": message(middleware.NO_SUCH_RESOURCE)}


def test_a_method_the_resource_does_not_have_is_a_json_405(lrs):
    response = lrs.client.patch("/xapi/statements", "{}", content_type="application/json", **lrs.headers())

    assert assert_lrs_answer(response, 405)["error"] == message(http.METHOD_NOT_ALLOWED, method="PATCH")


def test_a_body_above_the_limit_is_a_json_413(lrs, settings):
    settings.XAPI_MAX_BODY_BYTES = 1000

    response = lrs.post("statements", [statement() for _ in range(10)])

    assert assert_lrs_answer(response, 413)["error"] == message(http.TOO_LARGE, limit=1000)


def test_a_request_django_refuses_before_any_view_is_a_json_400(lrs, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{i}=1" for i in range(20))

    response = Client(raise_request_exception=False).get(f"/xapi/statements?{query}", **lrs.headers())

    assert assert_lrs_answer(response, 400)["error"]


def test_a_nul_in_the_query_string_is_refused_in_the_lrs_s_shape(lrs):
    response = lrs.client.get("/xapi/activities?activityId=http://example.com/a%00", **lrs.headers())

    assert assert_lrs_answer(response, 400) == {"error": message(input_guard.UNSTORABLE_TEXT)}


# Authentication before the body ---------------------------------------------------------------

class Unreadable(io.RawIOBase):
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the body was read before the credentials were checked")

    readline = readinto = read


@pytest.mark.parametrize("authorization", [None, "Basic bm9ib2R5Om5vdGhpbmc="])
def test_a_64_mb_post_without_valid_credentials_is_answered_401_without_reading_the_body(db, authorization):
    extra = {"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(64 * 1024 * 1024),
             "HTTP_X_EXPERIENCE_API_VERSION": VERSION}
    if authorization:
        extra["HTTP_AUTHORIZATION"] = authorization

    response = Client().generic("POST", "/xapi/statements", b"[]", content_type="application/json", **extra)

    assert assert_lrs_answer(response, 401) == {"error": message(http.NOT_AUTHENTICATED)}
    assert response["WWW-Authenticate"] == 'Basic realm="xAPI"'


def test_the_alternate_syntax_with_credentials_in_the_form_is_held_to_the_form_limit(lrs, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = "content=" + "x" * 2000

    response = lrs.client.post("/xapi/statements?method=POST", form,
                               content_type="application/x-www-form-urlencoded")

    assert assert_lrs_answer(response, 413)["error"] == message(http.TOO_LARGE, limit=1000)


def test_an_alternate_syntax_form_that_is_not_utf_8_is_a_400(lrs):
    response = lrs.client.generic("POST", "/xapi/statements?method=GET", b"limit=1&x=\xff\xfe",
                                  content_type="application/x-www-form-urlencoded", **lrs.headers())

    assert assert_lrs_answer(response, 400)["error"] == message(http.BAD_FORM_ENCODING)


# Accept-Language -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["en;q=abc", "en;q=1e999", "en;q=-1", "en;q=.", "en;q=1.2.3", "en;q=0.5.5",
                                    "en;" + "q=1" * 1000])
def test_a_malformed_accept_language_counts_as_none_in_canonical_format(lrs, header):
    lrs.post("statements", statement())

    response = lrs.get("statements", {"format": "canonical"}, **{"Accept-Language": header})

    assert response.status_code == 200, response.content[:300]
    # No usable preference: the product's own language first.
    assert response.json()["statements"][0]["object"]["definition"]["name"] == {"zh-CN": "课程一"}


def test_a_well_formed_accept_language_picks_the_language_in_canonical_format(lrs):
    lrs.post("statements", statement())

    response = lrs.get("statements", {"format": "canonical"}, **{"Accept-Language": "fr;q=0.9, en;q=0.95"})

    assert response.json()["statements"][0]["object"]["definition"]["name"] == {"en-US": "Course 1"}


# The shared JSON reader ------------------------------------------------------------------------

def test_a_multipart_statement_part_goes_through_the_same_json_reader(lrs):
    body = ("--b\r\nContent-Type: application/json\r\n\r\n"
            + json.dumps(statement()).replace('"name"', '"n": NaN, "name"', 1) + "\r\n--b--\r\n")

    response = lrs.post("statements", body, content_type='multipart/mixed; boundary="b"')

    with translation.override("zh-hans"):
        expected = str(http.BAD_JSON) % {"why": input_guard.JSON_REASONS[jsonsafe.NOT_FINITE]}
    assert assert_lrs_answer(response, 400) == {"error": expected}


def test_a_basic_credential_whose_key_holds_a_nul_is_a_401(db):
    auth = "Basic " + base64.b64encode(b"key\x00:secret").decode()

    response = Client().get("/xapi/statements", HTTP_AUTHORIZATION=auth, HTTP_X_EXPERIENCE_API_VERSION=VERSION)

    assert assert_lrs_answer(response, 401) == {"error": message(http.NOT_AUTHENTICATED)}


def test_the_database_unavailable_503_is_an_lrs_answer_with_retry_after(client, monkeypatch):
    from django.db import OperationalError

    from tisheng.core.db_unavailable import DATABASE_UNAVAILABLE

    def database_down(*args, **kwargs):
        raise OperationalError("the database system is starting up")

    client.raise_request_exception = False
    monkeypatch.setattr("tisheng.xapi.http.xapi_authenticate", database_down)  # the credential's query
    response = client.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
                          HTTP_AUTHORIZATION="Basic a2V5OnNlY3JldA==")
    assert response.status_code == 503
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response["Access-Control-Allow-Origin"]
    assert response["Retry-After"]
    assert response.json() == {"error": str(DATABASE_UNAVAILABLE)}


def test_the_lrs_root_without_its_slash_is_an_lrs_answer(client):
    response = client.get("/xapi")
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response["Content-Type"].startswith("application/json") or response.status_code in (301, 302)

"""Two institutions with Basic credentials, and a client that speaks to the LRS over HTTP."""

import base64
import json
import uuid

import pytest
from django.test import Client

from tisheng.integration.auth import secret_hash
from tisheng.integration.models import ApiCredential
from tisheng.orgs.tests.factories import OrganizationFactory

VERSION = "1.0.3"


class Lrs:
    """The Django test client with an institution's credentials and the version header."""

    def __init__(self, institution, key: str, secret: str) -> None:
        self.institution = institution
        self.client = Client()
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.auth_pair = (key, secret)

    def headers(self, extra: dict | None = None, version: str | None = VERSION) -> dict:
        h = {"HTTP_AUTHORIZATION": self.auth}
        if version is not None:
            h["HTTP_X_EXPERIENCE_API_VERSION"] = version
        for k, v in (extra or {}).items():
            h["HTTP_" + k.upper().replace("-", "_") if k.lower() != "content-type" else "CONTENT_TYPE"] = v
        return h

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get("/xapi/" + path, params or {}, **self.headers(headers))

    def post(self, path: str, body, params: str = "", content_type: str = "application/json", **headers):
        data = json.dumps(body) if not isinstance(body, bytes | str) else body
        return self.client.post("/xapi/" + path + params, data, content_type=content_type, **self.headers(headers))

    def put(self, path: str, body, params: str = "", content_type: str = "application/json", **headers):
        data = json.dumps(body) if not isinstance(body, bytes | str) else body
        return self.client.put("/xapi/" + path + params, data, content_type=content_type, **self.headers(headers))

    def delete(self, path: str, params: str = "", **headers):
        return self.client.delete("/xapi/" + path + params, **self.headers(headers))


def make_lrs(world, code: str, name: str) -> Lrs:
    institution = OrganizationFactory(code=code, name=name, kind="institution", region=world.province)
    secret = "s3cret-" + code
    credential = ApiCredential.objects.create(institution=institution, name="lms", secret_hash=secret_hash(secret),
                                              rate_limit=0)
    return Lrs(institution, credential.key, secret)


@pytest.fixture
def lrs(world) -> Lrs:
    return make_lrs(world, "XAPI-A", "闽江网络研修院")


@pytest.fixture
def lrs_b(world) -> Lrs:
    return make_lrs(world, "XAPI-B", "厦门远程研修院")


def statement(**overrides) -> dict:
    s = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "林晓燕", "mbox": "mailto:lin@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "http://example.com/activities/course-1",
                   "definition": {"name": {"en-US": "Course 1", "zh-CN": "课程一"}}},
    }
    s.update(overrides)
    return s


def message(constant, **params) -> str:
    """An error message as the LRS says it (the product speaks Chinese first)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(constant) % params if params else str(constant)

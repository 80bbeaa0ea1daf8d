"""The whole statements resource against arbitrary JSON in any position: POST answers 200 or
400 (409 for a reused id), never a 5xx, and whatever it stored can be read back in every format
(Data 2.2.s4.b1; Communication 2.1.3). The statements go through storage, the index keys, the
activity definitions and the crediting hooks (a `completed` by an account on the platform).

Fewer examples than test_validation_fuzz.py: each one is an HTTP request and a transaction."""

from __future__ import annotations

import copy
import uuid

from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tisheng.xapi.tests.test_validation_fuzz import BASES, PATHS, _set, json_values

COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"zh-CN": "完成"}}
HTTP_FUZZ = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@HTTP_FUZZ
@given(where=st.sampled_from(PATHS), value=json_values, crediting=st.booleans())
def test_any_json_in_any_position_is_stored_or_refused_never_a_server_error(lrs, where, value, crediting):
    base, path = where
    statement = copy.deepcopy(BASES[base])
    statement["id"] = str(uuid.uuid4())
    if crediting and path[0] not in ("verb", "actor"):
        statement["verb"] = COMPLETED
        statement["actor"] = {"objectType": "Agent",
                              "account": {"homePage": django_settings.SITE_URL, "name": "350102198001011234"}}
    _set(statement, path, value)
    response = lrs.post("statements", statement)
    assert response.status_code in (200, 400, 409), response.content
    if response.status_code == 200:
        for fmt in ("exact", "ids", "canonical"):
            got = lrs.get("statements", {"statementId": statement["id"], "format": fmt})
            assert got.status_code == 200, (fmt, got.content)

import pytest

from tisheng.integration import auth
from tisheng.integration.auth import XapiClient, xapi_throttle


def _client(key: str = "k1", limit: int = 3) -> XapiClient:
    return XapiClient(institution_id=1, name="机构", credential_key=key, rate_limit=limit)


@pytest.fixture
def frozen_clock(monkeypatch):
    now = {"t": 1_800_000_000.0}  # a whole minute: 30_000_000 * 60
    monkeypatch.setattr(auth.time, "time", lambda: now["t"])
    return now


@pytest.mark.django_db
def test_requests_within_the_limit_are_let_through(frozen_clock):
    assert [xapi_throttle(_client()) for _ in range(3)] == [None, None, None]


@pytest.mark.django_db
def test_the_request_over_the_limit_gets_the_seconds_to_the_next_minute(frozen_clock):
    for _ in range(3):
        xapi_throttle(_client())
    frozen_clock["t"] += 20.5
    assert xapi_throttle(_client()) == 40


@pytest.mark.django_db
def test_the_count_starts_again_in_the_next_minute(frozen_clock):
    for _ in range(4):
        xapi_throttle(_client())
    frozen_clock["t"] += 60
    assert xapi_throttle(_client()) is None


@pytest.mark.django_db
def test_each_credential_has_its_own_count(frozen_clock):
    for _ in range(4):
        xapi_throttle(_client("k1"))
    assert xapi_throttle(_client("k2")) is None


@pytest.mark.django_db
def test_a_credential_without_a_limit_is_never_throttled(frozen_clock):
    assert all(xapi_throttle(_client(limit=0)) is None for _ in range(10))


@pytest.mark.django_db
def test_throttling_costs_one_query(frozen_clock, django_assert_num_queries):
    with django_assert_num_queries(1):
        xapi_throttle(_client())

"""The day a reported completion counts on for the crediting stops (learning.crediting): the day
of its xAPI timestamp, within the late-reporting window after an exit's effective date; and the
stops asked per day, once per day whatever the number of places."""

import datetime as dt

import pytest

from tisheng.learning import crediting
from tisheng.learning.crediting import counting_day, credit_stops_on

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
EFFECTIVE = dt.date(2027, 3, 1)


def _utc(text: str) -> dt.datetime:
    """A timestamp as the standard's examples write them ("2013-05-18T05:32:34.804Z")."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _refused(made_at, stored_at) -> bool:
    """Whether an exit effective 1 March 2027 refuses the completion."""
    return counting_day(made_at, stored_at) >= EFFECTIVE


@pytest.mark.parametrize(("stored", "refused"), [
    ("2027-03-01T02:00:00.000Z", False),  # the nightly batch, the morning of the effective date
    ("2027-03-08T15:59:59.999Z", False),  # the last moment of the 7th day after it (Asia/Shanghai)
    ("2027-03-08T16:00:00.000Z", True),   # 9 March in Shanghai: too late
])
def test_a_completion_made_the_evening_before_counts_that_evening_within_the_window(stored, refused):
    made = _utc("2027-02-28T13:30:00.000Z")  # 21:30 in Shanghai on 28 February
    assert _refused(made, _utc(stored)) is refused


def test_the_day_is_shanghais_not_utcs():
    # 00:30 on 1 March in Shanghai is still 28 February in UTC: made on the effective date.
    assert counting_day(_utc("2027-02-28T16:30:00.000Z"), _utc("2027-03-01T02:00:00.000Z")) == EFFECTIVE
    made = dt.datetime(2027, 2, 28, 23, 59, tzinfo=SHANGHAI)
    assert counting_day(made, _utc("2027-03-01T02:00:00.000Z")) == dt.date(2027, 2, 28)


def test_a_timestamp_long_before_cannot_reach_behind_the_window():
    # Back-dated a year, stored on 20 March: it counts no earlier than 12 March.
    assert counting_day(_utc("2026-03-01T00:00:00Z"), _utc("2027-03-20T02:00:00Z")) == dt.date(2027, 3, 12)


def test_a_timestamp_ahead_of_stored_counts_as_stored_beyond_the_clock_skew():
    stored = _utc("2027-02-28T15:58:00.000Z")  # 23:58 on 28 February in Shanghai
    within = stored + dt.timedelta(minutes=4)  # the platform's clock is a little fast: believed
    beyond = stored + dt.timedelta(days=2)
    assert counting_day(within, stored) == EFFECTIVE
    assert counting_day(beyond, stored) == dt.date(2027, 2, 28)
    assert counting_day(None, stored) == dt.date(2027, 2, 28)


def test_the_window_is_a_setting(settings):
    settings.CREDIT_LATE_REPORT_DAYS = 0
    made = _utc("2027-02-28T13:30:00.000Z")
    assert not _refused(made, _utc("2027-03-01T10:00:00Z"))  # stored on the effective date itself
    assert _refused(made, _utc("2027-03-01T16:30:00Z"))  # 2 March in Shanghai


def test_the_stops_are_asked_once_per_day_and_earlier_days_only_where_the_latest_stops(monkeypatch):
    asked = []

    def stop(places, on):
        asked.append((on, frozenset(places)))
        return {p: "out" for p in places if p[1] == 7 and on >= EFFECTIVE}

    monkeypatch.setattr(crediting, "COURSE_CREDIT_STOPS", [stop])
    here, elsewhere = ("35/3501/350102", 7), ("35/3501/350102", 8)
    days = [EFFECTIVE - dt.timedelta(days=1), EFFECTIVE, EFFECTIVE + dt.timedelta(days=2)]
    asks = [(place, day) for place in (here, elsewhere) for day in days] * 50
    found = credit_stops_on(asks)
    assert found == {(here, EFFECTIVE): "out", (here, days[2]): "out"}
    assert asked[0] == (days[2], frozenset({here, elsewhere}))
    assert sorted(asked[1:]) == [(days[0], frozenset({here})), (days[1], frozenset({here}))]
    asked.clear()
    assert credit_stops_on([(elsewhere, day) for day in days]) == {}
    assert len(asked) == 1
    assert credit_stops_on([]) == {}

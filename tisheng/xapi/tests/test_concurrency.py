"""Concurrent writers: a request that inserts a statement id another request committed after
this one looked (the unique index refuses the insert) compares against the stored statement and
answers as if it had seen it: 200 when equal, 409 when different. Simulated by hiding the stored
row from the first lookup, since the project's tests cannot commit (the audit log is append-only,
so transactional tests could not flush)."""

from tisheng.xapi import bulk
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import statement


def _hide_stored_rows_once(monkeypatch) -> list:
    calls = []
    real = bulk.lookup

    def lookup(institution_id, ids):
        calls.append(ids)
        return ({}, set()) if len(calls) == 1 else real(institution_id, ids)

    monkeypatch.setattr(bulk, "lookup", lookup)
    return calls


def test_a_statement_stored_by_a_concurrent_request_is_accepted_when_equal(lrs, monkeypatch):
    s = statement()
    assert lrs.post("statements", s).status_code == 200
    calls = _hide_stored_rows_once(monkeypatch)
    response = lrs.post("statements", s)
    assert response.status_code == 200
    assert len(calls) == 2  # the insert failed on the unique index, the retry compared
    assert Statement.objects.filter(statement_id=s["id"]).count() == 1


def test_a_statement_stored_by_a_concurrent_request_is_refused_with_409_when_different(lrs, monkeypatch):
    s = statement()
    lrs.post("statements", s)
    _hide_stored_rows_once(monkeypatch)
    response = lrs.post("statements", {**s, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}})
    assert response.status_code == 409
    assert Statement.objects.filter(statement_id=s["id"]).count() == 1

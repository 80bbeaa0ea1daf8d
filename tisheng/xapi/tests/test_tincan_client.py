"""The LRS spoken to by a client we did not write: TinCanPython (the `tincan` package, ADL's
Rustici-maintained reference client for Python) over real HTTP against a live server."""

import uuid

import pytest
from django.db import connection

tincan = pytest.importorskip("tincan")

from .conftest import make_lrs  # noqa: E402


@pytest.fixture
def committed(transactional_db):
    """The live server's thread reads committed rows. A transactional test ends with a TRUNCATE
    the append-only audit log's trigger refuses: the flush runs in a replication session
    (no triggers); Django closes that connection right after it."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.fixture
def remote(committed, world, live_server):
    lrs = make_lrs(world, "XAPI-TC", "闽江网络研修院")
    key, secret = lrs.auth_pair
    return tincan.RemoteLRS(version="1.0.3", endpoint=f"{live_server.url}/xapi/", username=key, password=secret)


def _statement(verb: str = "http://adlnet.gov/expapi/verbs/experienced") -> "tincan.Statement":
    return tincan.Statement(
        actor=tincan.Agent(name="林晓燕", mbox="mailto:lin@example.com"),
        verb=tincan.Verb(id=verb, display=tincan.LanguageMap({"zh-CN": "体验", "en-US": "experienced"})),
        object=tincan.Activity(id="http://example.com/activities/lesson-1",
                               definition=tincan.ActivityDefinition(name=tincan.LanguageMap({"zh-CN": "第一讲"}))),
    )


def test_the_about_resource_names_1_0_3(remote):
    response = remote.about()
    assert response.success
    assert "1.0.3" in response.content.version


def test_a_statement_saved_by_the_client_reads_back_through_it(remote):
    saved = remote.save_statement(_statement())
    assert saved.success, saved.data
    statement_id = saved.content.id
    read = remote.retrieve_statement(statement_id)
    assert read.success, read.data
    assert str(read.content.id) == str(statement_id)
    assert read.content.object.id == "http://example.com/activities/lesson-1"
    assert read.content.verb.display["zh-CN"] == "体验"


def test_a_statement_put_with_its_own_id_is_stored_under_it(remote):
    statement = _statement()
    statement.id = uuid.uuid4()
    saved = remote.save_statement(statement)
    assert saved.success, saved.data
    assert remote.retrieve_statement(statement.id).success


def test_a_query_by_verb_finds_the_client_s_statements(remote):
    verb = "http://adlnet.gov/expapi/verbs/completed"
    assert remote.save_statements([_statement(verb), _statement(verb)]).success
    found = remote.query_statements({"verb": tincan.Verb(id=verb), "limit": 10})
    assert found.success, found.data
    assert len(found.content.statements) == 2


def test_state_saved_by_the_client_reads_back(remote):
    state = tincan.StateDocument(
        id="bookmark", content='{"position": 42}', content_type="application/json",
        activity=tincan.Activity(id="http://example.com/activities/lesson-1"),
        agent=tincan.Agent(mbox="mailto:lin@example.com"))
    assert remote.save_state(state).success
    read = remote.retrieve_state(activity=state.activity, agent=state.agent, state_id="bookmark")
    assert read.success, read.data
    assert b"42" in bytes(read.content.content)

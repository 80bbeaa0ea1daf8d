"""Two imports of the same teachers at the same time: the second waits for the first and finds
its teachers (PostgreSQL), and one that still collides says so, writes nothing and shows no
traceback (both databases)."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connection, connections, transaction

from tisheng.accounts.models import AuditAction, AuditLog, User
from tisheng.people.models import RosterImport, Teacher
from tisheng.people.services import roster, roster_import
from tisheng.people.services.roster_import import RosterImportConflict, roster_file_run
from tisheng.people.tests.test_roster_helpers import row_cells, xlsx_bytes
from tisheng.people.tests.test_roster_views import upload

CONFLICT = "另一次导入同时修改了这些教师，请重新预览"
ROWS = [row_cells(seq=n, name=f"教师{n}") for n in range(1, 6)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def blind_to_existing_teachers(monkeypatch):
    """As if another import committed these teachers just after this one looked them up: the
    import takes every row for a new teacher and its insert meets theirs."""
    real = roster._classify

    def classify(records):
        pairs, _existing = real(records)
        return pairs, {}

    monkeypatch.setattr(roster, "_classify", classify)


def run_command(capsys, path) -> tuple[int, str]:
    try:
        call_command("import_roster", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out + err


def test_an_import_colliding_with_another_says_so_in_the_command_and_writes_nothing(
        world, tmp_path, capsys, blind_to_existing_teachers):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(ROWS))
    roster_file_run(actor=None, content=path.read_bytes(), filename="roster.xlsx", mode=RosterImport.Mode.ALL_OR_NOTHING)
    teachers, users, audits = Teacher.objects.count(), User.objects.count(), AuditLog.objects.count()

    code, output = run_command(capsys, path)

    assert code == 3
    assert CONFLICT in output
    assert "UniqueViolation" not in output
    assert (Teacher.objects.count(), User.objects.count(), AuditLog.objects.count()) == (teachers, users, audits)
    assert RosterImport.objects.filter(committed=True).count() == 1


def test_an_import_colliding_with_another_says_so_on_the_page_and_writes_nothing(
        client, world, blind_to_existing_teachers):
    content = xlsx_bytes(ROWS)
    roster_file_run(actor=None, content=content, filename="roster.xlsx", mode=RosterImport.Mode.ALL_OR_NOTHING)
    teachers, users = Teacher.objects.count(), User.objects.count()
    client.force_login(world.county_officer)
    preview = upload(client, content)

    response = client.post(preview.url, {"mode": "all"}, follow=True)

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert (Teacher.objects.count(), User.objects.count()) == (teachers, users)
    assert not RosterImport.objects.filter(committed=True, actor=world.county_officer).exists()
    assert not AuditLog.objects.filter(action=AuditAction.ROSTER_IMPORTED, actor=world.county_officer).exists()


@pytest.fixture
def committing_db(transactional_db):
    """Committed data, as two connections need to see each other's. A transactional test ends
    with a TRUNCATE of every table, which the append-only audit log refuses (its trigger): the
    flush runs in a replication session, which fires no triggers; Django closes the connection
    right after it, so the next test's session has them again."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency: PostgreSQL")
def test_two_imports_of_the_same_new_teachers_at_once_both_finish_and_create_them_once(committing_db, world,
                                                                                      monkeypatch):
    content = xlsx_bytes(ROWS)
    real = roster._classify

    def slow_classify(records):
        # Widen the window between looking teachers up and inserting them: without the lock on
        # the schools both imports look them up before either inserts, and one dies of it.
        found = real(records)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(roster, "_classify", slow_classify)
    start = threading.Barrier(2)
    results: list = []

    def run() -> None:
        try:
            start.wait()
            outcome = roster_file_run(actor=None, content=content, filename="roster.xlsx",
                                      mode=RosterImport.Mode.ALL_OR_NOTHING)
            results.append((outcome.counts.created, outcome.counts.unchanged))
        except Exception as exc:  # noqa: BLE001 (the test reports it)
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results, key=str) == [(0, 5), (5, 0)]
    assert Teacher.objects.filter(name__startswith="教师").count() == 5
    assert RosterImport.objects.filter(committed=True).count() == 2


def test_the_conflict_message_is_the_one_the_user_reads():
    assert RosterImportConflict().message == CONFLICT


def test_the_audit_log_is_append_only_again_after_the_committing_test(db):
    """Runs after the test above (file order): its flush did not leave the triggers off."""
    entry = AuditLog.objects.create(action=AuditAction.LOGIN)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(actor_name="changed")


@pytest.mark.parametrize(("error", "conflict"), [
    (OperationalError("database is locked"), True),  # SQLite: the other import held the lock past the timeout
    (OperationalError("server closed the connection unexpectedly"), False),
])
def test_only_a_lost_race_reads_as_another_import(world, monkeypatch, error, conflict):
    def apply(*args, **kwargs):
        raise error

    monkeypatch.setattr(roster_import, "roster_apply", apply)
    content = xlsx_bytes(ROWS)

    with pytest.raises(RosterImportConflict if conflict else OperationalError):
        roster_file_run(actor=None, content=content, filename="roster.xlsx", mode=RosterImport.Mode.ALL_OR_NOTHING)
    assert not RosterImport.objects.exists()

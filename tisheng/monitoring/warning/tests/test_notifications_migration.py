"""Migration 0003 moves the notifications people have already received into the notifications
app: every row kept (its id, recipient, text and whether it was read), given its kind; and it can
be undone and done again without losing or doubling any."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("monitoring_warning", "0002_riskscore_risk_by_score")]
MOVE = ("monitoring_warning", "0003_notifications_move_to_their_own_app")


def migrate(targets):
    """Migrate early warning to `targets`; the models as the database now has them (every other
    app at its latest)."""
    if connection.vendor == "postgresql":
        # The rows this test wrote are checked now, as they would have been committed long
        # before a real migration: PostgreSQL drops no table with checks still pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != "monitoring_warning"]
    return executor.loader.project_state(others + targets).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# SQLite cannot alter tables inside the test's transaction; PostgreSQL can, and must (a
# transactional test ends with a TRUNCATE, which the audit log's append-only guard refuses).
@pytest.mark.django_db(transaction=connection.vendor == "sqlite")
def test_the_move_keeps_every_notification_and_can_be_undone():
    old_apps = migrate(BEFORE)
    try:
        User = old_apps.get_model("accounts", "User")
        Old = old_apps.get_model("monitoring_warning", "Notification")
        teacher = User.objects.create(phone="13900000001", name="林晓燕", password="")
        principal = User.objects.create(phone="13900000002", name="陈志强", password="")
        read = timezone.now() - dt.timedelta(days=1)
        rows = [Old.objects.create(recipient=teacher, title="学习进度提醒", body="近 40 天无学习记录", url="/ledger/",
                                   read_at=read),
                Old.objects.create(recipient=principal, title="请跟进本校预警教师", body="林晓燕（风险 80 分）"),
                Old.objects.create(recipient=teacher, title="其他", body="内容")]

        new_apps = migrate([MOVE])
        New = new_apps.get_model("notifications", "Notification")
        moved = {n.pk: n for n in New.objects.all()}
        assert set(moved) == {r.pk for r in rows}
        assert [moved[r.pk].kind for r in rows] == ["reminder", "follow_up", "other"]
        assert moved[rows[0].pk].recipient_id == teacher.pk
        assert moved[rows[0].pk].body == "近 40 天无学习记录"
        assert moved[rows[0].pk].url == "/ledger/"
        assert moved[rows[0].pk].read_at == read
        assert moved[rows[1].pk].read_at is None
        assert all(n.channels == ["in_app"] for n in moved.values())
        assert "monitoring_warning_notification" not in connection.introspection.table_names()
        # The id sequence is past the copied rows: the next notification gets a new id.
        assert New.objects.create(recipient_id=teacher.pk, title="新", body="新").pk > max(moved)

        old_apps = migrate(BEFORE)
        back = old_apps.get_model("monitoring_warning", "Notification")
        assert back.objects.count() == 4
        assert old_apps.get_model("notifications", "Notification").objects.count() == 0
        again = migrate([MOVE]).get_model("notifications", "Notification")
        assert again.objects.count() == 4
    finally:
        migrate(leaves())

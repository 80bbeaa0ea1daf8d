"""run-periodic runs every app's registered periodic work, and one that fails does not stop the
others: its name prints as error and the rest still report their counts."""

import pytest
from django.core.management import call_command

from tisheng.jobs import periodic


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(periodic, "PERIODIC", dict(periodic.PERIODIC))
    return periodic.PERIODIC


def test_every_apps_periodic_work_is_registered():
    assert {"rosters_purged", "extractions_resumed", "rollups_refreshed", "bulletins_issued", "exports_purged",
            "risk_refreshed", "assignment_deadline_reminders", "resources_rank_queued",
            "sessions_purged"} <= set(periodic.PERIODIC)


@pytest.mark.django_db
def test_a_failing_periodic_task_is_reported_and_the_others_still_run(registry, capsys):
    ran = []

    def broken():
        raise RuntimeError("the mail server is down")

    periodic.register("zz_broken", broken)
    periodic.register("zz_after", lambda: ran.append(1) or [1, 2, 3])

    call_command("run_periodic")
    out = capsys.readouterr().out

    assert "zz_broken=error" in out
    assert "zz_after=3" in out
    assert ran == [1]
    assert out.startswith("jobs_requeued=0 jobs_run=")


@pytest.mark.django_db
def test_work_that_queues_jobs_runs_before_the_jobs_and_the_rest_after(registry):
    order = []
    periodic.register("zz_queue", lambda: order.append("queue") or True, before_jobs=True)
    periodic.register("zz_read", lambda: order.append("read") or 0)

    counts = periodic.run_all()

    assert order == ["queue", "read"]
    assert (counts["zz_queue"], counts["zz_read"]) == (1, 0)


@pytest.mark.django_db
def test_while_another_node_holds_the_periodic_lease_this_one_skips_its_round(registry, capsys):
    from tisheng.jobs.lease import lease_acquire

    ran = []
    periodic.register("zz_count", lambda: ran.append(1) or 0)
    assert lease_acquire("periodic", holder="node-b:123:abcd", seconds=60)

    call_command("run_periodic")

    assert "periodic=skipped held_by=node-b:123:abcd" in capsys.readouterr().out
    assert ran == []


@pytest.mark.django_db
def test_a_lease_whose_holder_died_is_taken_over_once_it_runs_out(registry):
    from django.utils import timezone

    from tisheng.jobs.lease import lease_acquire, lease_holder
    from tisheng.jobs.models import Lease

    assert lease_acquire("periodic", holder="node-a", seconds=60)
    assert not lease_acquire("periodic", holder="node-b", seconds=60)
    assert lease_acquire("periodic", holder="node-a", seconds=60)  # the holder renews it

    Lease.objects.filter(name="periodic").update(expires_at=timezone.now())  # node-a died long ago
    assert lease_acquire("periodic", holder="node-b", seconds=60)
    assert lease_holder("periodic") == "node-b"


@pytest.mark.django_db
def test_a_round_releases_the_lease_so_the_next_minute_any_node_may_run(registry):
    from tisheng.jobs.lease import lease_holder

    periodic.run_all()

    assert lease_holder("periodic") is None


@pytest.mark.django_db
def test_an_operator_runs_one_task_alone_and_a_wrong_name_lists_the_known_ones(registry, capsys):
    from django.core.management.base import CommandError

    ran = []
    periodic.register("zz_one", lambda: ran.append("one") or 3)
    periodic.register("zz_other", lambda: ran.append("other") or 0)

    call_command("run_periodic", "--only", "zz_one")

    assert capsys.readouterr().out.strip() == "zz_one=3"
    assert ran == ["one"]
    with pytest.raises(CommandError, match="No periodic task named zz_typo; known: .*zz_one"):
        call_command("run_periodic", "--only", "zz_typo")

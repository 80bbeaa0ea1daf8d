"""Bulletins (通报): built from the roll-ups (the dashboard's numbers), archived as HTML and PDF,
issued weekly by the schedule or on demand, read only within scope."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.test import Client

from tisheng.accounts.models import AuditLog
from tisheng.monitoring.models import Bulletin, Rollup
from tisheng.monitoring.services.bulletins import BulletinError, bulletin_issue, bulletins_issue_due
from tisheng.monitoring.services.rollups import SHANGHAI, rollups_refresh, today
from tisheng.monitoring.tests.test_rollups import activity  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def test_a_county_bulletin_has_the_dashboards_numbers_and_names_the_lagging_school(world, activity,  # noqa: F811
                                                                                 settings):
    rollups_refresh(activity)
    bulletin = bulletin_issue(program=activity, node_path=world.county_a.path, actor=world.county_officer)
    county = Rollup.objects.get(program=activity, day=today(), node_path=world.county_a.path)
    totals = bulletin.numbers["totals"]
    assert (totals["base"], totals["complete"], totals["rate"]) == (county.base, county.complete,
                                                                    county.completion_percent)
    assert [c["name"] for c in bulletin.numbers["children"]] == [world.school_a.name, world.school_a2.name]
    assert [c["name"] for c in bulletin.numbers["lagging"]] == [world.school_a2.name]
    assert world.school_a2.name in bulletin.html
    assert "达标率 33.3%" in bulletin.html
    pdf = (settings.PRIVATE_MEDIA_ROOT / bulletin.pdf_file).read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert world.county_a.name in text
        assert "进度滞后单位" in text
    assert AuditLog.objects.filter(object_type="bulletin", object_id=str(bulletin.pk), actor=world.county_officer)


def test_the_next_bulletin_shows_the_change_since_the_last(world, activity):  # noqa: F811
    from tisheng.programs.models import Enrollment, EnrollmentState

    rollups_refresh(activity)
    bulletin_issue(program=activity, node_path=world.county_a.path)
    Enrollment.objects.filter(teacher=world.teachers_a[1]).update(state=EnrollmentState.COMPLETE)
    rollups_refresh(activity)
    second = bulletin_issue(program=activity, node_path=world.county_a.path)
    school = next(c for c in second.numbers["children"] if c["name"] == world.school_a.name)
    assert school["change"] == 33.4  # 33.3 % → 66.7 %


def test_no_bulletin_before_the_numbers_exist(world, activity):  # noqa: F811
    with pytest.raises(BulletinError):
        bulletin_issue(program=activity, node_path=world.county_a.path)


def test_the_weekly_schedule_issues_each_level_once_a_week(world, activity, settings):  # noqa: F811
    rollups_refresh(activity)
    settings.BULLETIN_WEEKDAY = 0
    monday = dt.datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)
    issued = bulletins_issue_due(now=monday)
    assert {b.node_path for b in issued} == {world.province.path, world.city_a.path, world.city_b.path,
                                             world.county_a.path, world.county_b.path}
    assert {b.period for b in issued} == {"2026-W48"}
    assert bulletins_issue_due(now=monday + dt.timedelta(hours=3)) == []
    assert bulletins_issue_due(now=monday + dt.timedelta(days=1)) == []  # Tuesday
    assert all(b.created_by is None for b in issued)


def test_bulletins_are_read_only_within_scope(world, activity):  # noqa: F811
    rollups_refresh(activity)
    ours = bulletin_issue(program=activity, node_path=world.county_a.path)
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(f"/monitoring/bulletins/{ours.pk}/").status_code == 404
    assert outsider.get(f"/monitoring/bulletins/{ours.pk}/pdf").status_code == 404
    assert outsider.post("/monitoring/bulletins/new", {"program": activity.pk,
                                                       "node": world.county_a.path}).status_code == 404
    assert ours.title not in outsider.get(f"/monitoring/bulletins/?program={activity.pk}").content.decode()
    assert Bulletin.objects.count() == 1


def test_a_county_office_issues_a_bulletin_and_downloads_its_pdf(world, activity):  # noqa: F811
    rollups_refresh(activity)
    client = Client()
    client.force_login(world.county_officer)
    answer = client.post("/monitoring/bulletins/new", {"program": activity.pk, "node": world.county_a.path})
    bulletin = Bulletin.objects.get()
    assert answer.url == f"/monitoring/bulletins/{bulletin.pk}/"
    page = client.get(answer.url).content.decode()
    assert bulletin.title in page
    assert f"已发布通报：{bulletin.title}" in page  # the office is told what happened
    pdf = client.get(f"/monitoring/bulletins/{bulletin.pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    listing = client.get(f"/monitoring/bulletins/?program={activity.pk}").content.decode()
    assert bulletin.title in listing

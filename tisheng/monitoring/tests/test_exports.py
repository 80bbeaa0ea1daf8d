"""Exports of the monitoring tables to .xlsx: headed with scope, filters, time and person, in
the actor's scope only, audited, and run as a job with a private download above 5,000 rows."""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tisheng.accounts.models import AuditLog
from tisheng.jobs.services import jobs_run_pending
from tisheng.monitoring.services import exports
from tisheng.monitoring.services.rollups import rollups_refresh
from tisheng.orgs.scope import forget_grants
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment, EnrollmentState

pytestmark = pytest.mark.django_db

MASKED = re.compile(r"^\d{6}\*{8}[\dX]{4}$")


def enroll(program, teacher, state=EnrollmentState.ENROLLED, online="0", practice="0", explanation=""):
    online, practice = Decimal(online), Decimal(practice)
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                                     state=state, online_hours=online, practice_hours=practice,
                                     total_hours=online + practice, explanation=explanation)


def make_progress(world, program):
    """County A: one complete, one in progress with what is left, one not started, one exempt
    (rural kindergarten). County B: one approved teacher."""
    world.school_a2.is_rural = True
    world.school_a2.save()
    first, second, third = world.teachers_a
    enroll(program, first, EnrollmentState.COMPLETE, online="50", practice="30")
    enroll(program, second, EnrollmentState.IN_PROGRESS, online="12.5", explanation="还差网络研修 37.5 学时")
    enroll(program, third)
    enroll(program, world.teacher_a2, EnrollmentState.EXEMPT)
    enroll(program, world.teacher_b, EnrollmentState.APPROVED, online="50", practice="30")
    return program


@pytest.fixture
def progress(world, program_1):
    return make_progress(world, program_1)


def sheet_rows(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def split(rows: list[list]) -> tuple[dict, list, list[list]]:
    """(header block as label → value, column labels, data rows)."""
    blank = next(i for i, r in enumerate(rows) if not any(r))
    header = {r[0]: r[1] for r in rows[1:blank]}
    return header, rows[blank + 1], rows[blank + 2:]


def export(user, table, **params):
    client = Client()
    client.force_login(user)
    return client.get(f"/monitoring/export/{table}.xlsx", params)


def test_a_county_exports_its_teachers_with_progress_under_a_header_block(world, progress):
    response = export(world.county_officer, "teachers", program=progress.pk, node=world.county_a.path)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    header, columns, data = split(rows)
    assert rows[0][0] == "教师学习进度"
    assert header["范围"] == "鼓楼区（35/3501/350102）"
    assert progress.name in header["筛选条件"]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}（北京时间）", header["导出时间"])
    assert header["导出人"].startswith("鼓楼区工程办")
    assert header["行数"] == "4"
    assert columns[:5] == ["姓名", "学校代码", "学校", "身份证号", "状态"]
    by_name = {r[0]: r for r in data}
    assert set(by_name) == {"林晓燕", "陈志强", "黄丽华", "张美玲"}
    second = by_name["陈志强"]
    assert MASKED.match(second[3])
    assert second[3] != world.teachers_a[1].national_id
    assert second[4] == "学习中"
    assert second[5] == 12.5
    assert second[-1] == "还差网络研修 37.5 学时"
    assert by_name["林晓燕"][9] == 80


def test_filters_narrow_the_export_and_are_written_in_its_header(world, progress):
    response = export(world.county_officer, "teachers", program=progress.pk, state="in_progress",
                      school=world.school_a.code)
    header, _, data = split(sheet_rows(response.content))
    assert [r[0] for r in data] == ["陈志强"]
    assert "状态：学习中" in header["筛选条件"]
    assert world.school_a.code in header["筛选条件"]


def test_the_dashboard_subunit_table_exports_the_rollup_rows_of_a_nodes_children(world, progress):
    rollups_refresh(progress)
    response = export(world.province_officer, "subunits", program=progress.pk, node=world.county_a.path)
    header, columns, data = split(sheet_rows(response.content))
    assert header["范围"] == "鼓楼区（35/3501/350102）"
    assert "数据截至" in header["筛选条件"]
    assert [r[1] for r in data] == [world.school_a.name, world.school_a2.name]  # ranked by completion rate
    school_a = data[0]
    assert (school_a[4], school_a[9], school_a[10]) == (3, 1, 33.3)
    assert data[1][3] == "是"  # rural


def test_the_outsider_cannot_export_county_a(world, progress):
    rollups_refresh(progress)
    for table in ("teachers", "subunits"):
        assert export(world.outsider, table, program=progress.pk, node=world.county_a.path).status_code == 404
        assert export(world.outsider, table, program=progress.pk, node=world.school_a.path).status_code == 404
    assert export(world.outsider, "subunits", program=progress.pk, node=world.province.path).status_code == 404
    assert not AuditLog.objects.filter(action="exported").exists()


def test_a_county_officers_export_of_the_province_contains_only_their_county(world, progress):
    response = export(world.outsider, "teachers", program=progress.pk, node=world.province.path)
    assert response.status_code == 200
    header, _, data = split(sheet_rows(response.content))
    assert [r[0] for r in data] == ["王建国"]
    assert header["范围"] == "福建省（35）"
    assert header["仅限您的范围"] == world.county_b.path


def test_a_teacher_and_an_unknown_table_get_404(world, progress):
    assert export(world.teacher.user, "teachers", program=progress.pk).status_code == 404
    assert export(world.county_officer, "nonsense", program=progress.pk).status_code == 404


def test_every_export_is_written_to_the_audit_log(world, progress):
    export(world.county_officer, "teachers", program=progress.pk, state="in_progress")
    entry = AuditLog.objects.get(action="exported")
    assert entry.actor == world.county_officer
    assert entry.scope_path == world.county_a.path
    assert entry.detail == {"table": "teachers", "filters": {"program": str(progress.pk), "state": "in_progress"},
                            "rows": 1}


def test_the_query_count_of_an_export_does_not_grow_with_its_rows(world, progress):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            result = exports.export_table(actor=world.province_officer, table_name="teachers",
                                          raw_params={"program": str(progress.pk)})
        forget_grants(world.province_officer)
        return len(ctx.captured_queries), result.rows

    before, rows = queries()
    for n in range(6):
        enroll(progress, TeacherFactory(school=world.school_a2, name=f"新教师{n}"))
    after, more = queries()
    assert (rows, more) == (5, 11)
    assert after == before


def test_a_large_export_runs_as_a_job_and_only_its_creator_downloads_the_file(world, progress, monkeypatch,
                                                                               settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    client = Client()
    client.force_login(world.county_officer)
    response = client.get("/monitoring/export/teachers.xlsx", {"program": progress.pk})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'data-testid="job-progress"' in page
    assert 'data-testid="export-download"' not in page
    jobs_run_pending()
    page = client.get(job_url).content.decode()
    assert 'data-testid="export-download"' in page
    job_pk = int(job_url.rstrip("/").rsplit("/", 1)[-1])
    stored = list((tmp_path / "exports").glob("*.xlsx"))
    assert len(stored) == 1
    download = client.get(f"/monitoring/exports/{job_pk}/download")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    header, _, data = split(sheet_rows(content))
    assert len(data) == 4
    assert header["行数"] == "4"
    assert AuditLog.objects.filter(action="exported", detail__rows=4).count() == 1
    assert AuditLog.objects.filter(action="export_downloaded", actor=world.county_officer).count() == 1
    for other in (world.province_officer, world.outsider):
        someone = Client()
        someone.force_login(other)
        assert someone.get(job_url).status_code == 404
        assert someone.get(f"/monitoring/exports/{job_pk}/download").status_code == 404


def test_the_teacher_list_exports_with_its_filters_in_scope(world, progress):
    response = export(world.county_officer, "roster", stage="kindergarten")
    header, columns, data = split(sheet_rows(response.content))
    assert columns[:4] == ["姓名", "身份证号", "学校代码", "学校"]
    assert [r[0] for r in data] == ["张美玲"]
    assert MASKED.match(data[0][1])
    assert header["范围"] == "鼓楼区（35/3501/350102）"
    assert "学段：幼儿园" in header["筛选条件"]
    everyone = split(sheet_rows(export(world.province_officer, "roster").content))[2]
    assert len(everyone) == 5


def test_the_outsider_cannot_export_county_as_teacher_list(world, progress):
    assert export(world.outsider, "roster", region=world.county_a.code).status_code == 404
    own = split(sheet_rows(export(world.outsider, "roster", region="35").content))[2]
    assert [r[0] for r in own] == ["王建国"]


def test_the_learning_monitor_exports_who_started_and_when_they_last_learned(world, progress):
    from tisheng.learning.models import Contract, Course, CourseSelection
    from tisheng.orgs.tests.factories import OrganizationFactory

    institution = OrganizationFactory(code="INST01", kind="institution", region=world.province)
    Contract.objects.create(program=progress, institution=institution, region=world.province,
                            region_path=world.province.path)
    course = Course.objects.create(institution=institution, program=progress, code="C01", title="课件制作",
                                   hours=Decimal("10"), status=Course.Status.PUBLISHED)
    CourseSelection.objects.create(teacher=world.teachers_a[1], program=progress, course=course,
                                   started_at=timezone.now())
    response = export(world.county_officer, "learning", program=progress.pk)
    header, columns, data = split(sheet_rows(response.content))
    assert columns[0] == "教师"
    by_name = {r[0]: r for r in data}
    assert set(by_name) == {"林晓燕", "陈志强", "黄丽华", "张美玲"}
    assert by_name["陈志强"][4] == "是"
    assert by_name["陈志强"][6]
    assert by_name["黄丽华"][4] is None
    outsider = split(sheet_rows(export(world.outsider, "learning", program=progress.pk).content))[2]
    assert [r[0] for r in outsider] == ["王建国"]
    assert export(world.outsider, "learning", program=progress.pk, school=world.school_a.pk).status_code == 200
    assert world.school_a.name not in str(sheet_rows(
        export(world.outsider, "learning", program=progress.pk, school=world.school_a.pk).content))


def test_the_dashboard_offers_exports_only_to_those_who_may_export(world, progress):
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    rollups_refresh(progress)
    college = UserFactory()
    RoleAssignment.objects.create(user=college, role="teacher_college", organization=world.college_a)
    for user, shown in ((world.county_officer, True), (college, False)):
        client = Client()
        client.force_login(user)
        page = client.get(f"/monitoring/?program={progress.pk}&node={world.county_a.path}")
        assert page.status_code == 200
        assert ('data-testid="exports"' in page.content.decode()) is shown

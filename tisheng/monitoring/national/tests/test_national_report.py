import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from openpyxl import load_workbook

from tisheng.monitoring.national.report import national_report, report_validate, report_xlsx, schema
from tisheng.monitoring.services.rollups import rollups_refresh, today
from tisheng.people.models import Teacher
from tisheng.programs.models import Enrollment, EnrollmentState

pytestmark = pytest.mark.django_db


def enroll(program, teacher, state=EnrollmentState.ENROLLED, hours="0"):
    hours = Decimal(hours)
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                                     state=state, online_hours=hours, practice_hours=hours / 2,
                                     total_hours=hours * Decimal("1.5"))


@pytest.fixture
def activity(world, program_2):
    """County A: one certified, one started, one not started (urban school_a); one exempt in the
    rural kindergarten. County B: one complete. Two micro-ability points assessed in county A."""
    from tisheng.diagnostics.models import MicroAbility
    from tisheng.practice import services as practice
    from tisheng.practice.models import Grade, PointResult, PointVersion

    world.school_a2.is_rural = True
    world.school_a2.save()
    enroll(program_2, world.teachers_a[0], EnrollmentState.CERTIFIED, "40")
    enroll(program_2, world.teachers_a[1], hours="8")
    enroll(program_2, world.teachers_a[2])
    enroll(program_2, world.teacher_a2, EnrollmentState.EXEMPT)
    enroll(program_2, world.teacher_b, EnrollmentState.COMPLETE, "30")
    practice.catalogue_load()
    for teacher, (code, grade) in zip(world.teachers_a[:2], [("A1", Grade.EXCELLENT), ("A1", Grade.FAIL)], strict=True):
        point = MicroAbility.objects.get(code=code)
        PointResult.objects.create(program=program_2, teacher=teacher, point=point, result=grade,
                                   point_version=PointVersion.objects.filter(point=point).latest("number"),
                                   org_path=teacher.org_path)
    rollups_refresh(program_2)
    return program_2


def test_the_report_is_recomputed_from_the_teacher_rows(world, activity):
    document = national_report(activity)
    rows = Enrollment.objects.filter(program=activity, org_path__startswith=world.province.path + "/")
    not_exempt = rows.exclude(state=EnrollmentState.EXEMPT)
    t = document["totals"]
    assert t["teachers_to_train"] == not_exempt.count() == 4
    assert t["exempt"] == rows.filter(state=EnrollmentState.EXEMPT).count() == 1
    assert t["started"] == not_exempt.filter(total_hours__gt=0).count() == 3
    assert t["completed"] == rows.filter(state__in=["complete", "under_review", "approved", "certified"]).count() == 2
    assert t["certified"] == rows.filter(state=EnrollmentState.CERTIFIED).count() == 1
    assert t["hours"]["online"] == float(sum(e.online_hours for e in rows)) == 78.0
    rural = rows.filter(school__is_rural=True)
    assert document["rural_urban"]["rural"]["exempt"] == rural.filter(state=EnrollmentState.EXEMPT).count() == 1
    assert document["rural_urban"]["urban"]["teachers_to_train"] == \
        rows.filter(school__is_rural=False).exclude(state=EnrollmentState.EXEMPT).count()
    analysis = next(d for d in document["practice"]["dimensions"] if d["dimension"] == "学情分析")
    assert (analysis["assessed"], analysis["passed"], analysis["pass_rate"]) == (2, 1, 50.0)
    fuzhou = next(c for c in document["cities"] if c["code"] == "3501")
    assert fuzhou["completed"] == rows.filter(org_path__startswith="35/3501/",
                                              state=EnrollmentState.CERTIFIED).count()
    assert report_validate(document) == []


def test_the_report_at_a_date_uses_that_days_roll_up(world, activity):
    from tisheng.monitoring.models import Rollup, RollupRun

    # Move today's roll-up back a week, then refresh today with one more completion.
    week_ago = today() - dt.timedelta(days=7)
    Rollup.objects.filter(program=activity).update(day=week_ago)
    RollupRun.objects.filter(program=activity).update(day=week_ago)
    Enrollment.objects.filter(teacher=world.teachers_a[1]).update(state=EnrollmentState.COMPLETE)
    rollups_refresh(activity)
    assert national_report(activity, on=week_ago + dt.timedelta(days=1))["totals"]["completed"] == 2
    assert national_report(activity)["totals"]["completed"] == 3


def test_the_schema_refuses_a_document_with_a_teacher_list_or_a_bad_rate(world, activity):
    document = national_report(activity)
    document["teachers"] = [{"name": "林晓燕"}]
    document["totals"]["completion_rate"] = 130
    errors = report_validate(document)
    assert any("teachers" in e for e in errors)
    assert any("completion_rate" in e for e in errors)


def test_nothing_exported_names_or_identifies_a_teacher(world, activity, client, tmp_path):
    document = national_report(activity)
    text = json.dumps(document, ensure_ascii=False)
    workbook = load_workbook(io.BytesIO(report_xlsx(document)), read_only=True)
    cells = " ".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)
    for teacher in Teacher.objects.filter(Q(org_path__startswith="35/")).select_related("user"):
        for secret in (teacher.name, teacher.national_id, teacher.phone or None, teacher.user.phone if teacher.user else None):
            if secret:
                assert secret not in text
                assert secret not in cells
    # No school either: the finest level is a city.
    for school in (world.school_a, world.school_a2, world.school_b):
        assert school.name not in text
        assert school.code not in text
    assert set(document) == set(schema()["required"])


def test_the_command_writes_json_and_xlsx(world, activity, tmp_path):
    out = tmp_path / "report.json"
    call_command("national_report", "--program", activity.code, "--output", str(out))
    assert json.loads(out.read_text())["totals"]["teachers_to_train"] == 4
    xlsx = tmp_path / "report.xlsx"
    call_command("national_report", "--program", activity.code, "--format", "xlsx", "--output", str(xlsx))
    assert load_workbook(xlsx).sheetnames == ["汇总", "实践测评", "城乡", "各市"]


def test_the_province_office_downloads_the_report_and_a_county_office_gets_404(world, activity, client):
    client.force_login(world.province_officer)
    response = client.get(reverse("national:report_json"), {"program": activity.pk})
    assert response.status_code == 200
    assert response.json()["province"]["code"] == "35"
    xlsx = client.get(reverse("national:report_xlsx"), {"program": activity.pk})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    page = client.get(reverse("national:report"), {"program": activity.pk})
    assert "福州市" in page.content.decode()
    assert client.get(reverse("national:schema")).json()["$schema"].startswith("https://json-schema.org/")
    for user in (world.outsider, world.county_officer):
        client.force_login(user)
        assert client.get(reverse("national:report_json"), {"program": activity.pk}).status_code == 404
        assert client.get(reverse("national:report"), {"program": activity.pk}).status_code == 404

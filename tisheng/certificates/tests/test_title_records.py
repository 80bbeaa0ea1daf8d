"""职称评聘材料: a school or office compiles teachers' hours and training records (hours by
category and level, every training, certificates with their verification codes) for a title
committee, printable or as a workbook; audited; only teachers of the actor's area."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from tisheng.accounts.models import AuditLog
from tisheng.certificates import title_review
from tisheng.certificates.hours import hours_certificate_issue
from tisheng.ledger.tests.test_registry import external, past_credit
from tisheng.orgs.tests.factories import SchoolFactory
from tisheng.people.tests.factories import TeacherFactory


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture
def record(world, program_2):
    """world.teacher: 30 IT-ability hours of the platform, 10 national verified, 8 to verify, and
    a 学时证明 issued over them."""
    teacher = world.teacher
    program_2.registry_category, program_2.registry_level = "it_ability", "province"
    program_2.save()
    past_credit(teacher, program_2, "30", dt.date(2024, 3, 1), "t1")
    external(teacher, "10", dt.date(2024, 8, 1), category="ethics", level="national")
    external(teacher, "8", dt.date(2024, 9, 1), verification="unverified")
    certificate = hours_certificate_issue(actor=world.county_officer, teacher=teacher, start=dt.date(2024, 1, 1),
                                          end=dt.date(2024, 12, 31))
    return teacher, certificate


def post(client, **data):
    payload = {"start": "2022-01-01", "end": timezone.localdate().isoformat(), "format": "print"} | data
    return client.post(reverse("certificates:title_records"), payload)


def test_the_principal_pastes_ids_and_prints_each_teachers_record_with_its_certificates(client, world, record):
    teacher, certificate = record
    client.force_login(world.principal)

    response = post(client, ids=f"{teacher.national_id}，{world.teacher_b.national_id}\n123456")

    assert response.status_code == 200
    page = response.content.decode()
    records = response.context["data"].records
    assert [r.teacher for r in records] == [teacher]
    r = records[0]
    assert r.total == Decimal("40")  # the 8 hours to verify are listed, not counted
    assert r.pending == Decimal("8")
    assert dict(r.by_category()) == {"信息技术应用能力": Decimal("30"), "师德师风": Decimal("10")}
    assert dict(r.by_level()) == {"国家级": Decimal("10"), "省级": Decimal("30")}
    assert certificate.number in page
    assert certificate.verify_code in page
    assert "有 2 个身份证号不是您管辖范围内的教师" in page
    assert "123456" in page
    assert world.teacher_b.name not in page  # another county's teacher is not found, whatever the reason
    log = AuditLog.objects.get(detail__kind="title_records")
    assert (log.actor, log.detail["teachers"], log.detail["not_found"]) == (world.principal, 1, 2)


def test_an_uploaded_list_downloads_one_workbook_with_totals_trainings_and_certificates(client, world, record):
    teacher, certificate = record
    client.force_login(world.county_officer)
    listing = f"姓名,身份证号\n{teacher.name},{teacher.national_id}\n{world.teachers_a[2].name}," \
              f"{world.teachers_a[2].national_id}\n".encode()

    response = post(client, format="xlsx", file=SimpleUploadedFile("名单.csv", listing))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["学时汇总", "培训记录", "证书"]
    summary = [list(r) for r in book["学时汇总"].iter_rows(values_only=True)]
    header = summary[1]
    line = next(r for r in summary if r[1] == teacher.name)
    assert line[header.index("合计学时")] == 40
    assert line[header.index("师德师风学时")] == 10
    assert line[header.index("待核验学时")] == 8
    trainings = [r for r in book["培训记录"].iter_rows(values_only=True) if r[0] == teacher.name]
    assert len(trainings) == 3
    certificates = list(book["证书"].iter_rows(values_only=True))
    assert (certificate.number, certificate.verify_code) in [(r[3], r[7]) for r in certificates]
    assert AuditLog.objects.filter(detail__kind="title_records", detail__format="xlsx", detail__teachers=2).exists()


def test_a_school_picked_lists_its_active_teachers(client, world, record):
    client.force_login(world.county_officer)

    response = post(client, school=str(world.school_a.pk))

    names = {r.teacher.name for r in response.context["data"].records}
    assert record[0].name in names
    assert world.teacher_a2.name not in names  # another school


def test_a_bad_period_is_refused_and_the_pasted_ids_are_kept(client, world, record):
    client.force_login(world.principal)
    ids = record[0].national_id

    response = post(client, ids=ids, start="2026-05-01", end="2025-01-01")

    assert response.status_code == 400
    page = response.content.decode()
    assert zh(title_review.TITLE_PERIOD_INVALID) in page
    assert ids in page
    assert not AuditLog.objects.filter(detail__kind="title_records").exists()
    nobody = post(client, ids="110101199003071234")
    assert zh(title_review.TITLE_NOBODY) in nobody.content.decode()


def test_the_outsider_and_a_teacher_get_404_and_find_nobody_of_county_a(client, world, record):
    teacher, _certificate = record
    client.force_login(world.outsider)
    assert client.get(reverse("certificates:title_record_teacher", args=[teacher.pk])).status_code == 404
    response = post(client, ids=teacher.national_id, school=str(world.school_a.pk))
    assert response.status_code == 400
    assert teacher.name not in response.content.decode()
    client.force_login(world.teachers_a[2].user)
    assert client.get(reverse("certificates:title_records")).status_code == 404
    assert not AuditLog.objects.filter(detail__kind="title_records").exists()


def test_one_teachers_record_opens_from_their_registry_page(client, world, record):
    teacher, certificate = record
    client.force_login(world.county_officer)
    registry_page = client.get(reverse("ledger:teacher_registry", args=[teacher.pk])).content.decode()
    assert reverse("certificates:title_record_teacher", args=[teacher.pk]) in registry_page

    response = client.get(reverse("certificates:title_record_teacher", args=[teacher.pk]))

    assert response.status_code == 200
    assert certificate.verify_code in response.content.decode()
    workbook = client.get(reverse("certificates:title_record_teacher", args=[teacher.pk]), {"format": "xlsx"})
    assert workbook["Content-Disposition"].endswith(".xlsx\"") or ".xlsx" in workbook["Content-Disposition"]


def test_the_records_queries_do_not_grow_with_the_teachers(client, world, record):
    client.force_login(world.county_officer)
    one = record[0].national_id
    many = "\n".join(t.national_id for t in [*world.teachers_a, world.teacher_a2])
    post(client, ids=one)
    with CaptureQueriesContext(connection) as few:
        post(client, ids=one, format="xlsx")
    with CaptureQueriesContext(connection) as more:
        response = post(client, ids=many, format="xlsx")
    assert response.status_code == 200
    assert len(more) == len(few)


def _school_of(world, size: int, program):
    """A school of the county with `size` teachers, each with two trainings and an outside record."""
    school = SchoolFactory(county=world.county_a, code=f"35010299{size:02d}", name=f"鼓楼第{size}小学")
    for i, teacher in enumerate(TeacherFactory.create_batch(size, school=school)):
        past_credit(teacher, program, "12", dt.date(2024, 3, 1), f"a{i}")
        past_credit(teacher, program, "6", dt.date(2025, 3, 1), f"b{i}")
        external(teacher, "10", dt.date(2024, 8, 1))
    return school


def test_a_schools_workbook_costs_the_same_queries_for_3_teachers_as_for_30(client, world, program_2):
    small, large = _school_of(world, 3, program_2), _school_of(world, 30, program_2)
    client.force_login(world.county_officer)
    post(client, school=str(small.pk), format="xlsx")  # sessions, caches

    with CaptureQueriesContext(connection) as three:
        post(client, school=str(small.pk), format="xlsx")
    with CaptureQueriesContext(connection) as thirty:
        response = post(client, school=str(large.pk), format="xlsx")

    summary = list(load_workbook(io.BytesIO(response.content))["学时汇总"].iter_rows(values_only=True))
    assert len(summary) == 2 + 30
    assert summary[2][-2:] == (28, 0)  # 12 + 6 of the platform, 10 from outside
    assert len(thirty) == len(three)


def test_a_county_office_downloads_its_whole_countys_workbook_and_cannot_print_it_when_too_long(
        client, world, program_2, monkeypatch):
    _school_of(world, 3, program_2)
    client.force_login(world.county_officer)
    form = client.get(reverse("certificates:title_records")).content.decode()
    assert 'data-testid="title-county"' in form
    assert world.county_a.name in form

    with CaptureQueriesContext(connection) as queries:
        response = post(client, county=str(world.county_a.pk), format="xlsx")

    names = {r[1] for r in load_workbook(io.BytesIO(response.content))["学时汇总"].iter_rows(values_only=True)}
    assert {t.name for t in world.teachers_a} <= names
    assert world.teacher_a2.name in names  # the county's other school too
    assert world.teacher_b.name not in names
    assert AuditLog.objects.filter(detail__kind="title_records", detail__source="county").exists()
    assert len(queries) < 20
    monkeypatch.setattr(title_review, "MAX_TEACHERS", 3)
    refused = post(client, county=str(world.county_a.pk), format="print")
    assert refused.status_code == 400
    assert zh(title_review.TITLE_PRINT_TOO_MANY) % {"limit": 3} in refused.content.decode()
    client.force_login(world.outsider)
    other = post(client, county=str(world.county_a.pk), format="xlsx")
    assert other.status_code == 400  # nobody of county A is found for county B's office
    assert world.county_a.name not in client.get(reverse("certificates:title_records")).content.decode()

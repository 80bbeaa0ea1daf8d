"""Hours from other platforms imported in bulk: the roster import's validate/apply pattern,
row errors, the file's SHA-256 kept, every record marked with its source and verification."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tisheng.ledger import external, registry
from tisheng.ledger.models import ExternalHoursImport, ExternalHoursRecord, LedgerEntry
from tisheng.ledger.services import declaration_approve


def csv_file(rows, header="姓名,身份证号,培训名称,学时,完成日期,证书编号") -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def export(world):
    t, t2 = world.teachers_a[0], world.teachers_a[2]
    return csv_file([
        f"{t.name},{t.national_id},2024年暑期教师研修,10,2024-08-20,ZH2024-0001",
        f"{t2.name},{t2.national_id},2024年暑期教师研修,8.5,2024/8/21,ZH2024-0002",
        f"{t.name},{t.national_id},2024年暑期教师研修,10,2024-08-20,ZH2024-0001",  # the same certificate again
        "某某,110101199003071234,2024年暑期教师研修,10,2024-08-20,ZH2024-0003",  # no such teacher
        f"{world.teacher_b.name},{world.teacher_b.national_id},2024年暑期教师研修,6,2024-08-20,ZH2024-0004",
        f"张三,{t2.national_id},2024年寒假教师研修,6,2025-02-10,ZH2025-0005",  # name differs
        f"{t.name},{t.national_id},,abc,明天,",  # three problems in one row
    ])


def upload(client, content, *, mode="valid_only", source="national_platform", verification="verified",
           name="国家平台导出.csv"):
    return client.post(reverse("ledger:external_imports"), {
        "source": source, "verification": verification, "mode": mode,
        "file": SimpleUploadedFile(name, content)}, follow=True)


def test_the_county_imports_the_valid_rows_and_sees_every_bad_row_with_its_reason(client, world, export):
    client.force_login(world.county_officer)
    response = upload(client, export)
    batch = ExternalHoursImport.objects.get()
    assert (batch.rows, batch.created, batch.committed) == (7, 2, True)
    assert batch.sha256 == hashlib.sha256(export).hexdigest()
    assert batch.sha256 in response.text
    problems = {(e["row"], e["column"]) for e in batch.errors}
    assert problems == {(4, "证书编号"), (5, "身份证号"), (6, "身份证号"), (7, "姓名"), (8, "培训名称"), (8, "学时"),
                        (8, "完成日期")}
    assert "同一条记录" in response.text or "Same record as row 2" in response.text
    record = ExternalHoursRecord.objects.get(certificate_no="ZH2024-0002")
    assert (record.teacher, record.hours, record.source, record.verification, record.level, record.category) == (
        world.teachers_a[2], Decimal("8.5"), "national_platform", "verified", "national", "it_ability")
    assert record.batch.sha256 == batch.sha256


def test_the_teacher_from_another_county_is_not_found_rather_than_revealed(client, world, export):
    client.force_login(world.county_officer)
    upload(client, export)
    [error] = [e for e in ExternalHoursImport.objects.get().errors if e["row"] == 6]
    assert not ExternalHoursRecord.objects.filter(teacher=world.teacher_b).exists()
    with translation.override("zh-hans"):
        assert error["reason"] in (external.TEACHER_NOT_FOUND, gettext(external.TEACHER_NOT_FOUND))


def test_importing_the_same_export_again_adds_nothing(client, world, export):
    client.force_login(world.county_officer)
    upload(client, export)
    upload(client, export)
    second = ExternalHoursImport.objects.order_by("-pk").first()
    assert (second.created, second.duplicates) == (0, 2)
    assert ExternalHoursRecord.objects.count() == 2


def test_all_or_nothing_and_a_dry_run_write_nothing_when_rows_are_bad(client, world, export):
    client.force_login(world.county_officer)
    upload(client, export, mode="all_or_nothing")
    upload(client, export, mode="dry_run")
    assert not ExternalHoursRecord.objects.exists()
    assert [b.committed for b in ExternalHoursImport.objects.all()] == [False, False]


def test_imported_hours_show_in_the_teachers_registry_with_their_source(client, world, export):
    client.force_login(world.county_officer)
    upload(client, export, verification="unverified")
    rows = registry.registry_rows(world.teacher)
    assert [(r.source, r.verification, r.hours) for r in rows] == [
        ("国家智慧教育平台", "unverified", Decimal("10"))]
    client.force_login(world.teacher.user)
    assert "待核验" in client.get(reverse("ledger:my_registry")).text


def test_an_xlsx_export_with_other_header_names_is_read(client, world):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["教师姓名", "证件号码", "研修项目", "认定学时", "结业日期", "培训类别", "培训级别"])
    sheet.append([world.teacher.name, world.teacher.national_id, "师德专题", 12, "2023-07-01", "师德", "省级"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.province_officer)
    upload(client, out.getvalue(), name="外省转入.xlsx", source="other_province")
    record = ExternalHoursRecord.objects.get()
    assert (record.category, record.level, record.source, record.platform) == (
        "ethics", "province", "other_province", "外省转入")


def test_a_file_that_is_no_spreadsheet_is_refused_with_a_clear_message(client, world):
    client.force_login(world.county_officer)
    response = upload(client, b"MZ\x90\x00binary", name="hours.exe")
    assert response.status_code == 200
    assert "csv" in response.text
    assert not ExternalHoursImport.objects.exists()


def test_only_offices_import_and_an_outsider_gets_404_for_an_import(client, world, export):
    client.force_login(world.county_officer)
    upload(client, export)
    batch = ExternalHoursImport.objects.get()
    client.force_login(world.outsider)
    assert client.get(reverse("ledger:external_import", args=[batch.pk])).status_code == 404
    assert client.get(reverse("ledger:external_import_errors", args=[batch.pk])).status_code == 404
    client.force_login(world.principal)
    assert client.get(reverse("ledger:external_imports")).status_code == 403
    client.force_login(world.county_officer)
    report = client.get(reverse("ledger:external_import_errors", args=[batch.pk]))
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_approved_declaration_lands_in_the_registry_as_a_declaration(world, program_2, enrolled_2, settings,
                                                                         tmp_path):
    from tisheng.ledger.models import ImportedHoursDeclaration

    declaration = ImportedHoursDeclaration.objects.create(
        teacher=world.teacher, program=program_2, org_path=world.teacher.org_path, platform="国家智慧教育平台",
        title="2024年寒假教师研修", hours=Decimal("6"), certificate_file="x.png", certificate_type="image/png")
    declaration_approve(actor=world.principal, declaration=declaration)
    assert LedgerEntry.objects.filter(teacher=world.teacher).exists()
    [row] = registry.registry_rows(world.teacher)
    assert (row.source, row.hours, row.title) == ("个人申报（学校审核）", Decimal("6"), "提升工程2.0")


def test_validation_names_the_columns_as_the_file_wrote_them(world):
    rows = [{"_row": 2, external.NATIONAL_ID: "123", external.TITLE: "x", external.HOURS: "1",
             external.DATE: "2024-01-01"}]
    _records, errors = external.external_validate(rows, actor=None, source="national_platform",
                                                  labels={external.NATIONAL_ID: "证件号码"})
    assert [(e.row, e.column) for e in errors] == [(2, "证件号码")]


@pytest.mark.parametrize("hostile_file", ["zip_bomb", "corner_cells"])
def test_a_hostile_workbook_is_refused_by_the_shared_reader_before_calamine_opens_it(world, monkeypatch,
                                                                                    hostile_file):
    import python_calamine

    from tisheng.core.tests import hostile_files as hostile

    def refuse(*args, **kwargs):
        raise AssertionError("calamine was asked to open a hostile file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)
    content = hostile.zip_bomb(megabytes=64) if hostile_file == "zip_bomb" else hostile.corner_cells_xlsx()

    with translation.override("zh-hans"), pytest.raises(external.RosterFileError) as caught:
        external.external_import_file(actor=world.county_officer, content=content, filename="国家平台导出.xlsx",
                                      source="national_platform", verification="verified", mode="valid_only")

    assert caught.value.message.startswith(("文件中有部件压缩比异常", "表格范围过大"))
    assert not ExternalHoursImport.objects.exists()


def test_an_export_repeating_the_same_teachers_and_values_reports_every_bad_row_and_imports_the_rest(world):
    """Each distinct cell is parsed once per import: a repeated bad ID is still an error on each
    of its rows, and a number cell and the same text are read alike."""
    t = world.teachers_a[0]
    rows = [{"_row": i + 2, "姓名": t.name, "身份证号": t.national_id, "培训名称": "2024年暑期教师研修",
             "学时": 4 if i % 2 else "4", "完成日期": "2024-08-20", "证书编号": f"R-{i}"} for i in range(6)]
    rows += [{"_row": 8 + i, "姓名": "某某", "身份证号": "35010219800101000X", "培训名称": "2024年暑期教师研修",
              "学时": "4", "完成日期": "2024-08-20", "证书编号": f"B-{i}"} for i in range(3)]
    records, errors = external.external_validate(rows, actor=None, source="national_platform")
    assert [r.hours for r in records] == [Decimal("4.00")] * 6
    assert {r.teacher_id for r in records} == {t.pk}
    assert [(e.row, e.column) for e in errors] == [(8, "身份证号"), (9, "身份证号"), (10, "身份证号")]

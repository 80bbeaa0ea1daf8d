import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.models import AuditAction, AuditLog
from tisheng.people.models import RosterImport, Teacher
from tisheng.people.tests.test_roster_helpers import make_id, row_cells, xlsx_bytes


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def upload(client, content: bytes, name: str = "花名册.xlsx"):
    return client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile(name, content)})


def stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT / "roster"
    return list(root.iterdir()) if root.exists() else []


def test_uploading_a_roster_shows_a_preview_and_writes_no_teacher(client, world, settings):
    client.force_login(world.county_officer)

    response = upload(client, xlsx_bytes([row_cells(seq=1), row_cells(seq=2, name="王芳")]))

    roster = RosterImport.objects.get()
    assert response.url == reverse("people:roster_import_detail", args=[roster.pk])
    assert (roster.mode, roster.committed, roster.created) == ("dry_run", False, 2)
    assert not Teacher.objects.filter(name="王芳").exists()
    assert [p.name for p in stored_files(settings)] == [f"{roster.sha256}.xlsx"]
    page = client.get(response.url).content.decode()
    assert "确认导入" in page


def test_confirming_the_preview_imports_the_roster(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1)]))

    response = client.post(preview.url, {"mode": "all"}, follow=True)

    assert Teacher.objects.filter(name="李明").exists()
    committed = RosterImport.objects.get(committed=True)
    assert (committed.actor, committed.created) == (world.county_officer, 1)
    assert "花名册导入成功" in response.content.decode()


def test_a_preview_with_errors_cannot_be_confirmed_all_or_nothing(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1), row_cells(seq=2, phone="123", name="王芳")]))
    page = client.get(preview.url).content.decode()
    assert "手机号码格式不正确" in page
    assert 'data-testid="commit-all" disabled' in page

    client.post(preview.url, {"mode": "all"})

    assert not Teacher.objects.filter(name="李明").exists()
    assert not RosterImport.objects.filter(committed=True).exists()


def test_importing_only_the_valid_rows_says_so(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1), row_cells(seq=2, phone="123", name="王芳")]))

    response = client.post(preview.url, {"mode": "valid_only"}, follow=True)

    assert Teacher.objects.filter(name="李明").exists()
    assert not Teacher.objects.filter(name="王芳").exists()
    assert "仅导入了有效行" in response.content.decode()
    assert RosterImport.objects.get(committed=True).mode == "valid_only"


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "roster.xlsx", "另存为 .xlsx"),
    (b"not a zip", "roster.xlsx", "不是有效的 .xlsx"),
    ("姓名,身份证号\r\n".encode("utf-16"), "roster.csv", "UTF-8 或 GBK"),
    (xlsx_bytes([row_cells()], headers=["姓名", "学校代码"]), "roster.xlsx", "缺少表头"),
], ids=["old-excel", "not-a-zip", "utf-16-csv", "missing-headers"])  # a workbook's bytes carry its time: not an id
def test_a_bad_file_gets_a_message_and_nothing_is_stored(client, world, settings, content, name, message):
    client.force_login(world.county_officer)

    response = upload(client, content, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RosterImport.objects.exists()
    assert stored_files(settings) == []


def test_a_60_mb_upload_is_refused_and_nothing_is_stored(client, world, settings):
    client.force_login(world.county_officer)
    content = b"PK\x03\x04" + b"\x00" * (60 * 1024 * 1024)

    response = upload(client, content)

    assert response.status_code == 400
    assert "文件超过 20 MB" in response.content.decode()
    assert not RosterImport.objects.exists()
    assert stored_files(settings) == []


def test_the_error_report_lists_row_column_reason_and_the_original_cells(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1), row_cells(seq=2, school="9999", name="王芳")]))
    roster = RosterImport.objects.get()

    response = client.get(reverse("people:roster_errors", args=[roster.pk]))

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("行号", "列", "错误原因", "姓名")
    assert rows[1][:5] == (3, "学校代码", "学校代码不存在", "王芳", make_id(2))
    assert AuditLog.objects.filter(action=AuditAction.EXPORTED, object_id=str(roster.pk)).exists()
    assert preview.status_code == 302


def test_the_template_has_the_headers_an_example_and_drop_downs(client, world):
    client.force_login(world.principal)

    response = client.get(reverse("people:roster_template"))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "手机号码", "学校代码", "任教学段", "任教学科", "职称",
                                           "参加工作时间", "状态", "资格注册有效期至"]  # the last: optional (ledger)
    assert sheet["A2"].value == "【示例】张三"
    lists = {str(v.sqref)[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert set(lists) == {"E", "G", "I"}
    assert "退休" in lists["I"]


def test_the_history_shows_only_imports_of_the_actors_area(client, world):
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes([row_cells(seq=1)]))
    own = client.get(reverse("people:roster_import")).content.decode()
    client.force_login(world.outsider)

    page = client.get(reverse("people:roster_import")).content.decode()

    assert "花名册.xlsx" in own
    assert "花名册.xlsx" not in page


def test_another_countys_import_is_not_found(client, world):
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes([row_cells(seq=1)]))
    roster = RosterImport.objects.get()
    client.force_login(world.outsider)

    detail = client.get(reverse("people:roster_import_detail", args=[roster.pk]))
    commit = client.post(reverse("people:roster_import_detail", args=[roster.pk]), {"mode": "all"})
    errors = client.get(reverse("people:roster_errors", args=[roster.pk]))

    assert (detail.status_code, commit.status_code, errors.status_code) == (404, 404, 404)
    assert not Teacher.objects.filter(name="李明").exists()


def test_a_teacher_may_not_import(client, world):
    client.force_login(world.teacher.user)

    assert client.get(reverse("people:roster_import")).status_code == 403
    assert upload(client, xlsx_bytes([row_cells()])).status_code == 403


def test_the_pages_require_login(client, world):
    response = client.get(reverse("people:roster_import"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_commit_requires_csrf(world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.county_officer)

    response = csrf_client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("a.xlsx", b"x")})

    assert response.status_code == 403


def test_the_history_page_runs_the_same_queries_for_one_import_or_many(client, world):
    client.force_login(world.county_officer)

    def history_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("people:roster_import"))
        return len(captured.captured_queries)

    upload(client, xlsx_bytes([row_cells(seq=0)]))
    one = history_queries()
    for seq in range(1, 5):
        upload(client, xlsx_bytes([row_cells(seq=seq)]))

    assert history_queries() == one


def test_a_transfer_in_shows_in_the_counts_without_naming_the_old_school(client, world):
    teacher_b = world.teacher_b
    client.force_login(world.principal)
    preview = upload(client, xlsx_bytes([row_cells(name=teacher_b.name, national_id=teacher_b.national_id)]))

    committed = client.post(preview.url, {"mode": "all"}, follow=True).content.decode()

    roster = RosterImport.objects.get(committed=True)
    assert roster.transferred == 1
    assert world.school_b.name not in committed
    assert world.county_b.name not in committed
    teacher_b.refresh_from_db()
    assert teacher_b.school == world.school_a


@pytest.mark.parametrize("bad_rows", [1, 30])
def test_the_preview_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries, bad_rows):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=i, phone="1") for i in range(bad_rows)]))

    with django_assert_max_num_queries(10):
        page = client.get(preview.url)

    assert page.content.decode().count("手机号码格式不正确") == bad_rows


def test_the_preview_shows_the_first_200_errors(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=i, phone="1") for i in range(230)]))

    page = client.get(preview.url).content.decode()

    assert page.count("手机号码格式不正确") == 200
    assert "另有 30 条错误" in page


def test_a_preview_is_committed_once(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1)]))
    client.post(preview.url, {"mode": "all"})

    second = client.post(preview.url, {"mode": "all"}, follow=True)

    assert RosterImport.objects.filter(committed=True).count() == 1
    assert "该批次已经导入" in second.content.decode()
    page = client.get(preview.url).content.decode()
    assert 'data-testid="commit-all"' not in page
    assert "查看导入结果" in page


def test_a_principals_import_is_in_the_county_history_but_not_the_other_way_round(client, world):
    client.force_login(world.principal)
    upload(client, xlsx_bytes([row_cells(seq=1)]), "校本花名册.xlsx")
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes([row_cells(seq=2)]), "全区花名册.xlsx")

    county_page = client.get(reverse("people:roster_import")).content.decode()
    client.force_login(world.principal)
    school_page = client.get(reverse("people:roster_import")).content.decode()

    assert "校本花名册.xlsx" in county_page
    assert "全区花名册.xlsx" in county_page
    assert "校本花名册.xlsx" in school_page
    assert "全区花名册.xlsx" not in school_page


def test_the_import_result_says_how_many_registration_dates_it_stored(client, world):
    from tisheng.people.services.roster import CANONICAL_HEADERS

    rows = [[*row_cells(name="吴老师", seq=41), "2027-08-31"], [*row_cells(name="郑老师", seq=42), "2028-03-01"],
            [*row_cells(name="周老师", seq=43), ""]]  # a blank cell stores nothing
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes(rows, headers=(*CANONICAL_HEADERS, "资格注册有效期至")))
    preview = RosterImport.objects.get()

    response = client.post(reverse("people:roster_import_detail", args=[preview.pk]), {"mode": "all"}, follow=True)

    committed = RosterImport.objects.get(committed=True)
    assert committed.columns_stored == {"资格注册有效期至": 2}
    assert "登记注册日期 2 人" in response.content.decode()
    assert "登记注册日期" not in client.get(reverse("people:roster_import_detail", args=[preview.pk])).content.decode()

import copy
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.monitoring.national.models import ProvinceReport
from tisheng.monitoring.national.report import report_validate
from tisheng.monitoring.national.view import report_load
from tisheng.orgs.models import Region
from tisheng.people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = {
    "schema_version": "1.0", "province": {"code": "35", "name": "福建省"},
    "program": {"code": "tisheng-2", "name": "提升工程2.0", "start_date": "2024-09-01", "end_date": "2029-08-31"},
    "as_of": "2026-11-01", "generated_at": "2026-11-01T08:00:00+08:00",
    "totals": {"teachers_enrolled": 1100, "teachers_to_train": 1000, "exempt": 100, "selected": 900, "started": 800,
               "completed": 500, "approved": 400, "certified": 300, "returned": 5, "participation_rate": 80.0,
               "completion_rate": 50.0, "certification_rate": 30.0, "schools": 40,
               "hours": {"online": 1000.0, "practice": 800.0, "offline": 0.0, "imported": 10.0}},
    "practice": {"points_passed": 300, "points_excellent": 50, "dimensions": [
        {"dimension": "学情分析", "assessed": 200, "passed": 180, "excellent": 30, "pass_rate": 90.0, "excellent_rate": 15.0}]},
    "rural_urban": {side: {"schools": 20, "teachers_to_train": 500, "exempt": 50, "started": 400, "completed": 250,
                           "completion_rate": 50.0, "online_hours": 500.0, "practice_hours": 400.0}
                    for side in ("rural", "urban")},
    "cities": [{"code": "3501", "name": "福州市", "teachers_enrolled": 1100, "teachers_to_train": 1000, "exempt": 100,
                "selected": 900, "started": 800, "completed": 500, "approved": 400, "certified": 300, "returned": 5,
                "participation_rate": 80.0, "completion_rate": 50.0, "certification_rate": 30.0}],
}


def report(code: str, name: str, as_of: str, completed: int) -> bytes:
    doc = copy.deepcopy(BASE)
    doc["province"] = {"code": code, "name": name}
    doc["as_of"] = as_of
    doc["totals"]["completed"] = completed
    doc["totals"]["completion_rate"] = round(100 * completed / 1000, 1)
    assert report_validate(doc) == []
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.fixture
def ministry(db):
    root = Region.objects.create(code="00", name="全国", level="national", path="00")
    user = UserFactory(name="教育部教师工作司", phone="13700000099")
    RoleAssignment.objects.create(user=user, role="national_office", region=root)
    return user


def test_the_ministry_loads_provinces_reports_compares_them_and_drills_into_one(world, ministry, client):
    client.force_login(ministry)
    files = [SimpleUploadedFile(f"{c}-{d}.json", report(c, n, d, done), "application/json")
             for c, n, d, done in [("35", "福建省", "2026-10-01", 400), ("35", "福建省", "2026-11-01", 500),
                                   ("36", "江西省", "2026-10-01", 600), ("36", "江西省", "2026-11-01", 650)]]
    response = client.post(reverse("national:load"), {"reports": files}, follow=True)
    assert "已载入 4 份报告" in " ".join(str(m) for m in response.context["messages"])
    board = response.context["board"]
    assert [p["province_name"] for p in board["provinces"]] == ["江西省", "福建省"]  # by completion rate
    assert board["totals"]["completed"] == 1150  # each province's latest report
    fujian = next(t for t in board["trend"] if t["code"] == "35")
    assert fujian["rates"] == [40.0, 50.0]
    assert fujian["change"] == 10.0
    page = client.get(reverse("national:province", args=["tisheng-2", "35"]), {"as_of": "2026-10-01"})
    assert page.context["report"].completed == 400
    assert "福州市" in page.content.decode()
    # Sent again for the same date: replaced, not added.
    report_load(actor=ministry, data=report("35", "福建省", "2026-11-01", 520))
    assert ProvinceReport.objects.filter(province_code="35").count() == 2
    assert AuditLog.objects.filter(action="national.report_load").count() == 5


def test_a_file_that_is_not_a_report_is_refused_with_a_clear_message_and_nothing_is_loaded(ministry, client):
    client.force_login(ministry)
    bad = copy.deepcopy(BASE)
    bad["teachers"] = [{"name": "林晓燕", "national_id": "350102198001011234"}]
    files = [SimpleUploadedFile("a.json", b"{" * 100 + b"}" * 100), SimpleUploadedFile("b.json", b'{"x": NaN}'),
             SimpleUploadedFile("c.json", json.dumps(bad, ensure_ascii=False).encode())]
    response = client.post(reverse("national:load"), {"reports": files}, follow=True)
    errors = [str(m) for m in response.context["messages"]]
    assert len(errors) == 3
    assert any("c.json" in e and "teachers" in e for e in errors)
    assert not ProvinceReport.objects.exists()


def test_the_dashboard_over_32_provinces_reads_the_copied_figures_in_a_few_queries(
        ministry, client, django_assert_max_num_queries):
    day = dt.date(2026, 6, 1)
    for n in range(32):
        for k in range(4):
            report_load(actor=None, data=report(f"{11 + n}", f"省{n}", (day + dt.timedelta(days=30 * k)).isoformat(),
                                                400 + 10 * k + n))
    client.force_login(ministry)
    client.get(reverse("national:dashboard"))
    # Its time (< 300 ms for 32 provinces) is measured by bench/bench_supervision.py, not on a
    # loaded test machine; here: one query for every report, whatever their number.
    with django_assert_max_num_queries(12) as captured:
        response = client.get(reverse("national:dashboard"))
    assert len(response.context["board"]["provinces"]) == 32
    assert len(response.context["board"]["dates"]) == 4
    assert sum("national_provincereport" in q["sql"] for q in captured.captured_queries) == 2  # programs, rows


def test_the_load_command_and_the_other_roles_get_404(world, ministry, client, tmp_path):
    path = tmp_path / "fj.json"
    path.write_bytes(report("35", "福建省", "2026-11-01", 500))
    call_command("national_load", str(path))
    assert ProvinceReport.objects.get().completed == 500
    for user in (world.province_officer, world.outsider):
        client.force_login(user)
        assert client.get(reverse("national:dashboard")).status_code == 404
        assert client.get(reverse("national:province", args=["tisheng-2", "35"])).status_code == 404

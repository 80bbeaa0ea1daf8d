import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog
from tisheng.programs.models import Program
from tisheng.programs.rules import RULE_ERROR_AT
from tisheng.programs.tests.certificate_rows import certificate_rows_data


@pytest.fixture
def province(client, world, password):
    client.login(username=world.province_officer.phone, password=password)
    return client


def _edit_data(program, **changes):
    from tisheng.programs.forms import ProgramForm

    data = {k: ("" if v is None else v) for k, v in ProgramForm.initial_for(program).items()}
    data["start_date"] = program.start_date.isoformat()
    data["end_date"] = program.end_date.isoformat()
    data["reference_date"] = program.reference_date.isoformat()
    if not data["diagnostic_required"]:
        data.pop("diagnostic_required")
    data.update(certificate_rows_data(program))
    data.update(changes)
    return data


def test_the_program_list_shows_both_programs_to_an_office(client, world, program_1, program_2, password):
    client.login(username=world.county_officer.phone, password=password)

    page = client.get(reverse("programs:list")).content.decode()

    assert "提升工程2.0" in page
    assert "福建省中小学教师信息技术应用能力提升工程" in page
    assert reverse("programs:copy", args=[program_2.pk]) not in page  # only the province copies


def test_the_detail_page_shows_the_rules_in_chinese(province, program_1):
    page = province.get(reverse("programs:detail", args=[program_1.pk])).content.decode()

    assert "总学时要求" in page
    assert "80 学时" in page
    assert "网络研修 50 学时；实践应用 30 学时" in page
    assert "距法定退休不足 5 年" in page
    assert "网络研修与教学实践合格证明" in page


def test_a_teacher_cannot_read_the_program_pages(client, world, program_2, password):
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get(reverse("programs:detail", args=[program_2.pk])).status_code == 403


def test_the_province_copies_a_preset_and_changes_it_to_25_plus_25_with_yearly_quotas(province, program_1):
    response = province.post(reverse("programs:copy", args=[program_1.pk]))
    copy = Program.objects.get(copied_from=program_1)
    assert response.url == reverse("programs:edit", args=[copy.pk])
    assert copy.status == "draft"
    assert copy.rules == program_1.rules

    response = province.post(reverse("programs:edit", args=[copy.pk]), _edit_data(
        copy, name="福建省提升工程（25+25）", required_hours="50", min_online="25", min_practice="25",
        yearly_quotas="2015: 30%\n2016: 50%\n2017: 20%"))

    assert response.status_code == 302, response.content.decode()
    copy.refresh_from_db()
    rs = copy.ruleset
    assert copy.name == "福建省提升工程（25+25）"
    assert (rs.required_hours, rs.min_hours["online"], rs.min_hours["practice"]) == (50, 25, 25)
    assert {y: float(s) for y, s in rs.yearly_quotas.items()} == {2015: 0.3, 2016: 0.5, 2017: 0.2}
    assert AuditLog.objects.filter(action="program_changed", object_id=str(copy.pk)).exists()
    program_1.refresh_from_db()
    assert program_1.ruleset.required_hours == 80  # the original is untouched


def test_an_invalid_rule_set_is_refused_with_a_chinese_message_naming_the_field(province, program_1):
    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1, required_hours="60", min_online="50", min_practice="30"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "各类学时下限（min_hours）" in page
    assert "各类学时下限之和超过了总学时要求" in page
    assert _(RULE_ERROR_AT).split("%")[0] in page
    program_1.refresh_from_db()
    assert program_1.ruleset.required_hours == 80


def test_only_the_province_may_edit_or_copy(client, world, program_2, password):
    client.login(username=world.county_officer.phone, password=password)

    assert client.get(reverse("programs:edit", args=[program_2.pk])).status_code == 403
    assert client.post(reverse("programs:copy", args=[program_2.pk])).status_code == 403
    assert Program.objects.count() == 1


def test_the_province_creates_a_program_from_a_preset(province, world):
    response = province.post(reverse("programs:list"), {
        "preset": "moe_2019", "code": "fj-2-2025", "name": "福建省提升工程2.0（2025）",
        "start_date": "2025-01-01", "end_date": "2029-12-31", "reference_date": ""})

    program = Program.objects.get(code="fj-2-2025")
    assert response.url == reverse("programs:detail", args=[program.pk])
    assert program.ruleset.min_practice_share == 0.5


def test_the_program_list_query_count_does_not_grow_with_programs(province, program_1, program_2,
                                                                  django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert province.get(reverse("programs:list")).status_code == 200

"""The program's certificates are edited as rows on its edit page: one per certificate, added
and removed there, each error beside the field it is about, in the rule set's own words."""

import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from tisheng.programs.forms import CERTIFICATE_CODE_TAKEN, CERTIFICATE_REQUIRES_REMOVED, CERTIFICATES_INVALID
from tisheng.programs.tests.certificate_rows import certificate_rows_data
from tisheng.programs.tests.test_program_pages import _edit_data

NEW_ROW = {"name": "信息技术应用能力校本研修证明", "code": "school_practice", "issuers": ["teacher_college"],
           "min_practice": "20", "min_online": "", "min_offline": "", "min_imported": ""}


@pytest.fixture
def province(client, world, password):
    client.login(username=world.province_officer.phone, password=password)
    return client


def _existing(program):
    return [{"name": c.name, "code": c.code, "issuers": list(c.issuers),
             **{f"min_{cat}": str(h) for cat, h in c.min_hours.items()},
             "requires_certificates": list(c.requires_certificates),
             **({"requires_completion": "on"} if c.requires_completion else {})}
            for c in program.ruleset.certificates]


def _field_errors(page: str, row: int, field: str) -> str:
    """The error list beside a row's field (Django gives it the field's id and "_error")."""
    match = re.search(rf'id="id_certificates-{row}-{field}_error">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def test_the_edit_page_shows_each_certificate_as_a_row_with_no_json(province, program_1):
    page = province.get(reverse("programs:edit", args=[program_1.pk])).content.decode()

    assert page.count('data-testid="certificate-row"') == 3 + 1 + 1  # saved, the blank row, the template
    assert 'value="网络研修与教学实践合格证明"' in page
    assert "JSON" not in page
    assert "添加证书" in page


def test_the_province_adds_a_certificate_that_needs_another_and_its_hours(province, program_1):
    rows = _existing(program_1)
    new = {**NEW_ROW, "requires_certificates": ["online"]}
    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1) | certificate_rows_data(program_1, [*rows, new]))

    assert response.status_code == 302, response.content.decode()
    program_1.refresh_from_db()
    added = program_1.ruleset.certificates[-1]
    assert (added.code, added.name, added.issuers) == ("school_practice", "信息技术应用能力校本研修证明",
                                                       ["teacher_college"])
    assert added.min_hours == {"practice": 20}
    assert added.requires_certificates == ["online"]
    assert "已保存" in province.get(response.url).content.decode()


def test_the_province_removes_a_certificate_no_other_needs(province, program_1):
    rows = _existing(program_1)
    rows[2]["DELETE"] = "on"  # 结业证书, which needs the two others

    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1) | certificate_rows_data(program_1, rows))

    assert response.status_code == 302, response.content.decode()
    program_1.refresh_from_db()
    assert [c.code for c in program_1.ruleset.certificates] == ["online", "practice"]


def test_removing_a_certificate_another_needs_is_refused_beside_the_row_that_needs_it(province, program_1):
    rows = _existing(program_1)
    rows[0]["DELETE"] = "on"  # 网络培训合格证明, needed by the 结业证书

    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1) | certificate_rows_data(program_1, rows))

    assert response.status_code == 200
    page = response.content.decode()
    assert "此证书需要“网络培训合格证明”，但它正被删除" in _field_errors(page, 2, "requires_certificates")
    program_1.refresh_from_db()
    assert len(program_1.ruleset.certificates) == 3


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"code": "School Practice"}, "code", "只能包含小写字母、数字和下划线"),
    ({"issuers": []}, "issuers", "这个字段是必填项"),
    ({"min_practice": "-3"}, "min_practice", "大于或等于0"),
    ({"code": "online"}, "code", None),
])
def test_a_wrong_row_is_refused_with_the_message_beside_its_field_and_nothing_lost(province, program_1, change,
                                                                                  field, words):
    rows = [*_existing(program_1), {**NEW_ROW, **change}]

    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1) | certificate_rows_data(program_1, rows))

    assert response.status_code == 200
    page = response.content.decode()
    expected = words or _(CERTIFICATE_CODE_TAKEN)
    assert expected in _field_errors(page, 3, field), page
    assert str(_(CERTIFICATES_INVALID)) in page
    assert 'value="信息技术应用能力校本研修证明"' in page  # what was typed is still there
    program_1.refresh_from_db()
    assert len(program_1.ruleset.certificates) == 3


def test_the_messages_are_in_chinese():
    with override("zh-hans"):
        assert "正被删除" in _(CERTIFICATE_REQUIRES_REMOVED)


def test_the_edit_page_shows_plain_numbers_and_labels_and_no_row_offers_itself(province, program_1):
    response = province.post(reverse("programs:edit", args=[program_1.pk]),
                             _edit_data(program_1, min_practice_percent="50"))
    assert response.status_code == 302, response.content.decode()

    page = province.get(reverse("programs:edit", args=[program_1.pk])).content.decode()

    assert re.search(r'name="min_practice_percent"[^>]*value="50"', page)
    assert "E+" not in page
    assert "外部学时学时" not in page
    assert "外部学时" in page
    for row, certificate in enumerate(program_1.ruleset.certificates):
        offered = re.findall(rf'name="certificates-{row}-requires_certificates" value="([^"]+)"', page)
        assert certificate.code not in offered
        assert len(offered) == len(program_1.ruleset.certificates) - 1

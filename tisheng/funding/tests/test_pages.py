import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tisheng.funding import services, views
from tisheng.funding.models import BudgetLine, Statement
from tisheng.funding.tests.factories import credit, funding_setting
from tisheng.funding.tests.test_settlement import MARCH


@pytest.fixture
def s(world, program_1):
    return funding_setting(world, program_1)


@pytest.fixture
def statement(world, s):
    credit(world.teachers_a[0], s.course, 30, "2016-03-02")
    credit(world.teacher_a2, s.course, 30, "2016-03-04")
    return services.statement_draft(actor=world.county_officer, contract=s.contract, start=MARCH[0], end=MARCH[1])


def test_the_paying_office_drafts_from_the_page_and_the_institution_checks_it(client, world, s):
    credit(world.teachers_a[0], s.course, 30, "2016-03-02")
    client.force_login(world.county_officer)
    response = client.post(reverse("funding:statement_draft"), {
        "contract": s.contract.pk, "start": "2016-03-01", "end": "2016-03-31"}, follow=True)
    st = Statement.objects.get()
    assert f"结算单 {st.number} 已起草" in response.content.decode()
    client.force_login(s.inst_user)
    response = client.post(reverse("funding:statement_check", args=[st.pk]),
                           {"action": "dispute", "comment": "人数不对"}, follow=True)
    assert "人数不对" in response.content.decode()
    st.refresh_from_db()
    assert st.state == Statement.State.DISPUTED


def test_a_bad_period_is_a_clear_error_and_nothing_is_drafted(client, world, s):
    client.force_login(world.county_officer)
    response = client.post(reverse("funding:statement_draft"), {
        "contract": s.contract.pk, "start": "2016-13-01", "end": "x"}, follow=True)
    assert str(views.DATE_INVALID) in response.content.decode()
    assert not Statement.objects.exists()


def test_the_export_has_the_derivation_and_a_teacher_detail_sheet(client, world, statement):
    client.force_login(world.county_officer)
    response = client.get(reverse("funding:statement_export", args=[statement.pk]))
    book = load_workbook(io.BytesIO(response.content))
    summary, detail = book.worksheets
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value is not None)
    assert statement.number in text
    assert "3.00" in text
    assert "50" in text
    assert detail.max_row == 3  # header + two teachers
    assert {detail.cell(row=r, column=1).value for r in (2, 3)} == {world.teachers_a[0].name, world.teacher_a2.name}


def test_an_institution_sees_only_its_own_statements(client, world, s, statement):
    client.force_login(s.other_user)
    assert client.get(reverse("funding:statement", args=[statement.pk])).status_code == 404
    assert client.get(reverse("funding:statement_export", args=[statement.pk])).status_code == 404
    assert statement.number not in client.get(reverse("funding:statements")).content.decode()
    client.force_login(s.inst_user)
    assert client.get(reverse("funding:statement", args=[statement.pk])).status_code == 200


def test_an_office_of_another_county_gets_404_for_everything_of_county_a(client, world, statement):
    client.force_login(world.outsider)
    for url in (reverse("funding:statement", args=[statement.pk]),
                reverse("funding:statement_export", args=[statement.pk]),
                reverse("funding:budget", args=[world.county_a.path])):
        assert client.get(url).status_code == 404, url
    for url in (reverse("funding:statement_confirm", args=[statement.pk]),
                reverse("funding:statement_check", args=[statement.pk]),
                reverse("funding:budget_add", args=[world.county_a.path])):
        assert client.post(url, {"action": "agree", "year": "2016", "source": "continuing", "amount": "1",
                                 "purpose": "x"}).status_code == 404, url
    assert statement.number not in client.get(reverse("funding:statements")).content.decode()
    assert not BudgetLine.objects.exists()


def test_an_office_enters_its_budget_and_sees_confirmed_spending_against_it(client, world, s, statement):
    client.force_login(world.county_officer)
    url = reverse("funding:budget_add", args=[world.county_a.path])
    response = client.post(url, {"year": "2016", "source": "continuing", "amount": "abc", "purpose": "全员培训"},
                           follow=True)
    assert str(services.BUDGET_AMOUNT_INVALID) in response.content.decode()
    assert response.status_code == 400
    assert 'value="全员培训"' in response.content.decode()  # what was typed is still there
    assert response.context["posted"]["source"] == "continuing"
    client.post(url, {"year": "2016", "source": "continuing", "amount": "10000", "purpose": "全员培训"})
    services.statement_check(actor=s.inst_user, statement=statement, agree=True)
    services.statement_confirm(actor=world.county_officer, statement=statement)
    page = client.get(reverse("funding:budget", args=[world.county_a.path]) + "?year=2016")
    rows = {r.source: r for r in page.context["summary"].rows}
    assert rows["continuing"].budget == Decimal("10000.00")
    assert rows["continuing"].settled == Decimal("180.00")  # 60 h × 3 yuan
    assert rows["continuing"].remaining == Decimal("9820.00")


def test_the_budget_page_costs_the_same_queries_however_many_statements(client, world, s, statement,
                                                                        django_assert_max_num_queries):
    client.force_login(world.county_officer)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("funding:budget", args=[world.county_a.path])).status_code == 200


def test_only_the_province_sets_rates(client, world, s):
    client.force_login(world.county_officer)
    assert client.get(reverse("funding:rates")).status_code == 404
    client.force_login(world.province_officer)
    response = client.post(reverse("funding:rates"), {
        "program": s.program.pk, "effective_from": "2017-01-01", "online_rate": "3.5", "paid_hours_cap": "50",
        "rural_mode": "per_hour", "rural_amount": "0.5", "note": "2017 年调整"}, follow=True)
    assert response.status_code == 200
    assert services.rate_for(s.program, __import__("datetime").date(2017, 2, 1)).online_rate == Decimal("3.50")

"""The province plan for the ministry (规划方案备案): the province office composes it from the
platform's data plus its own text, previews it, downloads PDF and Word, files versions that never
change afterwards; nobody else reaches any of it."""

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.funding.models import BudgetLine
from tisheng.institutions.models import Application, ApplicationStatus, SelectionRound
from tisheng.learning.tests import factories as learning
from tisheng.supervision.models import PlanFiling, ProvincePlan
from tisheng.supervision.plan import services
from tisheng.supervision.plan.compose import TEXT_LIMIT

pytestmark = pytest.mark.django_db

TEXTS = {"text_goals": "到2026年全省教师信息技术应用能力普遍提升。", "text_organization": "省教育厅统筹，市县落实，学校为主体。",
         "text_safeguards": "经费、制度、技术三项保障。"}


@pytest.fixture
def platform(world, program_2):
    """Program 2.0, a published selection with one institution selected, a province budget line."""
    org, _user = learning.institution(world, "JG001", "福建教育学院", "13900000001")
    selection = SelectionRound.objects.create(
        program=program_2, region=world.province, scope_path=world.province.path, title="2026年承训机构遴选",
        opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 3, 31), created_by=world.province_officer,
        published_at=timezone.now())
    Application.objects.create(round=selection, institution=org, scope_path=org.path, status=ApplicationStatus.SELECTED)
    BudgetLine.objects.create(region=world.province, path=world.province.path, year=2026, source="special",
                              amount=Decimal("3000000"), purpose="提升工程培训", created_by=world.province_officer)
    return program_2


def _post(client, **extra):
    return client.post(reverse("supervision:plan"), {"title": "福建省提升工程2.0实施规划", **TEXTS, **extra})


def test_the_province_composes_the_plan_from_the_platforms_data_and_its_own_text(client, world, platform):
    client.force_login(world.province_officer)
    page = client.get(reverse("supervision:plan"))
    assert page.status_code == 200
    text = page.content.decode()
    assert platform.name in text
    assert "福建教育学院" in text
    assert "3,000,000.00" in text

    response = _post(client, then="preview")
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:plan_preview")
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert "到2026年全省教师信息技术应用能力普遍提升" in body
    assert f"<td>{platform.ruleset.required_hours.normalize():f}</td>" in body
    assert "草稿已保存" in body
    assert AuditLog.objects.filter(action="supervision.plan_save").exists()

    pdf = client.get(reverse("supervision:plan_preview") + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    docx = client.get(reverse("supervision:plan_preview") + "?format=docx")
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        xml = z.read("word/document.xml").decode()
    assert "到2026年全省教师信息技术应用能力普遍提升" in xml
    assert "福建教育学院" in xml


def test_filing_keeps_each_version_with_its_files_hashes_date_and_filer(client, world, platform):
    client.force_login(world.province_officer)
    _post(client)
    response = client.post(reverse("supervision:plan_file"), follow=True)
    assert "已备案第 1 版" in response.content.decode()
    first = PlanFiling.objects.get()
    assert (first.version, first.filed_by, first.filed_on) == (1, world.province_officer, timezone.localdate())
    download = client.get(reverse("supervision:plan_filing", args=[first.pk]) + "?format=pdf")
    assert hashlib.sha256(download.content).hexdigest() == first.pdf_sha256
    download = client.get(reverse("supervision:plan_filing", args=[first.pk]) + "?format=docx")
    assert hashlib.sha256(download.content).hexdigest() == first.docx_sha256
    assert AuditLog.objects.filter(action="supervision.plan_file", object_id=str(first.pk)).exists()

    # The draft changes and a second version is filed; the first one says what it said.
    _post(client, text_goals="修订后的目标。")
    client.post(reverse("supervision:plan_file"))
    assert list(PlanFiling.objects.values_list("version", flat=True)) == [2, 1]
    old = client.get(reverse("supervision:plan_filing", args=[first.pk])).content.decode()
    assert "到2026年全省教师信息技术应用能力普遍提升" in old
    assert "修订后的目标" not in old
    listing = client.get(reverse("supervision:plan_filings")).content.decode()
    assert "第 2 版" in listing
    assert "第 1 版" in listing
    first.refresh_from_db()
    with pytest.raises(ValueError, match="never changed"):
        first.save()


def test_a_plan_without_its_required_texts_is_not_filed_and_says_which_are_missing(client, world, platform):
    client.force_login(world.province_officer)
    _post(client, text_safeguards="")
    response = client.post(reverse("supervision:plan_file"), follow=True)
    assert "保障措施" in response.content.decode()
    assert not PlanFiling.objects.exists()


def test_an_overlong_text_is_refused_and_what_was_typed_stays_on_the_page(client, world, platform):
    client.force_login(world.province_officer)
    _post(client)
    response = _post(client, text_goals="长" * (TEXT_LIMIT + 1), text_organization="新的分工说明")
    assert response.status_code == 400
    assert "新的分工说明" in response.content.decode()
    assert ProvincePlan.objects.get().texts["organization"] == TEXTS["text_organization"]


def test_no_one_but_the_province_office_reaches_the_plan(client, world, platform):
    client.force_login(world.province_officer)
    _post(client)
    filing = services.plan_file(actor=world.province_officer, region=world.province)
    urls = [reverse("supervision:plan"), reverse("supervision:plan_preview"), reverse("supervision:plan_filings"),
            reverse("supervision:plan_filing", args=[filing.pk]),
            reverse("supervision:plan_filing", args=[filing.pk]) + "?format=pdf"]
    for user in (world.outsider, world.county_officer, world.principal):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("supervision:plan_file")).status_code == 404
    assert PlanFiling.objects.count() == 1


def test_the_preview_costs_the_same_queries_with_one_or_three_selected_institutions(
        client, world, platform, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.province_officer)
    _post(client)
    client.get(reverse("supervision:plan_preview"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("supervision:plan_preview"))
    selection = SelectionRound.objects.get()
    for n in (2, 3):
        org, _user = learning.institution(world, f"JG00{n}", f"机构{n}", f"1390000000{n}")
        Application.objects.create(round=selection, institution=org, scope_path=org.path,
                                   status=ApplicationStatus.SELECTED)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("supervision:plan_preview"))
    assert "机构3" in page.content.decode()

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.monitoring.services.rollups import today
from tisheng.notifications.models import Notification
from tisheng.practice.services.evidence import small_pdf
from tisheng.supervision import selectors, services
from tisheng.supervision.evidence import FILE_NOT_ALLOWED
from tisheng.supervision.models import EvidenceFile, Finding, Inspection, Rectification

pytestmark = pytest.mark.django_db


def _all_findings(inspection, grade="good"):
    return {f"grade_{i['code']}": grade for i in inspection.round.indicators}


def test_the_inspector_records_findings_with_evidence_grades_and_the_unit_is_told(
        world, client, inspector, inspection_a, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client.force_login(inspector)
    first = inspection_a.round.indicators[0]["code"]
    data = {**_all_findings(inspection_a), f"comment_{first}": "参训组织有力",
            f"files_{first}": SimpleUploadedFile("现场.pdf", small_pdf("现场照片"), "application/pdf")}
    response = client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]), data, follow=True)
    assert response.status_code == 200
    assert Finding.objects.filter(inspection=inspection_a).count() == len(inspection_a.round.indicators)
    finding = Finding.objects.get(inspection=inspection_a, indicator=first)
    assert finding.comment == "参训组织有力"
    assert finding.value == 50.0
    evidence = EvidenceFile.objects.get(finding=finding)
    assert evidence.content_type == "application/pdf"
    assert client.get(reverse("supervision:file", args=[evidence.pk])).status_code == 200

    response = client.post(reverse("supervision:inspection_grade", args=[inspection_a.pk]),
                           {"grade": "good", "summary": "总体良好"}, follow=True)
    inspection_a.refresh_from_db()
    assert inspection_a.grade == "good"
    assert inspection_a.status == Inspection.Status.GRADED
    assert "良好" in " ".join(str(m) for m in response.context["messages"])
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="督导结果").exists()
    assert Notification.objects.filter(recipient=world.province_officer, title__contains="督导结果").exists()
    assert AuditLog.objects.filter(action="supervision.inspection_grade", object_id=str(inspection_a.pk)).exists()
    assert AuditLog.objects.filter(action="supervision.finding_record").count() == len(inspection_a.round.indicators)
    # Graded: the findings are locked.
    response = client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]),
                           _all_findings(inspection_a, "fail"), follow=True)
    assert not Finding.objects.filter(grade="fail").exists()


def test_grading_needs_a_finding_for_every_indicator(world, inspector, inspection_a):
    services.findings_record(actor=inspector, inspection=inspection_a,
                             entries=[{"indicator": "i1", "grade": "pass", "comment": ""}])
    with pytest.raises(ValidationError) as refused:
        services.inspection_grade(actor=inspector, inspection=inspection_a, grade="pass", summary="")
    assert "学时达标率" in str(refused.value)  # the indicators still missing are named
    inspection_a.refresh_from_db()
    assert inspection_a.status == Inspection.Status.PENDING


def test_a_file_that_is_not_a_photo_or_document_is_refused_and_nothing_is_saved(
        world, client, inspector, inspection_a, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client.force_login(inspector)
    response = client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]), {
        "grade_i1": "pass", "files_i1": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 200)}, follow=True)
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "PDF" in texts
    assert not Finding.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert FILE_NOT_ALLOWED


def test_the_unit_answers_and_the_office_reopens_then_accepts(world, client, inspector, inspection_a):
    deadline = today() + dt.timedelta(days=10)
    client.force_login(inspector)
    client.post(reverse("supervision:rectification_add", args=[inspection_a.pk]), {
        "description": "补齐学校信息化发展规划", "owner": world.county_officer.pk, "deadline": deadline.isoformat(),
        "indicator": "i5"})
    item = Rectification.objects.get()
    assert item.owner == world.county_officer
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="整改事项").exists()

    client.force_login(world.county_officer)
    page = client.get(reverse("supervision:inspection", args=[inspection_a.pk]))
    assert page.status_code == 200
    assert page.context["access"].unit
    assert not page.context["access"].office
    client.post(reverse("supervision:rectification_answer", args=[item.pk]), {"text": "已全部提交"})
    item.refresh_from_db()
    assert item.status == Rectification.Status.ANSWERED

    client.force_login(world.province_officer)
    response = client.post(reverse("supervision:rectification_decide", args=[item.pk]), {"decision": "reopen"},
                           follow=True)
    item.refresh_from_db()
    assert item.status == Rectification.Status.ANSWERED  # a reopen needs a reason
    assert any("理由" in str(m) or "原因" in str(m) or "reopen" in str(m) for m in response.context["messages"])
    client.post(reverse("supervision:rectification_decide", args=[item.pk]), {"decision": "reopen", "note": "缺两所学校"})
    item.refresh_from_db()
    assert item.status == Rectification.Status.REOPENED
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="被退回").exists()

    client.force_login(world.county_officer)
    client.post(reverse("supervision:rectification_answer", args=[item.pk]), {"text": "已补齐"})
    client.force_login(world.province_officer)
    client.post(reverse("supervision:rectification_decide", args=[item.pk]), {"decision": "accept"})
    item.refresh_from_db()
    assert item.status == Rectification.Status.ACCEPTED
    assert [a.decision for a in item.answers.all()] == ["reopened", "accepted"]
    assert set(AuditLog.objects.filter(object_type="rectification").values_list("action", flat=True)) == {
        "supervision.rectification_add", "supervision.rectification_answer", "supervision.rectification_reopen",
        "supervision.rectification_accept"}


def test_overdue_items_show_to_the_office_the_inspector_and_the_unit_but_no_one_else(
        world, inspector, other_inspector, inspection_a):
    item = services.rectification_add(actor=inspector, inspection=inspection_a, description="整改",
                                      owner=world.county_officer, deadline=today())
    later = today() + dt.timedelta(days=1)
    for user in (world.province_officer, inspector, world.county_officer):
        assert list(selectors.overdue_rectifications(user, on=later)) == [item]
    for user in (world.outsider, other_inspector, world.principal):
        assert not selectors.overdue_rectifications(user, on=later).exists()
    assert not selectors.overdue_rectifications(world.province_officer, on=today()).exists()


def test_people_of_another_county_or_unassigned_inspectors_get_404(
        world, client, inspector, other_inspector, inspection_a, round_):
    item = services.rectification_add(actor=inspector, inspection=inspection_a, description="整改",
                                      owner=world.county_officer, deadline=today())
    urls = [reverse("supervision:inspection", args=[inspection_a.pk]),
            reverse("supervision:inspection_report", args=[inspection_a.pk]),
            reverse("supervision:round", args=[round_.pk]), reverse("supervision:round_pdf", args=[round_.pk])]
    for user in (world.outsider, other_inspector):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("supervision:rectification_answer", args=[item.pk]),
                           {"text": "x"}).status_code == 404
        assert client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]),
                           {"grade_i1": "fail"}).status_code == 404
    # The outsider's own county is a unit of the same round: they see that one, as the unit.
    client.force_login(world.outsider)
    own = round_.inspections.get(unit_path=world.county_b.path)
    assert client.get(reverse("supervision:inspection", args=[own.pk])).context["access"].unit
    # A county office cannot decide its own rectification (403: visible, not allowed).
    client.force_login(world.county_officer)
    services.rectification_answer(actor=world.county_officer, item=item, text="已整改")
    assert client.post(reverse("supervision:rectification_decide", args=[item.pk]),
                       {"decision": "accept"}).status_code == 403


def test_the_report_and_the_round_summary_render_as_html_and_pdf(world, client, inspector, inspection_a, round_):
    client.force_login(inspector)
    html = client.get(reverse("supervision:inspection_report", args=[inspection_a.pk]))
    assert html.status_code == 200
    assert "鼓楼区" in html.content.decode()
    pdf = client.get(reverse("supervision:inspection_report", args=[inspection_a.pk]), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    client.force_login(world.province_officer)
    summary = client.get(reverse("supervision:round_pdf", args=[round_.pk]))
    assert summary.content.startswith(b"%PDF")
    page = client.get(reverse("supervision:round", args=[round_.pk]))
    assert [u["inspection"].unit_name for u in page.context["summary"]["units"]] == ["鼓楼区", "思明区"]
    assert page.context["summary"]["units"][0]["inspectors"] == ["省督学"]
    home = client.get(reverse("supervision:home"))
    assert home.status_code == 200
    assert round_.title in home.content.decode()

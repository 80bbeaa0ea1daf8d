import pytest
from django.urls import reverse

from tisheng.accounts.models import User
from tisheng.institutions.services import selection as svc
from tisheng.institutions.tests.conftest import apply_fully, close_window, pdf_upload
from tisheng.panels import services as panels


def test_an_institution_applies_on_its_page_and_is_told_each_step(client, call):
    client.force_login(call.staff[0])
    url = reverse("institutions:round_detail", args=[call.round.pk])
    response = client.post(reverse("institutions:application_save", args=[call.round.pk]),
                           {"statement": "我们的方案", "courses": "微课设计, 6, 初中"}, follow=True)
    assert "已保存" in response.content.decode()
    application = call.round.applications.get()
    for m in call.round.materials:
        client.post(reverse("institutions:material_upload", args=[application.pk]), {"key": m["key"], "file": pdf_upload()})
    response = client.post(reverse("institutions:application_submit", args=[application.pk]), follow=True)
    assert "已提交" in response.content.decode()
    assert "微课设计" in client.get(url).content.decode()


def test_a_bad_course_list_is_shown_again_with_the_error(client, call):
    client.force_login(call.staff[0])
    response = client.post(reverse("institutions:application_save", args=[call.round.pk]),
                           {"statement": "我们的方案", "courses": "没有学时的课程"})
    assert response.status_code == 400
    assert "没有学时的课程" in response.content.decode()
    assert "我们的方案" in response.content.decode()


def test_another_institution_cannot_read_or_change_an_application(client, call):
    application = apply_fully(call, 0)
    client.force_login(call.staff[1])
    assert client.get(reverse("institutions:application", args=[application.pk])).status_code == 404
    assert client.get(reverse("institutions:material", args=[application.files.first().pk])).status_code == 404
    assert client.post(reverse("institutions:application_submit", args=[application.pk])).status_code == 404
    page = client.get(reverse("institutions:round_detail", args=[call.round.pk])).content.decode()
    assert "十年培训经验" not in page


@pytest.mark.parametrize("who", ["outsider", "county_officer"])
def test_an_office_without_the_province_scope_gets_404_for_the_round(client, call, world, who):
    application = apply_fully(call, 0)
    client.force_login(getattr(world, who))
    assert client.get(reverse("institutions:round_detail", args=[call.round.pk])).status_code == 404
    assert client.get(reverse("institutions:application", args=[application.pk])).status_code == 404
    assert client.post(reverse("institutions:decide", args=[application.pk]),
                       {"selected": "1", "reason": "理由充分"}).status_code == 404


def test_only_an_assigned_expert_without_a_conflict_reads_the_application(client, call, world):
    application = apply_fully(call, 0)
    close_window(call)
    svc.round_review_start(actor=world.province_officer, selection=call.round)
    panel = call.round.panel
    assigned = panels.panel_expert_add(actor=world.province_officer, panel=panel, phone="13900000301", name="甲专家")
    other = panels.panel_expert_add(actor=world.province_officer, panel=panel, phone="13900000302", name="乙专家")
    item = panel.items.get()
    User.objects.filter(pk__in=[assigned.user.pk, other.user.pk]).update(must_change_password=False)
    panels.panel_assign(actor=world.province_officer, panel=panel, item=item, expert=assigned, assigned=True)
    url = reverse("institutions:application", args=[application.pk])
    client.force_login(assigned.user)
    assert client.get(url).status_code == 200
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    panels.conflict_declare(actor=assigned.user, assignment=assigned.assignments.get(), reason="曾任该机构顾问")
    client.force_login(assigned.user)
    assert client.get(url).status_code == 404


def test_the_public_result_is_readable_without_login_only_once_published(client, call):
    assert client.get(reverse("institutions:public_result", args=[call.round.pk])).status_code == 404
    assert client.get(reverse("institutions:public_result_pdf", args=[call.round.pk])).status_code == 404

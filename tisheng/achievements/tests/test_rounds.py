"""Achievement rounds: from a county round's nominations through blind expert scoring to the
published results, the certificate, the library, the teacher's record and the national workbook;
then the city round that takes the county's winners."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tisheng.accounts.models import RoleAssignment
from tisheng.achievements import services
from tisheng.achievements.certificate import render_award_pdf, verification_string
from tisheng.achievements.models import Award, RoundState
from tisheng.certificates import signing
from tisheng.core import honours
from tisheng.notifications.models import Notification
from tisheng.people.tests.factories import UserFactory
from tisheng.resources.models import EntryState, LibraryEntry

from .conftest import open_round, score_and_close


def _nominate(world, r, resource, category="k1"):
    return services.nomination_create(actor=world.principal, r=r, unit_path=world.school_a.path, category=category,
                                      resource_id=resource.pk)


def _published_county_round(world, county_round, two_resources):
    n1 = _nominate(world, county_round, two_resources[0])
    n2 = _nominate(world, county_round, two_resources[1], "k2")
    services.round_start_scoring(actor=world.county_officer, r=county_round, ends_on=timezone.localdate())
    score_and_close(world, county_round, {n1.pk: ("95", "90"), n2.pk: ("60", "50")})
    services.round_publish(actor=world.county_officer, r=county_round, awards={n1.pk: Award.FIRST, n2.pk: ""})
    n1.refresh_from_db()
    n2.refresh_from_db()
    return n1, n2


def test_a_county_round_runs_from_nominations_to_published_results(world, county_round, two_resources):
    n1, n2 = _published_county_round(world, county_round, two_resources)
    county_round.refresh_from_db()
    assert county_round.state == RoundState.PUBLISHED
    assert (n1.rank, n2.rank) == (1, 2)
    assert n1.score == pytest.approx(93)
    assert n1.award == Award.FIRST
    assert n2.award == ""
    assert n1.certificate_number.startswith(f"CG{county_round.year}-350102-")
    assert not n2.certificate_number
    # the winner enters the county's 优质资源库, published
    entry = LibraryEntry.objects.get(resource=n1.resource, library_path=world.county_a.path)
    assert entry.state == EntryState.PUBLISHED
    assert entry.via == "awarded"
    assert not LibraryEntry.objects.filter(resource=n2.resource, library_path=world.county_a.path).exists()


def test_the_nominee_is_told_and_the_award_counts_as_a_county_open_lesson_on_their_record(
        world, county_round, two_resources):
    n1, _n2 = _published_county_round(world, county_round, two_resources)
    author = n1.teacher
    assert author.user_id == world.principal.pk  # the contributor's roster row
    assert Notification.objects.filter(recipient=world.principal, title__contains=county_round.title).count() == 2
    lines = honours.honours_for(author)
    assert len(lines) == 1
    assert lines[0].counts_as == "视同县级公开课"
    assert "分数的意义" in lines[0].title


def test_the_award_certificate_is_signed_like_the_others_and_verifies(world, county_round, two_resources, client):
    n1, _n2 = _published_county_round(world, county_round, two_resources)
    verified = signing.verify_text(verification_string(n1))
    assert verified.valid
    assert verified.payload["kind"] == "award"
    assert verified.payload["t"] == n1.title
    pdf = render_award_pdf(n1)
    assert pdf.startswith(b"%PDF")
    client.force_login(world.principal)
    response = client.get(reverse("achievements:certificate", args=[n1.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    client.force_login(world.outsider)
    assert client.get(reverse("achievements:certificate", args=[n1.pk])).status_code == 404


def test_the_winners_workbook_has_the_fields_national_activities_ask_for(world, county_round, two_resources, client):
    n1, _n2 = _published_county_round(world, county_round, two_resources)
    client.force_login(world.county_officer)
    response = client.get(reverse("achievements:export", args=[county_round.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    for field in ("成果名称", "学段", "学科", "作者姓名", "工作单位", "获奖等级", "证书编号"):
        assert field in header
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["成果名称"] == n1.title
    assert row["获奖等级"] == str(Award.FIRST.label)
    assert row["所属县（市、区）"] == "鼓楼区"
    assert row["所属市"] == "福州市"
    assert "*" in row["身份证号（脱敏）"]
    client.force_login(world.outsider)
    assert client.get(reverse("achievements:export", args=[county_round.pk])).status_code == 404


def test_a_unit_cannot_nominate_beyond_its_quota_or_outside_the_window(world, two_resources):
    r = open_round(world, quota=1)
    _nominate(world, r, two_resources[0])
    with pytest.raises(ValidationError) as exc:
        _nominate(world, r, two_resources[1])
    assert exc.value.code == "quota_reached"
    r.nominate_from = r.nominate_until = timezone.localdate() - dt.timedelta(days=1)
    r.quota = 5
    r.save()
    with pytest.raises(ValidationError) as exc:
        _nominate(world, r, two_resources[1])
    assert exc.value.code == "window_closed"


def test_only_the_school_itself_nominates_and_only_its_own_resources(world, county_round, two_resources):
    with pytest.raises(Exception):  # noqa: B017, PT011 (PermissionDenied: the county office is not a school)
        services.nomination_create(actor=world.county_officer, r=county_round, unit_path=world.school_a.path,
                                   category="k1", resource_id=two_resources[0].pk)
    other = UserFactory(name="实验幼儿园管理员", phone="13700000099")
    RoleAssignment.objects.create(user=other, role="school_admin", school=world.school_a2)
    with pytest.raises(ValidationError) as exc:
        services.nomination_create(actor=other, r=county_round, unit_path=world.school_a2.path, category="k1",
                                   resource_id=two_resources[0].pk)
    assert exc.value.code == "not_a_candidate"


def test_experts_read_a_nomination_blind_and_others_get_404(world, county_round, two_resources, client):
    n1 = _nominate(world, county_round, two_resources[0])
    services.round_start_scoring(actor=world.county_officer, r=county_round, ends_on=timezone.localdate())
    county_round.refresh_from_db()
    from tisheng.panels import services as panels

    expert = panels.panel_expert_add(actor=world.county_officer, panel=county_round.panel, phone="13900000302",
                                     name="吴专家")
    expert.user.must_change_password = False
    expert.user.save(update_fields=["must_change_password"])
    url = reverse("achievements:item", args=[n1.pk])
    client.force_login(expert.user)
    assert client.get(url).status_code == 404  # not assigned yet
    panels.panel_assign_all(actor=world.county_officer, panel=county_round.panel)
    page = client.get(url).content.decode()
    assert n1.title in page
    assert world.school_a.name not in page
    assert world.principal.name not in page
    file_id = n1.resource.files.get().pk
    download = client.get(reverse("achievements:item_file", args=[n1.pk, file_id]))
    assert download.status_code == 200
    assert "教学设计" not in download["Content-Disposition"]
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("achievements:round", args=[county_round.pk])).status_code == 404


def test_the_city_round_takes_the_county_winners(world, county_round, two_resources, client):
    n1, n2 = _published_county_round(world, county_round, two_resources)
    city_officer = UserFactory(name="福州市工程办", phone="13700000011")
    RoleAssignment.objects.create(user=city_officer, role="city_office", region=world.city_a)
    city = open_round(world, region=world.city_a, actor=city_officer, title="2026年福州市优秀应用成果评选")
    assert list(services.candidate_winners(city, world.county_a.path)) == [n1]
    promoted = services.nomination_create(actor=world.county_officer, r=city, unit_path=world.county_a.path,
                                          category="k1", winner_id=n1.pk)
    assert promoted.source == n1
    assert promoted.resource == n1.resource
    assert promoted.teacher == n1.teacher
    with pytest.raises(ValidationError) as exc:
        services.nomination_create(actor=world.county_officer, r=city, unit_path=world.county_a.path,
                                   category="k1", winner_id=n2.pk)  # not a winner
    assert exc.value.code == "not_a_candidate"
    client.force_login(world.county_officer)
    page = client.get(reverse("achievements:round", args=[city.pk])).content.decode()
    assert n1.title in page
    client.force_login(world.outsider)
    assert client.get(reverse("achievements:round", args=[city.pk])).status_code == 404


def test_the_round_form_refuses_a_bad_rubric_and_keeps_what_was_typed(world, client):
    client.force_login(world.county_officer)
    response = client.post(reverse("achievements:new"), {
        "region": world.county_a.pk, "title": "鼓楼区评选", "year": "2026", "categories": "课例",
        "rubric": "设计, 0, 100", "from": "2026-01-01", "until": "2026-02-01", "quota": "3", "description": "通知正文"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "通知正文" in page
    assert "鼓楼区评选" in page
    assert 'data-testid="form-errors"' in page


def test_publishing_needs_a_closed_panel_and_at_least_one_award(world, county_round, two_resources):
    n1 = _nominate(world, county_round, two_resources[0])
    with pytest.raises(ValidationError) as exc:
        services.round_publish(actor=world.county_officer, r=county_round, awards={n1.pk: Award.FIRST})
    assert exc.value.code == "not_scoring"
    services.round_start_scoring(actor=world.county_officer, r=county_round, ends_on=timezone.localdate())
    score_and_close(world, county_round, {n1.pk: ("80", "80")})
    with pytest.raises(ValidationError) as exc:
        services.round_publish(actor=world.county_officer, r=county_round, awards={n1.pk: ""})
    assert exc.value.code == "no_winners"
    with pytest.raises(ValidationError) as exc:
        services.round_publish(actor=world.county_officer, r=county_round, awards={n1.pk: "gold"})
    assert exc.value.code == "bad_award"


def test_the_award_shows_on_the_teachers_registry_page(world, county_round, two_resources, client):
    _published_county_round(world, county_round, two_resources)
    client.force_login(world.principal)  # the principal is also the first author (their roster row)
    page = client.get(reverse("ledger:my_registry")).content.decode()
    assert 'data-testid="honours"' in page
    assert "视同县级公开课" in page
    client.force_login(world.teachers_a[0].user)
    assert 'data-testid="honours"' not in client.get(reverse("ledger:my_registry")).content.decode()


def test_anyone_who_scans_the_award_certificate_reaches_its_facts_on_the_public_verify_page(
        world, county_round, two_resources, client):
    n1, _n2 = _published_county_round(world, county_round, two_resources)

    response = client.get(n1.verify_url.removeprefix(settings.SITE_URL))

    assert response.status_code == 200
    page = response.content.decode()
    for fact in (n1.certificate_number, n1.title, n1.get_award_display(), county_round.title):
        assert fact in page
    assert 'data-testid="status"' in page
    assert response["X-Robots-Tag"] == "noindex"
    wrong = client.get(f"/verify/{n1.certificate_number}/{'2' * len(n1.verify_code)}")
    assert wrong.status_code == 404  # a wrong code is an unknown certificate, as for the others

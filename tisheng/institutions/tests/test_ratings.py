"""Teachers rate the courses they finished; the institution sees totals and anonymised comments."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from tisheng.institutions.models import CourseRating
from tisheng.institutions.services import ratings as svc
from tisheng.institutions.services.evaluation import period_open
from tisheng.people.tests.factories import TeacherFactory

STARS = {"content": "5", "usefulness": "4", "platform": "3", "service": "4"}


def rate(teacher, course, comment="讲得很实用", **stars):
    return svc.rating_save(actor=teacher.user, course_pk=course.pk, values={**STARS, **stars}, comment=comment)


def test_a_teacher_rates_a_finished_course_once_and_saving_again_edits_it(served):
    teacher = served.teachers[0]
    rating, created = rate(teacher, served.course_a)
    assert created
    assert rating.institution == served.inst_a
    assert rating.org_path == teacher.org_path
    again, created = rate(teacher, served.course_a, comment="改一下", content="2")
    assert not created
    assert again.pk == rating.pk
    assert CourseRating.objects.filter(teacher=teacher).count() == 1
    assert CourseRating.objects.get().content == 2


def test_a_course_not_finished_cannot_be_rated(served):
    with pytest.raises(Http404):
        rate(served.teachers[0], served.course_b)  # selected, not finished
    with pytest.raises(Http404):
        rate(served.teachers[2], served.course_a)


def test_every_dimension_needs_one_to_five_stars(served):
    with pytest.raises(ValidationError) as exc:
        rate(served.teachers[0], served.course_a, platform="6")
    assert exc.value.code == "rating_invalid"
    assert not CourseRating.objects.exists()


def test_the_database_keeps_one_rating_per_teacher_and_course(served):
    rating, _ = rate(served.teachers[0], served.course_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseRating.objects.create(teacher=rating.teacher, course=rating.course, institution=served.inst_a,
                                    program=served.program, org_path="x", content=1, usefulness=1, platform=1,
                                    service=1)


def test_the_teacher_is_invited_to_rate_and_the_page_says_the_rating_is_saved(client, served):
    client.force_login(served.teachers[0].user)
    page = client.get(reverse("institutions:ratings"))
    assert page.status_code == 200
    html = page.content.decode()
    assert served.course_a.title in html
    assert served.course_b.title not in html
    assert reverse("institutions:rating", args=[served.course_a.pk]) in html
    response = client.post(reverse("institutions:rating", args=[served.course_a.pk]),
                           {**STARS, "comment": "案例丰富"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("institutions:ratings")
    assert "感谢" in response.content.decode() or "Thank you" in response.content.decode()
    assert CourseRating.objects.get().comment == "案例丰富"


def test_a_rating_with_a_missing_dimension_is_refused_and_the_comment_kept(client, served):
    client.force_login(served.teachers[0].user)
    response = client.post(reverse("institutions:rating", args=[served.course_a.pk]),
                           {"content": "5", "comment": "写了很长的意见"})
    assert response.status_code == 400
    assert "写了很长的意见" in response.content.decode()
    assert not CourseRating.objects.exists()


def test_someone_of_another_county_gets_404_on_the_rating_pages(client, world, served):
    client.force_login(world.outsider)
    assert client.get(reverse("institutions:ratings")).status_code == 404
    assert client.get(reverse("institutions:rating", args=[served.course_a.pk])).status_code == 404
    client.force_login(world.teacher_b.user)
    assert client.get(reverse("institutions:rating", args=[served.course_a.pk])).status_code == 404


def _period(world):
    import datetime as dt

    from django.utils import timezone

    return period_open(actor=world.province_officer, region=world.province, year=timezone.localdate().year,
                       ends_on=timezone.localdate() + dt.timedelta(days=30))


def test_the_institution_sees_totals_and_no_name_and_a_small_countys_comments_are_withheld(client, world, served):
    rate(served.teachers[0], served.course_a, comment="林老师觉得案例太少")
    rate(served.teachers[1], served.course_a, comment="")
    period = _period(world)
    client.force_login(served.staff_a)
    html = client.get(reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
                      ).content.decode()
    assert "2 条评价" in html or "2 ratings" in html
    assert "林老师觉得案例太少" not in html
    assert served.teachers[0].name not in html
    assert 'data-testid="withheld"' in html


def test_comments_of_a_county_with_five_ratings_show_without_teacher_or_school(client, world, served):
    from tisheng.ledger.services import ledger_credit

    extra = [TeacherFactory(school=world.school_a) for _ in range(4)]
    for t in extra:
        ledger_credit(teacher=t, program=served.program, category="online", hours="10", source_kind="course",
                      source_id=str(served.course_a.pk), granted_by_system="playback")
        rate(t, served.course_a, comment=f"{t.name}的意见", content="1", usefulness="1", platform="2", service="2")
    rate(served.teachers[0], served.course_a, comment="视频清晰")
    period = _period(world)
    client.force_login(served.staff_a)
    html = client.get(reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
                      ).content.decode()
    assert "视频清晰" in html
    assert world.city_a.name in html
    assert world.school_a.name not in html
    assert served.teachers[0].name not in html
    assert 'data-testid="withheld"' not in html


def test_rating_comments_withholds_a_small_countys_comments_in_one_grouped_read(world, served,
                                                                                 django_assert_max_num_queries):
    """County A has five ratings (one without a comment): its four comments show, newest first.
    County B has three (two with comments): both are withheld and counted, never shown. Ratings
    of another year count for nothing. Two reads of the ratings and one of the cities."""
    import datetime as dt

    from django.utils import timezone

    from tisheng.institutions import selectors

    now = timezone.now()

    def rating(school, comment, when=now):
        t = TeacherFactory(school=school)
        return CourseRating.objects.create(teacher=t, course=served.course_a, institution=served.inst_a,
                                           program=served.program, org_path=t.org_path, content=3, usefulness=4,
                                           platform=4, service=5, comment=comment, updated_at=when)

    shown = [rating(world.school_a, f"鼓楼第{i}条") for i in range(4)]
    rating(world.school_a2, "")  # the county's fifth rating, from another school in it
    rating(world.school_b, "思明第1条")
    rating(world.school_b, "思明第2条")
    rating(world.school_b, "")
    rating(world.school_b, "去年的意见", when=now - dt.timedelta(days=400))
    with django_assert_max_num_queries(3):
        comments, withheld = selectors.rating_comments(institution=served.inst_a, year=timezone.localdate().year,
                                                       scope_paths=None)
    assert [c["comment"] for c in comments] == [r.comment for r in reversed(shown)]
    assert {c["city"] for c in comments} == {world.city_a.name}
    assert withheld == 2
    assert all("teacher" not in c and "school" not in c for c in comments)
    # Scoped to county B alone, nothing shows and its two comments are withheld.
    comments, withheld = selectors.rating_comments(institution=served.inst_a, year=timezone.localdate().year,
                                                   scope_paths=[world.county_b.path])
    assert (comments, withheld) == ([], 2)

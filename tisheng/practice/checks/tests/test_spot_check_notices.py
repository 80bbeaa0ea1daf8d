"""A spot check that reverses a point tells its teacher, with the reviewer's reason; a school
returned past the threshold tells each teacher whose points went back; a reviewer assigned items
is told how many."""

from decimal import Decimal

from django.urls import reverse

from tisheng.notifications.models import Kind, Notification
from tisheng.practice.checks import services

from . import test_spot_check_services as base

county_results = base.county_results  # the fixture, shared
_drawn_and_assigned = base._drawn_and_assigned


def test_a_failed_check_tells_the_teacher_why_their_point_was_reversed(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer, fail_threshold=Decimal("0.9"))
    item = check.items.filter(school=world.school_a).select_related("result__teacher", "result__point").first()
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="failed", reason="反思与课例无关")
    notes = list(Notification.objects.exclude(recipient=reviewer))  # the reviewer was told of the assignment
    assert len(notes) == 1
    note = notes[0]
    assert note.recipient_id == item.result.teacher.user_id
    assert note.kind == Kind.SPOT_CHECK_REVERSED
    assert note.title == f"抽检未通过，实践成果被退回：{item.result.point.code}"
    assert "反思与课例无关" in note.body
    assert "实践学时已撤销" in note.body


def test_a_confirmed_check_tells_no_one(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    services.spot_check_item_decide(actor=reviewer, item=check.items.first(), outcome="confirmed")
    assert not Notification.objects.exclude(recipient=reviewer).exists()  # beyond the reviewer's assignment


def test_a_school_returned_past_the_threshold_tells_every_teacher_of_each_point(world, practice, county_results,
                                                                                 reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)  # 30 %: one failure returns school A
    item = check.items.filter(school=world.school_a).first()
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="failed", reason="材料雷同")
    notes = Notification.objects.filter(kind=Kind.SPOT_CHECK_REVERSED)
    assert notes.count() == 24  # 12 teachers × 2 points
    assert notes.values("recipient").distinct().count() == 12
    assert notes.filter(body__contains="全部考核结果退回重新考核").count() == 23


def test_a_reviewer_assigned_items_is_told_how_many_and_where_to_review_them(world, practice, county_results,
                                                                             reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    note = Notification.objects.get(recipient=reviewer)
    assert note.title == f"待复核的抽检项目：{check.items.count()} 项"
    assert note.url == reverse("practice:checks_review_list")

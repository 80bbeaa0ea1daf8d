"""The demo's evaluation and exit (issue 14, items 2 and 3), through the services the pages use:

- six teachers of the demo school finished 《技术支持的学情分析》 of INST-FJNU (their selections
  dated three weeks back); five of them rated it, so 鼓楼区 has enough ratings for its comments
  to show; the first of them (login 13800000018, the demo password) has not rated it yet, so
  「评价课程」 invites them;
- this year's evaluation period with the default weights; its expert panel (the three demo
  experts) scored and closed; a third-party report by the demo evaluator (13800000009);
- INST-JMU suspended in the whole province from today, with teachers of another city who had
  its course unfinished (told, and offered the other institutions' courses); the first of them
  logs in as 13800000019 with the demo password.

The demo teacher (13800000008) is left alone: other demos count on their empty record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import User
from tisheng.institutions.models import EvaluationPeriod
from tisheng.institutions.seed import DEMO_PASSWORD, EXPERTS
from tisheng.institutions.services import evaluation, ratings
from tisheng.institutions.services import exit as exits
from tisheng.learning import services as learning
from tisheng.learning.models import Course, CourseSelection
from tisheng.learning.selectors import catalogue_for_teacher
from tisheng.ledger.services import ledger_credit
from tisheng.orgs.models import Organization, Region
from tisheng.panels import services as panels
from tisheng.people.models import Teacher
from tisheng.practice.services.evidence import small_pdf
from tisheng.programs.models import Program

RATER_PHONE = "13800000018"
TOLD_PHONE = "13800000019"  # a teacher with INST-JMU's course unfinished when it was suspended
DEMO_TEACHER_PHONE = "13800000008"
COMMENTS = ("案例贴近课堂，学完就能用。", "视频清晰，但第三讲的数据表格看不清。", "", "讲解到位，希望多一些初中的例子。",
            "平台晚上经常卡顿，客服回复慢。")
STARS = ((5, 5, 4, 4), (4, 4, 3, 4), (5, 4, 5, 5), (4, 5, 4, 3), (2, 2, 1, 2))


@transaction.atomic
def institutions_evaluation_seed_demo(school_code: str) -> str:
    office = User.objects.filter(phone="13800000001").first()
    province = Region.objects.filter(level="province").order_by("path").first()
    program = Program.objects.filter(status="active").order_by("-start_date").first()
    course = Course.objects.filter(program=program, institution__code="INST-FJNU").order_by("code").first()
    if office is None or province is None or course is None or EvaluationPeriod.objects.exists():
        return "skipped"
    finishers = list(Teacher.objects.filter(school__code=school_code, course_selections__course=course)
                     .exclude(user__phone=DEMO_TEACHER_PHONE).select_related("user").order_by("pk")[:6])
    CourseSelection.objects.filter(course=course, teacher__in=finishers).update(
        selected_at=timezone.now() - dt.timedelta(days=21))
    for n, teacher in enumerate(finishers):
        ledger_credit(teacher=teacher, program=program, category="online", hours=Decimal(course.hours),
                      source_kind="course", source_id=str(course.pk), granted_by_system="playback",
                      at=timezone.now() - dt.timedelta(days=14 - n))
    for teacher, comment, stars in zip(finishers[1:], COMMENTS, STARS, strict=False):
        ratings.rating_save(actor=teacher.user, course_pk=course.pk, comment=comment,
                            values=dict(zip(("content", "usefulness", "platform", "service"), map(str, stars),
                                            strict=True)))
    if finishers and finishers[0].user_id:
        rater = finishers[0].user
        rater.phone, rater.password, rater.must_change_password = RATER_PHONE, make_password(DEMO_PASSWORD), False
        rater.save(update_fields=["phone", "password", "must_change_password"])
        Teacher.objects.filter(pk=finishers[0].pk).update(phone=RATER_PHONE)

    period = evaluation.period_open(actor=office, region=province, year=today().year,
                                    ends_on=today() + dt.timedelta(days=30))
    members = [panels.panel_expert_add(actor=office, panel=period.panel, phone=phone, name=name, affiliation=aff)
               for phone, name, aff in EXPERTS]
    panels.panel_assign_all(actor=office, panel=period.panel)
    for e, spread in zip(members, (0, 4, -3), strict=True):
        for n, a in enumerate(e.assignments.select_related("item").order_by("item__title")):
            base = 86 - 3 * n + spread
            panels.scores_submit(actor=e.user, assignment=a, comment="资源体系完整，学习支持及时。",
                                 values={c["key"]: str(max(50, min(100, base)))
                                         for c in period.panel.rubric["criteria"]})
    panels.panel_close(actor=office, panel=period.panel)
    evaluator = User.objects.filter(phone="13800000009").first()
    fjnu = Organization.objects.filter(code="INST-FJNU").first()
    if evaluator is not None and fjnu is not None:
        evaluation.third_party_submit(actor=evaluator, period=period, institution=fjnu, score="87.5",
                                      summary="抽样访谈 40 名参训教师，课程满意度高，平台稳定性有待提升。",
                                      upload=SimpleUploadedFile("第三方评估报告.pdf", small_pdf("第三方评估报告"),
                                                                content_type="application/pdf"))
    last = _last_year_published(office, province)
    return (f"{len(finishers)} finished, {len(finishers[1:6])} ratings, evaluation {period.year}, {last}; "
            f"{_exit_seed(office, province, program)}")


def _last_year_published(office: User, province: Region) -> str:
    """Last year's evaluation, scored by the expert panel alone and published, so its ranking
    shows in the bulletins (this year's stays open for the pages' demos)."""
    period = evaluation.period_open(actor=office, region=province, year=today().year - 1,
                                    ends_on=today() + dt.timedelta(days=30))
    members = [panels.panel_expert_add(actor=office, panel=period.panel, phone=phone, affiliation=aff)
               for phone, _name, aff in EXPERTS]
    panels.panel_assign_all(actor=office, panel=period.panel)
    for e, spread in zip(members, (0, 2, -2), strict=True):
        for n, a in enumerate(e.assignments.select_related("item").order_by("item__title")):
            panels.scores_submit(actor=e.user, assignment=a, comment="",
                                 values={c["key"]: str(max(50, min(100, 90 - 4 * n + spread)))
                                         for c in period.panel.rubric["criteria"]})
    panels.panel_close(actor=office, panel=period.panel)
    evaluation.weights_set(actor=office, period=period, weights={"expert": "100"})
    rows = evaluation.ranking_publish(actor=office, period=period)
    return f"{period.year} published ({len(rows)} ranked)"


def _exit_seed(office: User, province: Region, program: Program) -> str:
    jmu = Organization.objects.filter(code="INST-JMU").first()
    if jmu is None:
        return "no exit"
    courses = list(Course.objects.filter(program=program, institution=jmu).order_by("code")[:1])
    picked = 0
    for teacher in (Teacher.objects.filter(enrollments__program=program, user__isnull=False)
                    .exclude(org_path__startswith="35/3501/").select_related("user").order_by("pk")[:40]):
        if picked >= 5 or not courses:
            break
        if catalogue_for_teacher(teacher, program).filter(pk=courses[0].pk).exists():
            try:
                learning.selection_add(actor=teacher.user, teacher=teacher, program=program, course=courses[0])
            except ValidationError:  # e.g. the diagnostic test not taken yet
                continue
            if not picked:  # the teacher the demo logs in as to see what the suspension means for them
                told = teacher.user
                told.phone, told.password, told.must_change_password = TOLD_PHONE, make_password(DEMO_PASSWORD), False
                told.save(update_fields=["phone", "password", "must_change_password"])
                Teacher.objects.filter(pk=teacher.pk).update(phone=TOLD_PHONE)
            picked += 1
    decision = exits.exit_decide(actor=office, province=province, institution=jmu, kind="suspend", regions=[],
                                 reason="年度考评课程完成率偏低，整改期间暂停承训", effective_on=today())
    # Applied here rather than by a worker, so the demo's teacher has the notice once seeded (the
    # queued job then finds it applied and does nothing).
    told = exits.exit_apply(decision, actor=office)
    return f"{jmu.name} suspended ({told} teachers told)"

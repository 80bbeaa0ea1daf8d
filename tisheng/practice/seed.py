"""The demo of school-based practice, through the real services: the demo school's plan
(submitted by the principal, approved by the county), its management team, teachers who
chose points and submitted evidence (small generated .docx/.pdf and a 3-second clip), self
and peer reviews, and the team's grades with some results decided (passes credit hours)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.orgs.models import School
from tisheng.people.models import Teacher
from tisheng.practice import selectors, services
from tisheng.practice.models import Grade, PointChoice, Submission
from tisheng.practice.services.evidence import small_docx, small_pdf, submissions_extract_pending

DEMO_CLIP = Path(__file__).resolve().parent / "data" / "demo_clip.mp4"
DEMO_TEACHERS = 8
# (points, team grade per item or None to leave ungraded, recommend) per seeded teacher.
DEMO_PLANS = [
    (["A1", "A5", "A10"], Grade.EXCELLENT, True),
    (["A1", "A6", "A11"], Grade.PASS, False),
    (["A3", "A7", "A12"], Grade.PASS, False),
    (["A2", "A5", "A13"], None, False),
    (["A4", "A8", "A10"], Grade.FAIL, False),
    (["A1", "A9", "A11"], None, False),
]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082")
REFLECTION = ("本节课在导入环节使用希沃白板呈现情境图片，学生的兴趣明显提高；"
              "讲授环节借助动画分解难点，但个别学生跟不上节奏，下次应增加停顿与提问。")


def _user(role: str, school: School | None = None, region_code: str | None = None):
    q = RoleAssignment.objects.filter(role=role)
    q = q.filter(school=school) if school is not None else q.filter(region__code=region_code)
    assignment = q.select_related("user").order_by("pk").first()
    return assignment.user if assignment else None


def _file_for(task, teacher: Teacher, n: int) -> SimpleUploadedFile:
    if "video" in task.kinds:
        return SimpleUploadedFile("课堂实录片段.mp4", DEMO_CLIP.read_bytes())
    if "document" in task.kinds:
        if n % 2:
            return SimpleUploadedFile(f"{task.title}.pdf", small_pdf(task.title))
        text = f"{teacher.name}的{task.title}\n{REFLECTION}\n（{teacher.subject}，第 {n} 份）"
        return SimpleUploadedFile(f"{task.title}.docx", small_docx(text))
    if "slides" in task.kinds:
        return SimpleUploadedFile(f"{task.title}.pdf", small_pdf(task.title))
    return SimpleUploadedFile("截图.png", PNG)


def practice_seed_demo(*, school_code: str) -> dict[str, int]:
    """Returns counts of what it made (plans, choices, submissions, results)."""
    services.catalogue_load()
    programs = selectors.practice_programs()
    school = School.objects.filter(code=school_code).first()
    if not programs or school is None:
        return {}
    program = programs[0]
    principal = _user(Role.SCHOOL_ADMIN, school=school)
    assessor = _user(Role.SCHOOL_ASSESSOR, school=school)
    county = _user(Role.COUNTY_OFFICE, region_code=school.county.code)
    if principal is None or county is None:
        return {}
    plan = services.plan_save(
        actor=principal, school=school, program=program,
        goals="三年内全体教师信息技术应用能力达标，多媒体课堂常态化应用，形成一批优秀课例。",
        environment="A", research_topics=["技术支持的课堂导入与讲授", "评价数据的伴随性采集"],
        training_schedule=[{"date": "2025-03-05", "title": "能力点解读与选点指导", "kind": "专题讲座"},
                           {"date": "2025-04-16", "title": "希沃白板课堂应用工作坊", "kind": "校本研修"},
                           {"date": "2025-05-21", "title": "优秀课例展示与互评", "kind": "观摩研讨"}])
    services.plan_submit(actor=principal, plan=plan)
    services.plan_decide(actor=county, plan=plan, approve=True, comments="规划目标明确，同意实施。")

    teachers = list(Teacher.objects.filter(school=school, status="active", user__isnull=False)
                    .select_related("user").order_by("pk")[:DEMO_TEACHERS])
    services.team_member_add(actor=principal, school=school, program=program, user=principal, role="principal")
    if len(teachers) > DEMO_TEACHERS - 1:
        services.team_member_add(actor=principal, school=school, program=program, user=teachers[-1].user, role="cio")
    if assessor is not None:
        services.team_member_add(actor=principal, school=school, program=program, user=assessor, role="assessor")
    grader = assessor or principal

    # The first teacher is the demo login: chosen points and one submitted item, the rest left to do.
    counts = {"plans": 1, "choices": 0, "submissions": 0, "results": 0}
    demo = teachers[0] if teachers else None
    if demo is not None:
        services.choices_save(actor=demo.user, teacher=demo, program=program, point_codes=["A1", "A5", "A10"])
        task = PointChoice.objects.get(program=program, teacher=demo, point__code="A1").point_version.tasks.first()
        services.submission_upload(actor=demo.user, teacher=demo, program=program, task=task,
                                   upload=_file_for(task, demo, 0))
        counts["choices"] += 3
        counts["submissions"] += 1
    for n, (teacher, (codes, _grade, _recommend)) in enumerate(zip(teachers[1:], DEMO_PLANS, strict=False), start=1):
        services.choices_save(actor=teacher.user, teacher=teacher, program=program, point_codes=codes)
        counts["choices"] += len(codes)
        for code in codes:
            choice = PointChoice.objects.select_related("point", "point_version").get(
                program=program, teacher=teacher, point__code=code)
            for task in choice.point_version.tasks.all():
                s = services.submission_upload(actor=teacher.user, teacher=teacher, program=program, task=task,
                                               upload=_file_for(task, teacher, n))
                services.review_self(actor=teacher.user, submission=s, grade=Grade.PASS, comment="已按提交指南完成。")
                counts["submissions"] += 1
    # What the extraction job would do once a worker runs: the similarity demo needs the texts now.
    submissions_extract_pending()
    services.peer_assign_school(actor=principal, program=program, school=school)
    for teacher, (codes, grade, recommend) in zip(teachers[1:], DEMO_PLANS, strict=False):
        if grade is None:
            continue
        for code in codes[:2]:  # the third point of each stays in the team's queue
            current = Submission.objects.filter(program=program, teacher=teacher, is_current=True,
                                                task__point_version__point__code=code).order_by("task__order")
            for s in current:
                services.review_team(actor=grader, submission=s, grade=grade,
                                     comment="对照评价标准评定。" if grade != Grade.FAIL else "课堂实录与教学设计不符，未体现技术应用。")
            point = PointChoice.objects.get(program=program, teacher=teacher, point__code=code).point
            services.point_result_decide(actor=grader, program=program, teacher=teacher, point=point,
                                         recommended=recommend)
            counts["results"] += 1
    return counts

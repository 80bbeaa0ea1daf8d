"""The demo's institutions: a finished selection round of the 1.0 program with six applicants
and three experts (scored, closed, decided with reasons and published; the selected become the
program's contracted institutions), and a round of the 2.0 program under expert review, where
the demo expert (13814000001, 郑文华) has two applications still to score. Everything goes through the
services the pages use; the experts' accounts share one password hash (the demo password)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import RoleAssignment, User
from tisheng.core.seed.accounts import DEMO_INSTITUTION_CODE
from tisheng.institutions.models import SelectionRound
from tisheng.institutions.services import selection as svc
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.services import organization_ensure
from tisheng.panels import services as panels
from tisheng.practice.services.evidence import small_pdf
from tisheng.programs.models import Program

DEMO_PASSWORD = "Demo@2026"
EXPERTS = (("13814000001", "郑文华", "福建师范大学教育学院"), ("13814000002", "吴建平", "福建省电化教育馆"),
           ("13814000003", "周丽娟", "厦门大学教育研究院"))
EXTRA_INSTITUTIONS = (("INST-HXJY", "海峡教师发展研究院"), ("INST-FZZH", "福州智慧教育科技有限公司"))
RUBRIC = {"criteria": [
    {"key": "c1", "label": "课程资源符合能力标准和课程标准", "weight": 30, "max": 100},
    {"key": "c2", "label": "学段学科覆盖", "weight": 20, "max": 100},
    {"key": "c3", "label": "平台能力与 xAPI 对接", "weight": 20, "max": 100},
    {"key": "c4", "label": "服务团队", "weight": 15, "max": 100},
    {"key": "c5", "label": "报价", "weight": 15, "max": 100}]}
MATERIALS = "机构资质证明\n课程资源说明\n平台技术方案"
COURSES = "信息技术支持的学情分析, 10, 小学、初中\n微课设计与制作, 8, 小学、初中、高中\n数字化教学资源应用, 12, 全学段"
# Per institution: the experts' base score (ordered as they will rank) and a spread per expert.
QUALITY = (88, 85, 82, 79, 74, 62)
SPREAD = (0, 3, -2)


def _staff(org: Organization, n: int) -> User:
    """A staff account of the institution (no login password: the demo logs in as 13800000005)."""
    grant = RoleAssignment.objects.filter(role="institution", organization=org).select_related("user").first()
    if grant:
        return grant.user
    user = User(phone=f"138140001{n:02d}", name=f"{org.name}联络人")
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role="institution", organization=org)
    return user


def _experts() -> list[User]:
    encoded = make_password(DEMO_PASSWORD)
    users = []
    for phone, name, _affiliation in EXPERTS:
        user = User.objects.filter(phone=phone).first() or User(phone=phone, name=name)
        user.password, user.must_change_password = encoded, False
        user.save()
        users.append(user)
    return users


def _apply(selection: SelectionRound, staff: User, n: int):
    application = svc.application_save(actor=staff, selection=selection, statement="承担过多轮省级教师培训，课程资源覆盖全学段。",
                                       courses_text=COURSES)
    for m in selection.materials:
        svc.material_upload(actor=staff, application=application, key=m["key"], upload=SimpleUploadedFile(
            f"{m['label']}.pdf", small_pdf(m["label"]), content_type="application/pdf"))
    return svc.application_submit(actor=staff, application=application)


def _close_window(selection: SelectionRound, days_ago: int) -> None:
    closes = today() - dt.timedelta(days=days_ago)
    SelectionRound.objects.filter(pk=selection.pk).update(opens_on=closes - dt.timedelta(days=30), closes_on=closes)
    selection.refresh_from_db()


def _panel_experts(office: User, selection: SelectionRound, experts: list[User]) -> list:
    return [panels.panel_expert_add(actor=office, panel=selection.panel, phone=u.phone, affiliation=aff)
            for u, (_p, _n, aff) in zip(experts, EXPERTS, strict=True)]


@transaction.atomic
def institutions_seed_demo() -> str:
    office = User.objects.filter(phone="13800000001").first()
    province = Region.objects.filter(level="province").order_by("path").first()
    p1 = Program.objects.filter(code="fujian-2015").first()
    p2 = Program.objects.filter(code="tisheng-2").first()
    if office is None or province is None or p1 is None or p2 is None or SelectionRound.objects.exists():
        return "skipped"
    for code, name in EXTRA_INSTITUTIONS:
        organization_ensure(code=code, name=name, kind="institution", region=province)
    # The demo institution (13800000005's) first, so its application is the round's first.
    orgs = list(Organization.objects.filter(kind="institution", code=DEMO_INSTITUTION_CODE)) + list(
        Organization.objects.filter(kind="institution").exclude(code=DEMO_INSTITUTION_CODE).order_by("code"))
    orgs = orgs[:6]
    staff = [_staff(org, n) for n, org in enumerate(orgs)]
    experts = _experts()

    # The finished round (1.0): six applicants, three experts, five selected.
    finished = svc.round_create(actor=office, program=p1, region=province, title="2015年度承训机构遴选",
                                rubric=RUBRIC, opens_on=today(), closes_on=today(),
                                review_ends_on=today() + dt.timedelta(days=30),
                                materials=svc.materials_from_lines(MATERIALS), select_min=5, select_max=7)
    applications = [_apply(finished, s, n) for n, s in enumerate(staff)]
    _close_window(finished, 20)
    svc.round_review_start(actor=office, selection=finished)
    members = _panel_experts(office, finished, experts)
    panels.panel_assign_all(actor=office, panel=finished.panel)
    # The third expert advised the last applicant: declared, not scored.
    for e, spread in zip(members, SPREAD, strict=True):
        for a in e.assignments.select_related("item"):
            n = next(i for i, app in enumerate(applications) if a.item.key == f"application:{app.pk}")
            if e is members[2] and n == 5:
                panels.conflict_declare(actor=e.user, assignment=a, reason="近三年担任该机构课程顾问")
                continue
            base = QUALITY[n] + spread
            # One expert far off on one criterion, so the results show an outlier.
            values = {c["key"]: str(min(100, base - 40 if (e is members[1] and n == 2 and c["key"] == "c3") else base))
                      for c in RUBRIC["criteria"]}
            panels.scores_submit(actor=e.user, assignment=a, values=values, comment="材料齐全，课程体系完整。")
    panels.panel_close(actor=office, panel=finished.panel)
    finished.refresh_from_db()
    for n, a in enumerate(applications):
        selected = n < 5
        svc.application_decide(actor=office, application=a, selected=selected,
                               reason=f"专家评审排名第{n + 1}，{'材料齐全、课程覆盖全学段' if selected else '平台未通过 xAPI 对接测试'}")
    svc.round_publish(actor=office, selection=finished)

    # A 2.0 round under review: the demo expert has two applications to score.
    reviewing = svc.round_create(actor=office, program=p2, region=province, title="2026年度承训机构补充遴选",
                                 rubric=RUBRIC, opens_on=today(), closes_on=today(),
                                 review_ends_on=today() + dt.timedelta(days=30),
                                 materials=svc.materials_from_lines(MATERIALS), select_min=1, select_max=2)
    for n in (4, 5):
        _apply(reviewing, staff[n], n)
    _close_window(reviewing, 2)
    svc.round_review_start(actor=office, selection=reviewing)
    _panel_experts(office, reviewing, experts)
    panels.panel_assign_all(actor=office, panel=reviewing.panel)
    _registration_waiting()
    return (f"a finished round of {len(applications)} applicants (5 selected), a round under review, "
            "a new institution's registration to check")


def _registration_waiting() -> None:
    """A new institution's registration waiting in the province's queue (its contact would sign
    in as 13814000021 with the demo password once approved)."""
    from tisheng.institutions.services import registration

    form = registration.RegistrationForm(
        name="厦门云帆教育科技有限公司", credit_code="91350200MA2YW8KX13", contact_name="陈思远",
        phone="13814000021", email="", statement="为中小学提供混合式研修平台与课程资源，已服务厦门市 40 余所学校。",
        password=DEMO_PASSWORD, password2=DEMO_PASSWORD)
    registration.registration_submit(form=form, network="", licence=SimpleUploadedFile(
        "营业执照.pdf", small_pdf("营业执照（副本）"), content_type="application/pdf"))

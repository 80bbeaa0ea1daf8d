"""The 待办 of every role but the teacher's: the school, its assessment team, the county, city
and province offices, the teacher college, the training institution, the evaluator and the
two administrators.

Every count goes through the scope filter for the capability the work needs, narrowed to the
nodes of the role the section is about (a user who is both a county officer and a school
admin sees the county's queue under the county and the school's under the school). Each kind
of work is one aggregate over the scoped rows (several counts of one table in one query with
filtered COUNTs), never a query per teacher or school: the page's query count does not grow
with the size of the area (pinned by tests/test_query_counts.py)."""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from tisheng.accounts.roles import Cap, Role
from tisheng.home.selectors.items import Item, url_or_blank
from tisheng.orgs.scope import capability_paths, has_capability, path_q, scope_filter
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.selectors import whole_staff_first

ALL_DONE = pgettext_lazy("home todo", "All done")
NOTHING_WAITING = pgettext_lazy("home todo", "Nothing waiting")
NONE_AT_RISK = pgettext_lazy("home todo", "None at risk")

DECLARATIONS_TO_DECIDE = gettext_lazy("Hours declarations to approve")
TO_SUBMIT = gettext_lazy("Teachers to submit for completion review")
RETURNED_TEACHERS = gettext_lazy("Teachers returned by a reviewer")
EVIDENCE_AWAITING_TEAM = gettext_lazy("Evidence items awaiting the assessment team")
NOT_STARTED = gettext_lazy("Teachers who have not started")
PLAN_STATE = gettext_lazy("School practice plan: %(state)s")
PLAN_NONE = gettext_lazy("School practice plan: not written yet")
PLAN_COMMENT = gettext_lazy("The county's comments: %(comments)s")
ITEMS_TO_GRADE = gettext_lazy("Evidence items to grade")

REVIEW_PENDING = gettext_lazy("Completion lists waiting for your review")
EXEMPTIONS_TO_DECIDE = gettext_lazy("Exemption requests to decide")
PLANS_TO_APPROVE = gettext_lazy("School practice plans to approve")
PLANS_SUBMITTED = gettext_lazy("School practice plans waiting for the county")
SPOT_CHECKS_DUE = gettext_lazy("Spot-check items not yet checked")
SPOT_UNASSIGNED = gettext_lazy("%(n)s of them without a reviewer")
SCHOOLS_AT_RISK = gettext_lazy("Schools with high-risk teachers")
TEACHERS_AT_RISK = gettext_lazy("%(n)s high-risk teachers")
LATEST_BULLETIN = pgettext_lazy("home todo", "Latest bulletin")
NO_BULLETIN = gettext_lazy("No bulletin yet")
AWAITING_CERTIFICATE = gettext_lazy("Approved teachers awaiting their certificate")

MY_SPOT_ITEMS = gettext_lazy("Spot-check items assigned to you")
PARTNER_CERTIFICATES = gettext_lazy("Certificates your organisation issues or co-signs")
PRACTICE_OVERVIEW = gettext_lazy("School-based practice in your area")
DRAFT_COURSES = gettext_lazy("Courses not yet published")
LEARNERS = gettext_lazy("Teachers who selected your courses")
ACCESS_UNTIL = gettext_lazy("Your read access ends on %(date)s")
ACCESS_OPEN = gettext_lazy("Your read access has no end date")
DASHBOARD = pgettext_lazy("home todo", "Open the dashboard")
LOCKED_ACCOUNTS = gettext_lazy("Accounts locked after failed logins")
INACTIVE_ACCOUNTS = gettext_lazy("Deactivated accounts")
AUDIT_TODAY = gettext_lazy("Audit entries in the last 24 hours")
FAILED_LOGINS = gettext_lazy("Failed logins and lockouts in the last 24 hours")


def active_programs() -> list[Program]:
    """Newest first, a track's programs after the whole staff's."""
    return whole_staff_first(Program.objects.filter(status=Program.Status.ACTIVE).order_by("-start_date", "code"))


def practice_program(programs: list[Program]) -> Program | None:
    return next((p for p in programs if p.ruleset.micro_abilities is not None), None)


def _enrollments(actor, paths: list[str], programs: list[Program]):
    return scope_filter(Enrollment.objects.filter(program__in=programs), actor, Cap.TEACHERS_VIEW).filter(
        path_q("org_path", paths))


# The school ---------------------------------------------------------------------------------


def _awaiting_team(actor, paths: list[str], program: Program | None) -> int:
    """Current evidence files of the schools' teachers that the school team has not graded."""
    from tisheng.practice.models import Review, Submission

    if program is None:
        return 0
    graded = Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM)
    return (scope_filter(Submission.objects.filter(program=program, is_current=True), actor, Cap.PRACTICE_ASSESS)
            .filter(path_q("teacher__org_path", paths)).exclude(Exists(graded)).count())


def _school_ids(actor, paths: list[str]) -> list[int]:
    from tisheng.orgs.models import School

    return list(scope_filter(School.objects.filter(path__in=paths), actor, Cap.ORGS_VIEW)
                .order_by("path").values_list("pk", flat=True))


def school_admin_items(actor, paths: list[str]) -> list[Item]:
    from tisheng.ledger.models import ImportedHoursDeclaration as Declaration
    from tisheng.practice.models import SchoolPlan
    from tisheng.programs.completion import COMPLETE_TEXT

    programs = active_programs()
    practice = practice_program(programs)
    schools = _school_ids(actor, paths)
    # Only the states counted are read (the (program, org_path, state) index), not the area's
    # every enrollment.
    counts = _enrollments(actor, paths, programs).filter(
        state__in=[EnrollmentState.COMPLETE, EnrollmentState.RETURNED, EnrollmentState.ENROLLED]).aggregate(
        to_submit=Count("pk", filter=Q(state=EnrollmentState.COMPLETE)
                        | Q(state=EnrollmentState.RETURNED, explanation__startswith=COMPLETE_TEXT)),
        returned=Count("pk", filter=Q(state=EnrollmentState.RETURNED)),
        not_started=Count("pk", filter=Q(state=EnrollmentState.ENROLLED)))
    declarations = (scope_filter(Declaration.objects.filter(state=Declaration.State.PENDING), actor, Cap.HOURS_APPROVE)
                    .filter(path_q("org_path", paths)).count())
    review = url_or_blank("review:school")
    one_school = schools[0] if len(schools) == 1 else None
    enrollments = url_or_blank("programs:enrollments", programs[0].pk, query="state=enrolled") if programs else ""
    items = [
        Item(label=str(DECLARATIONS_TO_DECIDE), url=url_or_blank("ledger:declaration_queue"), count=declarations,
             done=str(ALL_DONE), key="declarations"),
        Item(label=str(TO_SUBMIT), url=review, count=counts["to_submit"], done=str(NOTHING_WAITING), key="to-submit"),
        Item(label=str(RETURNED_TEACHERS), url=url_or_blank("review:school", query="status=returned"),
             count=counts["returned"], done=str(NOTHING_WAITING), warn=counts["returned"] > 0, key="returned"),
        Item(label=str(NOT_STARTED), url=enrollments, count=counts["not_started"], done=str(ALL_DONE),
             warn=counts["not_started"] > 0, key="not-started"),
    ]
    if practice is not None:
        queue = (url_or_blank("practice:queue", one_school, query=f"program={practice.code}") if one_school
                 else url_or_blank("practice:plans", query=f"program={practice.code}"))
        items.append(Item(label=str(EVIDENCE_AWAITING_TEAM), url=queue, count=_awaiting_team(actor, paths, practice),
                          done=str(ALL_DONE), key="evidence-awaiting"))
        plan = (scope_filter(SchoolPlan.objects.filter(program=practice), actor, Cap.PRACTICE_VIEW)
                .filter(path_q("school__path", paths)).order_by("school__path", "-version")
                .values("status", "comments").first())
        link = (url_or_blank("practice:school_plan", one_school, query=f"program={practice.code}") if one_school
                else url_or_blank("practice:plans", query=f"program={practice.code}"))
        if plan is None:
            items.append(Item(label=str(PLAN_NONE), url=link, warn=True, key="plan"))
        else:
            label = SchoolPlan.Status(plan["status"]).label
            returned = plan["status"] == SchoolPlan.Status.RETURNED
            items.append(Item(label=str(PLAN_STATE) % {"state": label}, url=link, warn=returned or plan["status"]
                              == SchoolPlan.Status.DRAFT, key="plan",
                              detail=str(PLAN_COMMENT) % {"comments": plan["comments"]}
                              if returned and plan["comments"] else ""))
    return items


def school_assessor_items(actor, paths: list[str]) -> list[Item]:
    practice = practice_program(active_programs())
    if practice is None:
        return []
    schools = _school_ids(actor, paths)
    queue = (url_or_blank("practice:queue", schools[0], query=f"program={practice.code}") if len(schools) == 1
             else url_or_blank("practice:home"))
    return [Item(label=str(ITEMS_TO_GRADE), url=queue, count=_awaiting_team(actor, paths, practice),
                 done=str(ALL_DONE), key="to-grade")]


# The offices ---------------------------------------------------------------------------------

OFFICE_LEVEL = {Role.COUNTY_OFFICE: "county", Role.CITY_OFFICE: "city", Role.PROVINCE_OFFICE: "province"}


def _risk(actor, paths: list[str], programs: list[Program]) -> Item:
    """The schools with a high-risk teacher and how many such teachers, from the per-school
    counts the last risk refresh stored (a row per school, not one per teacher: a province
    has 450,000 scores and a few thousand such schools)."""
    from tisheng.monitoring.warning.models import SchoolRisk

    counts = (scope_filter(SchoolRisk.objects.filter(program__in=programs, high__gt=0), actor, Cap.REPORTS_VIEW)
              .filter(path_q("org_path", paths))
              .aggregate(schools=Count("school_id", distinct=True), teachers=Sum("high")))
    counts["teachers"] = counts["teachers"] or 0
    return Item(label=str(SCHOOLS_AT_RISK), url=url_or_blank("monitoring:warning_list", query="level=high"),
                count=counts["schools"], done=str(NONE_AT_RISK), warn=counts["schools"] > 0, key="schools-at-risk",
                detail=str(TEACHERS_AT_RISK) % {"n": counts["teachers"]} if counts["teachers"] else "")


def _bulletin(actor, paths: list[str]) -> Item:
    from tisheng.monitoring.models import Bulletin

    latest = (Bulletin.objects.filter(path_q("node_path", capability_paths(actor, Cap.REPORTS_VIEW)))
              .filter(path_q("node_path", paths)).order_by("-created_at", "-pk").values("pk", "title")
              .first())
    if latest is None:
        return Item(label=str(NO_BULLETIN), url=url_or_blank("monitoring:bulletins"), key="bulletin")
    return Item(label=str(LATEST_BULLETIN), url=url_or_blank("monitoring:bulletin", latest["pk"]),
                detail=latest["title"], key="bulletin")


def _plans(actor, paths: list[str], practice: Program | None, *, approver: bool) -> Item | None:
    from tisheng.practice.models import SchoolPlan

    if practice is None:
        return None
    n = (scope_filter(SchoolPlan.objects.filter(program=practice, status=SchoolPlan.Status.SUBMITTED), actor,
                      Cap.PRACTICE_VIEW).filter(path_q("school__path", paths)).count())
    return Item(label=str(PLANS_TO_APPROVE if approver else PLANS_SUBMITTED),
                url=url_or_blank("practice:plans", query=f"program={practice.code}&status=submitted"), count=n,
                done=str(ALL_DONE), key="plans")


def _spot_checks(actor, paths: list[str], *, manager: bool) -> Item:
    from tisheng.practice.checks.models import SpotCheck, SpotCheckItem

    counts = (scope_filter(SpotCheckItem.objects.filter(outcome=SpotCheckItem.Outcome.PENDING,
                                                        spot_check__status=SpotCheck.Status.OPEN), actor,
                           Cap.PRACTICE_VIEW).filter(path_q("org_path", paths))
              .aggregate(due=Count("pk"), unassigned=Count("pk", filter=Q(reviewer__isnull=True))))
    url = url_or_blank("practice:checks_spot_list" if manager else "practice:checks_overview")
    return Item(label=str(SPOT_CHECKS_DUE), url=url, count=counts["due"], done=str(ALL_DONE), key="spot-checks",
                detail=str(SPOT_UNASSIGNED) % {"n": counts["unassigned"]} if counts["unassigned"] else "",
                warn=counts["unassigned"] > 0)


def office_items(actor, role: str, paths: list[str]) -> list[Item]:
    from tisheng.programs.models import Exemption

    level = OFFICE_LEVEL[role]
    programs = active_programs()
    practice = practice_program(programs)
    # Two states of a province's 450,000 enrollments: the (program, state, review_level,
    # org_path) index finds them without reading the rest.
    counts = _enrollments(actor, paths, programs).filter(
        state__in=[EnrollmentState.UNDER_REVIEW, EnrollmentState.APPROVED]).aggregate(
        pending=Count("pk", filter=Q(state=EnrollmentState.UNDER_REVIEW, review_level=level)),
        approved=Count("pk", filter=Q(state=EnrollmentState.APPROVED)))
    items = [Item(label=str(REVIEW_PENDING), url=url_or_blank(f"review:{level}"), count=counts["pending"],
                  done=str(ALL_DONE), key="review-pending")]
    if role == Role.COUNTY_OFFICE:
        exemptions = (scope_filter(Exemption.objects.filter(kind=Exemption.Kind.MANUAL,
                                                            state=Exemption.State.PENDING), actor,
                                   Cap.EXEMPTIONS_APPROVE).filter(path_q("enrollment__org_path", paths)).count())
        items.append(Item(label=str(EXEMPTIONS_TO_DECIDE), url=url_or_blank("programs:exemptions"), count=exemptions,
                          done=str(ALL_DONE), key="exemptions"))
    plans = _plans(actor, paths, practice, approver=role == Role.COUNTY_OFFICE)
    if plans is not None:
        items.append(plans)
    items.append(_spot_checks(actor, paths, manager=role == Role.COUNTY_OFFICE))
    if has_capability(actor, Cap.CERTIFICATES_ISSUE) and role != Role.CITY_OFFICE:
        items.append(Item(label=str(AWAITING_CERTIFICATE), url=url_or_blank("certificates:batch"),
                          count=counts["approved"], done=str(ALL_DONE), key="awaiting-certificate"))
    items.append(_risk(actor, paths, programs))
    items.append(_bulletin(actor, paths))
    return items


# Partners, evaluators and the two administrators ------------------------------------------


def teacher_college_items(actor, paths: list[str]) -> list[Item]:
    from tisheng.practice.checks.models import SpotCheckItem
    from tisheng.practice.checks.selectors import review_items_for

    mine = review_items_for(actor).filter(outcome=SpotCheckItem.Outcome.PENDING).count()
    return [
        Item(label=str(MY_SPOT_ITEMS), url=url_or_blank("practice:checks_review_list"), count=mine, done=str(ALL_DONE),
             key="my-spot-items"),
        Item(label=str(PARTNER_CERTIFICATES), url=url_or_blank("certificates:partner"), key="partner-certificates"),
        Item(label=str(PRACTICE_OVERVIEW), url=url_or_blank("practice:checks_overview"), key="practice-overview"),
    ]


def institution_items(actor, paths: list[str]) -> list[Item]:
    from tisheng.learning.models import Course
    from tisheng.learning.selectors import courses_of_institutions, institution_learners

    drafts = courses_of_institutions(actor).filter(status=Course.Status.DRAFT).count()
    learners = institution_learners(actor).values("teacher_id").distinct().count()
    return [
        Item(label=str(DRAFT_COURSES), url=url_or_blank("learning:institution_courses"), count=drafts,
             done=str(ALL_DONE), key="draft-courses"),
        Item(label=str(LEARNERS), url=url_or_blank("learning:learners"), count=learners, done="0", key="learners"),
        Item(label=str(PARTNER_CERTIFICATES), url=url_or_blank("certificates:partner"), key="partner-certificates"),
    ]


def evaluator_items(actor, paths: list[str], expires_at: dt.datetime | None) -> list[Item]:
    programs = active_programs()
    until = (str(ACCESS_UNTIL) % {"date": timezone.localtime(expires_at).strftime("%Y-%m-%d")} if expires_at
             else str(ACCESS_OPEN))
    return [Item(label=str(DASHBOARD), url=url_or_blank("monitoring:dashboard"), detail=until, key="dashboard"),
            _risk(actor, paths, programs), _bulletin(actor, paths)]


def security_admin_items(actor) -> list[Item]:
    from tisheng.accounts.models import LoginThrottle, User

    locked = LoginThrottle.objects.filter(key__startswith="account:", locked_until__gt=int(time.time())).count()
    # Accounts waiting for their first password change are not listed: every imported teacher
    # is one until they first log in, which is no task for the security admin.
    inactive = User.objects.filter(is_active=False).count()
    return [
        Item(label=str(LOCKED_ACCOUNTS), url=url_or_blank("accounts:account_list", query="status=locked"),
             count=locked, done=str(NOTHING_WAITING), warn=locked > 0, key="locked"),
        Item(label=str(INACTIVE_ACCOUNTS), url=url_or_blank("accounts:account_list", query="status=inactive"),
             count=inactive, done="0", key="inactive"),
    ]


def audit_admin_items(actor) -> list[Item]:
    from tisheng.accounts.models import AuditAction
    from tisheng.accounts.selectors import audit_log_list

    since = timezone.now() - dt.timedelta(hours=24)
    counts = audit_log_list(actor).filter(at__gte=since).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(action__in=[AuditAction.LOGIN_FAILED, AuditAction.LOCKED_OUT,
                                                                     AuditAction.LOGIN_THROTTLED])))
    return [
        Item(label=str(AUDIT_TODAY), url=url_or_blank("accounts:audit_log"), count=counts["total"], done="0",
             key="audit-today"),
        Item(label=str(FAILED_LOGINS), url=url_or_blank("accounts:audit_log", query="action=login_failed"),
             count=counts["failed"], done="0", warn=counts["failed"] > 0, key="failed-logins"),
    ]

"""The audit log in words (审计管理员's page and its .xlsx): who (name and role), did what (the
action's Chinese label), to whom or what (a person's, a program's, a school's name), from where
(the address), and the detail as short sentences, never a stored code or dict.

Entries are written by every app with an action code and a small detail dict (see
`accounts.services.audit`). This module is the one place that knows how to read them:

- `ACTION_LABELS`: every action code the code base writes (a test scans the sources for new
  ones, so a new action without a label fails the suite);
- `DETAIL_KEYS`: how each detail key reads, and how its value is turned into words (a name
  looked up, a count of a list, yes/no, a label);
- objects and detail values that name rows of other apps (a teacher, a program, a node code)
  are looked up **in bulk for a whole page**: one query per kind of object on the page, so a
  page of 50 rows costs the same whatever its rows are. Models are found through Django's
  app registry by name, the way the admin's LogEntry finds its content types, so accounts
  (low in the house) imports none of the apps above it.

A detail key this module does not know, or a value it cannot put in words (an internal id, a
random seed, an API key's id), is left out rather than shown as a code."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tisheng.accounts.models import AuditLog, RoleAssignment, User
from tisheng.accounts.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")

ACTION_LABELS: dict[str, Any] = {
    # accounts
    "login": pgettext_lazy("audit action", "Logged in"),
    "login_failed": pgettext_lazy("audit action", "Failed login"),
    "locked_out": pgettext_lazy("audit action", "Locked after failed logins"),
    "login_throttled": pgettext_lazy("audit action", "Login refused while locked"),
    "logout": pgettext_lazy("audit action", "Logged out"),
    "idle_logout": pgettext_lazy("audit action", "Logged out after idle time"),
    "role_granted": pgettext_lazy("audit action", "Role granted"),
    "role_revoked": pgettext_lazy("audit action", "Role ended"),
    "user_created": pgettext_lazy("audit action", "Account created"),
    "account_unlocked": pgettext_lazy("audit action", "Account unlocked"),
    # accounts.federation (issue 18): the province identity platform
    "federation.link": pgettext_lazy("audit action", "Platform identity linked"),
    "federation.unlink": pgettext_lazy("audit action", "Platform identity link removed"),
    "federation.unmatched": pgettext_lazy("audit action", "Platform identity matched no account"),
    "federation.failed": pgettext_lazy("audit action", "Platform sign-in refused"),
    "account_deactivated": pgettext_lazy("audit action", "Account deactivated"),
    "account_reactivated": pgettext_lazy("audit action", "Account reactivated"),
    "password_reset_by_security_admin": pgettext_lazy("audit action", "Password reset by the security admin"),
    "password_changed": pgettext_lazy("audit action", "Password changed"),
    "password_reset": pgettext_lazy("audit action", "Password reset"),
    "password_reset_requested": pgettext_lazy("audit action", "Password reset code requested"),
    "password_reset_by_admin": pgettext_lazy("audit action", "Password reset by the school"),
    "password_reset_failed": pgettext_lazy("audit action", "Password reset refused"),
    "notification_settings": pgettext_lazy("audit action", "Notification settings changed"),
    "personal_data_viewed": pgettext_lazy("audit action", "Personal data viewed"),
    "exported": pgettext_lazy("audit action", "Exported"),
    "export_downloaded": pgettext_lazy("audit action", "Export downloaded"),
    "exports_purged": pgettext_lazy("audit action", "Expired exports deleted"),
    "evaluator_viewed": pgettext_lazy("audit action", "Evaluator opened a page"),
    # people
    "roster_imported": pgettext_lazy("audit action", "Roster imported"),
    "roster_files_purged": pgettext_lazy("audit action", "Old roster files deleted"),
    "teacher_changed": pgettext_lazy("audit action", "Teacher's record changed"),
    "teacher_transferred": pgettext_lazy("audit action", "Teacher transferred"),
    # programs
    "program_created": pgettext_lazy("audit action", "Program created"),
    "program_changed": pgettext_lazy("audit action", "Program changed"),
    "quota_set": pgettext_lazy("audit action", "Target set"),
    "training_recorded": pgettext_lazy("audit action", "Training recorded"),
    "batch_created": pgettext_lazy("audit action", "Rollout batch created"),
    "batch_enrolled": pgettext_lazy("audit action", "Batch enrolled"),
    "exemption_requested": pgettext_lazy("audit action", "Exemption requested"),
    "exemption_decided": pgettext_lazy("audit action", "Exemption decided"),
    "review_submitted": pgettext_lazy("audit action", "Completion list submitted"),
    "review_approved": pgettext_lazy("audit action", "Completion approved"),
    "review_returned": pgettext_lazy("audit action", "Completion returned"),
    # ledger: the continuing-education registry
    "ledger.cycle_save": pgettext_lazy("audit action", "Continuing-education cycle saved"),
    "ledger.external_import": pgettext_lazy("audit action", "Hours from other platforms imported"),
    "ledger.registration_set": pgettext_lazy("audit action", "Registration date entered"),
    "ledger.registration_import": pgettext_lazy("audit action", "Registration dates imported with the roster"),
    "certificates.hours_issue": pgettext_lazy("audit action", "Hours certificate issued"),
    # certificates
    "certificate_issued": pgettext_lazy("audit action", "Certificate issued"),
    "certificate_revoked": pgettext_lazy("audit action", "Certificate revoked"),
    "certificate_signed": pgettext_lazy("audit action", "Certificate signed"),
    # learning, diagnostics, integration
    "course_published": pgettext_lazy("audit action", "Course published"),
    "course_withdrawn": pgettext_lazy("audit action", "Course withdrawn"),
    "contract_created": pgettext_lazy("audit action", "Institution contracted"),
    "contract_deleted": pgettext_lazy("audit action", "Institution contract ended"),
    "diagnostics.instrument_create": pgettext_lazy("audit action", "Diagnostic test created"),
    "diagnostics.instrument_update": pgettext_lazy("audit action", "Diagnostic test changed"),
    "diagnostics.attempt_submit": pgettext_lazy("audit action", "Diagnostic test taken"),
    "diagnostics.topics_update": pgettext_lazy("audit action", "Diagnostic topics changed"),
    "integration.credential_issue": pgettext_lazy("audit action", "Platform key issued"),
    "integration.credential_rotate": pgettext_lazy("audit action", "Platform key renewed"),
    "integration.credential_revoke": pgettext_lazy("audit action", "Platform key revoked"),
    "integration.credential_rate_limit": pgettext_lazy("audit action", "Platform key limit changed"),
    "integration.application_create": pgettext_lazy("audit action", "Sign-on application created"),
    "integration.application_rotate": pgettext_lazy("audit action", "Sign-on secret renewed"),
    "integration.application_revoke": pgettext_lazy("audit action", "Sign-on application revoked"),
    "integration.course_activity_id": pgettext_lazy("audit action", "Course address for records set"),
    # practice
    "practice.choices_save": pgettext_lazy("audit action", "Practice points chosen"),
    "practice.evidence_upload": pgettext_lazy("audit action", "Practice evidence uploaded"),
    # resources (the resource library)
    "resources.create": pgettext_lazy("audit action", "Resource uploaded"),
    "resources.contribute": pgettext_lazy("audit action", "Practice evidence contributed as a resource"),
    "resources.submit": pgettext_lazy("audit action", "Resource submitted for review"),
    "resources.publish": pgettext_lazy("audit action", "Resource published"),
    "resources.return": pgettext_lazy("audit action", "Resource returned"),
    "resources.pick": pgettext_lazy("audit action", "Resource picked into a higher library"),
    "resources.rate": pgettext_lazy("audit action", "Resource rated"),
    "resources.use": pgettext_lazy("audit action", "Resource used in a plan or lesson"),
    "resources.site_apply": pgettext_lazy("audit action", "Model site application submitted"),
    "resources.site_designate": pgettext_lazy("audit action", "Model site designated"),
    "resources.site_decline": pgettext_lazy("audit action", "Model site application declined"),
    "resources.rule_set": pgettext_lazy("audit action", "Resource ranking parameters set"),
    "resources.award_entry": pgettext_lazy("audit action", "Award-winning achievement entered the library"),
    "resources.site_review": pgettext_lazy("audit action", "Model site reviewed for the year"),
    "achievements.round_created": pgettext_lazy("audit action", "Achievement round opened"),
    "achievements.nominated": pgettext_lazy("audit action", "Achievement nominated"),
    "achievements.withdrawn": pgettext_lazy("audit action", "Achievement nomination withdrawn"),
    "achievements.scoring_started": pgettext_lazy("audit action", "Achievement round handed to experts"),
    "achievements.published": pgettext_lazy("audit action", "Achievement results published"),
    "achievements.exported": pgettext_lazy("audit action", "Achievement winners exported"),
    "practice.review_self": pgettext_lazy("audit action", "Self-assessment"),
    "practice.review_peer": pgettext_lazy("audit action", "Peer review"),
    "practice.review_team": pgettext_lazy("audit action", "Team assessment"),
    "practice.peer_assign": pgettext_lazy("audit action", "Peer reviewer assigned"),
    "practice.peer_assign_school": pgettext_lazy("audit action", "Peer reviewers assigned for the school"),
    "practice.point_result": pgettext_lazy("audit action", "Practice point decided"),
    "practice.point_recommend": pgettext_lazy("audit action", "Practice point recommended"),
    "practice.point_return": pgettext_lazy("audit action", "Practice point returned"),
    "practice.plan_save": pgettext_lazy("audit action", "School plan saved"),
    "practice.plan_submit": pgettext_lazy("audit action", "School plan submitted"),
    "practice.plan_approve": pgettext_lazy("audit action", "School plan approved"),
    "practice.plan_return": pgettext_lazy("audit action", "School plan returned"),
    "practice.team_add": pgettext_lazy("audit action", "Assessment team member added"),
    "practice.team_remove": pgettext_lazy("audit action", "Assessment team member removed"),
    "practice.point_edit": pgettext_lazy("audit action", "Capability point edited"),
    "practice.spot_check_draw": pgettext_lazy("audit action", "Spot check drawn"),
    "practice.spot_check_assign": pgettext_lazy("audit action", "Spot check reviewers assigned"),
    "practice.spot_check_item": pgettext_lazy("audit action", "Spot check item decided"),
    "practice.spot_school_return": pgettext_lazy("audit action", "School returned after a spot check"),
    "practice.spot_check_close": pgettext_lazy("audit action", "Spot check closed"),
    # supervision (issue 19)
    "supervision.round_create": pgettext_lazy("audit action", "Supervision round planned"),
    "supervision.inspectors_assign": pgettext_lazy("audit action", "Inspector assigned to units"),
    "supervision.finding_record": pgettext_lazy("audit action", "Supervision finding recorded"),
    "supervision.inspection_grade": pgettext_lazy("audit action", "Inspected unit graded"),
    "supervision.rectification_add": pgettext_lazy("audit action", "Rectification item raised"),
    "supervision.rectification_answer": pgettext_lazy("audit action", "Rectification answered"),
    "supervision.rectification_accept": pgettext_lazy("audit action", "Rectification accepted"),
    "supervision.rectification_reopen": pgettext_lazy("audit action", "Rectification reopened"),
    "supervision.round_close": pgettext_lazy("audit action", "Supervision round closed"),
    "supervision.plan_save": pgettext_lazy("audit action", "Province plan draft saved"),
    "supervision.plan_file": pgettext_lazy("audit action", "Province plan filed with the ministry"),
    "national.report_export": pgettext_lazy("audit action", "National report exported"),
    "national.report_load": pgettext_lazy("audit action", "National report loaded"),
    "national.plan_load": pgettext_lazy("audit action", "Province plan loaded"),
    # communities (issue 16): study classes
    "communities.class_create": pgettext_lazy("audit action", "Study class formed"),
    "communities.members_add": pgettext_lazy("audit action", "Teachers added to a study class"),
    "communities.member_remove": pgettext_lazy("audit action", "Teacher removed from a study class"),
    "communities.tutor_assign": pgettext_lazy("audit action", "Tutor assigned to a study class"),
    "communities.tutor_remove": pgettext_lazy("audit action", "Tutor removed from a study class"),
    "communities.remind": pgettext_lazy("audit action", "Study class reminder sent"),
    "communities.announce": pgettext_lazy("audit action", "Study class announcement posted"),
    "communities.bulletin_issue": pgettext_lazy("audit action", "Class bulletin issued"),
    "communities.assignment_create": pgettext_lazy("audit action", "Assignment set"),
    "communities.assignment_submit": pgettext_lazy("audit action", "Assignment submitted"),
    "communities.assignment_grade": pgettext_lazy("audit action", "Assignment graded"),
    "communities.post_hide": pgettext_lazy("audit action", "Discussion post hidden"),
    "communities.workshop_create": pgettext_lazy("audit action", "Workshop created"),
    "communities.workshop_join": pgettext_lazy("audit action", "Workshop joined"),
    "communities.workshop_invite": pgettext_lazy("audit action", "Teachers invited to a workshop"),
    "communities.activity_create": pgettext_lazy("audit action", "Workshop activity created"),
    "communities.design_save": pgettext_lazy("audit action", "Lesson design version saved"),
    "communities.attendance_record": pgettext_lazy("audit action", "Live session attendance recorded"),
    "communities.activity_close": pgettext_lazy("audit action", "Workshop activity closed and hours credited"),
    "communities.hours_rule_update": pgettext_lazy("audit action", "Points and hours rule changed"),
    "communities.pair_create": pgettext_lazy("audit action", "Schools paired"),
    "communities.mentor_pair_add": pgettext_lazy("audit action", "Mentoring pair added"),
    "communities.pair_activity_log": pgettext_lazy("audit action", "Pairing activity logged"),
    "communities.assisted_region_tag": pgettext_lazy("audit action", "Assisted region tagged"),
    # monitoring, jobs, storage
    "warning_reminder": pgettext_lazy("audit action", "Reminder sent"),
    "warning_follow_up": pgettext_lazy("audit action", "Follow-up requested"),
    "job_enqueued": pgettext_lazy("audit action", "Background task started"),
    "private_file_write_failed": pgettext_lazy("audit action", "File could not be saved"),
    "storage_write_failed": pgettext_lazy("audit action", "File could not be saved"),
    # tracks (issue 17)
    "tracks.created": pgettext_lazy("audit action", "Track created"),
    "tracks.quota_set": pgettext_lazy("audit action", "Track places set"),
    "tracks.nominated": pgettext_lazy("audit action", "Nominated for a track"),
    "tracks.selected": pgettext_lazy("audit action", "Selected for a track"),
    "tracks.declined": pgettext_lazy("audit action", "Not selected for a track"),
    "tracks.withdrawn": pgettext_lazy("audit action", "Track nomination withdrawn"),
    "tracks.plan_reviewed": pgettext_lazy("audit action", "School plan reviewed in a track"),
    "tracks.term_checked": pgettext_lazy("audit action", "School plan followed up for a term"),
    "tracks.rubric_set": pgettext_lazy("audit action", "Track rubric changed"),
    "tracks.pool_drawn": pgettext_lazy("audit action", "Trainer drawn from the pool as a tutor"),
    # expert panels
    "panels.created": pgettext_lazy("audit action", "Expert panel set up"),
    "panels.rubric_changed": pgettext_lazy("audit action", "Panel rubric changed"),
    "panels.expert_added": pgettext_lazy("audit action", "Expert added to a panel"),
    "panels.assigned": pgettext_lazy("audit action", "Item assigned to an expert"),
    "panels.unassigned": pgettext_lazy("audit action", "Item unassigned from an expert"),
    "panels.assigned_all": pgettext_lazy("audit action", "Panel items assigned to all experts"),
    "panels.scored": pgettext_lazy("audit action", "Expert scored an item"),
    "panels.conflict_declared": pgettext_lazy("audit action", "Conflict of interest declared"),
    "panels.closed": pgettext_lazy("audit action", "Expert panel closed"),
    # institutions
    "institutions.round_created": pgettext_lazy("audit action", "Selection round opened"),
    "institutions.application_saved": pgettext_lazy("audit action", "Institution's application saved"),
    "institutions.material_uploaded": pgettext_lazy("audit action", "Application material uploaded"),
    "institutions.application_sent": pgettext_lazy("audit action", "Institution's application submitted"),
    "institutions.review_started": pgettext_lazy("audit action", "Applications sent to the expert panel"),
    "institutions.application_decided": pgettext_lazy("audit action", "Selection decided"),
    "institutions.round_published": pgettext_lazy("audit action", "Selection result published"),
    "institutions.evaluation_opened": pgettext_lazy("audit action", "Institution evaluation opened"),
    "institutions.weights_set": pgettext_lazy("audit action", "Evaluation weights changed"),
    "institutions.third_party_sent": pgettext_lazy("audit action", "Third-party evaluation report sent"),
    "institutions.ranking_published": pgettext_lazy("audit action", "Institution ranking published"),
    "institutions.exit_decided": pgettext_lazy("audit action", "Institution suspended or terminated"),
    "institutions.exit_applied": pgettext_lazy("audit action", "Institution exit took effect"),
    "institutions.exit_lifted": pgettext_lazy("audit action", "Institution suspension lifted"),
    "institutions.signup_sent": pgettext_lazy("audit action", "Institution registration sent"),
    "institutions.signup_approved": pgettext_lazy("audit action", "Institution registration approved"),
    "institutions.signup_rejected": pgettext_lazy("audit action", "Institution registration rejected"),
    "integration.sso_refused": pgettext_lazy("audit action", "Sign-on at an institution refused"),
    # funding
    "funding.rate_set": pgettext_lazy("audit action", "Funding rates set"),
    "funding.budget_add": pgettext_lazy("audit action", "Budget line added"),
    "funding.statement_draft": pgettext_lazy("audit action", "Settlement statement drafted"),
    "funding.statements_draft_all": pgettext_lazy("audit action", "Settlement statements drafted for all contracts"),
    "funding.statement_check": pgettext_lazy("audit action", "Settlement statement checked by the institution"),
    "funding.statement_dispute": pgettext_lazy("audit action", "Settlement statement disputed"),
    "funding.statement_confirm": pgettext_lazy("audit action", "Settlement statement confirmed"),
}
FAILED_LOGIN_ACTIONS = frozenset({"login_failed", "login_throttled", "locked_out", "password_reset_failed",
                                  "password_reset_requested"})
UNKNOWN_ACTION = pgettext_lazy("audit action", "Other action")

ROLE_NAMES = dict(Role.choices)

# Values of enum-like detail keys.
VIA = {"login_page": pgettext_lazy("login via", "login page"), "authenticate": pgettext_lazy("login via", "sign-in"),
       "oauth_password_grant": pgettext_lazy("login via", "platform sign-on"), "sms": pgettext_lazy("login via", "SMS code"),
       "password_change": pgettext_lazy("login via", "password change page")}
LOGIN_REASONS = {"inactive": gettext_lazy("the account is deactivated"),
                 "account": gettext_lazy("the account is locked"),
                 "network": gettext_lazy("the network is blocked after many failures"),
                 "rate_limited": gettext_lazy("too many codes requested"),
                 "expired": gettext_lazy("the code has expired"),
                 "too_many_tries": gettext_lazy("too many wrong codes"),
                 "wrong_code": gettext_lazy("the code is wrong")}
LEVELS = {"school": pgettext_lazy("review level", "school"), "county": pgettext_lazy("review level", "county"),
          "city": pgettext_lazy("review level", "city"), "province": pgettext_lazy("review level", "province")}
FORMATS = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV"}
EXPORT_KINDS = {"transcript": gettext_lazy("hours statement"), "roster_errors": gettext_lazy("roster import errors"),
                "audit_log": gettext_lazy("audit log"), "practice_evidence": gettext_lazy("practice evidence")}
GRADES = {"excellent": pgettext_lazy("audit grade", "Excellent"), "pass": pgettext_lazy("audit grade", "Pass"),
          "fail": pgettext_lazy("audit grade", "Fail")}
OUTCOMES = {"confirmed": pgettext_lazy("audit spot check", "Confirmed"), "failed": pgettext_lazy("audit spot check", "Failed"),
            "pending": pgettext_lazy("audit spot check", "Not checked")}
# What each kind of object is called (`obj._meta.model_name`, or the object_type given).
OBJECT_LABELS: dict[str, Any] = {
    "teacher": pgettext_lazy("audit object", "Teacher"), "user": pgettext_lazy("audit object", "Account"), "school": pgettext_lazy("audit object", "School"), "region": pgettext_lazy("audit object", "Region"),
    "organization": pgettext_lazy("audit object", "Organisation"), "program": pgettext_lazy("audit object", "Program"), "enrollment": pgettext_lazy("audit object", "Enrollment"),
    "certificate": pgettext_lazy("audit object", "Certificate"), "partnersignature": pgettext_lazy("audit object", "Certificate signature"),
    "contract": pgettext_lazy("audit object", "Institution contract"), "course": pgettext_lazy("audit object", "Course"), "attempt": pgettext_lazy("audit object", "Diagnostic test taken"),
    "instrument": pgettext_lazy("audit object", "Diagnostic test"), "topic": pgettext_lazy("audit object", "Diagnostic topics"), "job": pgettext_lazy("audit object", "Background task"),
    "submission": pgettext_lazy("audit object", "Practice evidence"), "review": pgettext_lazy("audit object", "Evidence assessment"),
    "schoolplan": pgettext_lazy("audit object", "School plan"), "pointresult": pgettext_lazy("audit object", "Practice point result"),
    "pointversion": pgettext_lazy("audit object", "Capability point"), "point_version": pgettext_lazy("audit object", "Capability point"),
    "peerassignment": pgettext_lazy("audit object", "Peer review assignment"), "teammember": pgettext_lazy("audit object", "Assessment team member"),
    "spotcheck": pgettext_lazy("audit object", "Spot check"), "spotcheckitem": pgettext_lazy("audit object", "Spot check item"),
    "roster": pgettext_lazy("audit object", "Roster import"), "rosterimport": pgettext_lazy("audit object", "Roster import"), "bulletin": pgettext_lazy("audit object", "Bulletin"),
    "exemption": pgettext_lazy("audit object", "Exemption"), "private_file": pgettext_lazy("audit object", "File"), "managementtraining": pgettext_lazy("audit object", "Training record"),
    "intervention": pgettext_lazy("audit object", "Reminder"),
}
UNKNOWN_OBJECT = pgettext_lazy("audit object", "A record")
CHANNELS = {"app": pgettext_lazy("channel", "in-app"), "sms": pgettext_lazy("channel", "SMS"), "email": pgettext_lazy("channel", "email")}


@dataclass
class _Needs:
    """What a page of entries refers to, collected before the bulk lookups."""

    objects: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    users: set[int] = field(default_factory=set)
    teachers: set[int] = field(default_factory=set)
    programs: set[str] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    schools: set[int] = field(default_factory=set)


@dataclass
class _Names:
    objects: dict[tuple[str, str], str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    teachers: dict[int, str] = field(default_factory=dict)
    programs: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    schools: dict[int, str] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _count(value: Any) -> str:
    if isinstance(value, bool):  # "created": True (one made) as well as a list of those made
        return _yes(value)
    return str(len(value)) if isinstance(value, list | tuple | dict) else str(value)


def _yes(value: Any) -> str:
    return _("yes") if value else _("no")


def _text(value: Any) -> str | None:
    """Free text (a reason, a name) as it is; lists and dicts are not text."""
    if isinstance(value, list | dict) or value in (None, ""):
        return None
    return str(value)[:200]


def _label(table: dict) -> Callable[[Any], str | None]:
    return lambda value: str(table[value]) if value in table else None


def _date(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%Y-%m-%d")
    except ValueError:
        return None


def _size(value: Any) -> str | None:
    n = _int(value)
    if n is None:
        return None
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


# key → (label, how the value reads). A reader returning None leaves the item out (a code we
# cannot put in words). "user", "teacher", "program", "node", "school" resolve names in bulk.
DETAIL_KEYS: dict[str, tuple[Any, Any]] = {
    "role": (gettext_lazy("Role"), lambda v: str(ROLE_NAMES.get(v, "")) or None),
    "node": (gettext_lazy("Unit"), "node"),
    "region": (gettext_lazy("Region"), "node"),
    "institution": (gettext_lazy("Institution"), "node"),
    "organization": (gettext_lazy("Organisation"), "node"),
    "school": (gettext_lazy("School"), "node"),
    "program": (gettext_lazy("Program"), "program"),
    "teacher": (gettext_lazy("Teacher"), "teacher"),
    "user": (gettext_lazy("Person"), "user"),
    "reviewer": (gettext_lazy("Reviewer"), "user"),
    "to_school": (gettext_lazy("To school"), "school"),
    "from_school": (gettext_lazy("From school"), "school"),
    "via": (gettext_lazy("Through"), _label(VIA)),
    "reason": (gettext_lazy("Reason"), None),  # see _reason
    "failures": (gettext_lazy("Failed attempts in a row"), str),
    "minutes": (gettext_lazy("Locked for (minutes)"), str),
    "login": (gettext_lazy("Login name entered"), _text),
    "rows": (gettext_lazy("Rows"), str),
    "entries": (gettext_lazy("Entries"), str),
    "count": (gettext_lazy("Number"), _count),
    "ids": (gettext_lazy("Teachers"), _count),
    "teachers": (gettext_lazy("Teachers"), _count),
    "admins": (gettext_lazy("School administrators told"), _count),
    "reviewers": (gettext_lazy("Reviewers"), _count),
    "points": (gettext_lazy("Points chosen"), _count),
    "counties": (gettext_lazy("Counties"), _count),
    "jobs": (gettext_lazy("Tasks"), _count),
    "level": (gettext_lazy("Level"), _label(LEVELS)),
    "kind": (gettext_lazy("What"), _label(EXPORT_KINDS)),
    "format": (gettext_lazy("Format"), _label(FORMATS)),
    "fields": (gettext_lazy("Fields changed"), None),  # see _fields
    "number": (gettext_lazy("Certificate number"), _text),
    "until": (gettext_lazy("Until"), _date),
    "extended": (gettext_lazy("Extension of an earlier grant"), _yes),
    "evaluator_organization": (gettext_lazy("Evaluator organisation"), _text),
    "name": (gettext_lazy("Name"), _text),
    "grade": (gettext_lazy("Grade"), _label(GRADES)),
    "result": (gettext_lazy("Result"), _label(GRADES)),
    "outcome": (gettext_lazy("Outcome"), _label(OUTCOMES)),
    "approved": (gettext_lazy("Approved"), _yes),
    "recommended": (gettext_lazy("Recommended"), _yes),
    "sso": (gettext_lazy("Single sign-on"), _yes),
    "channels": (gettext_lazy("Channels"), lambda v: "、".join(str(CHANNELS.get(c, "")) for c in v if c in CHANNELS)
                 if isinstance(v, list) else None),
    "point": (gettext_lazy("Capability point"), _text),
    "version": (gettext_lazy("Version"), str),
    "size": (gettext_lazy("Size"), _size),
    "year": (gettext_lazy("Year"), str),
    "enrolled": (gettext_lazy("Teachers enrolled"), str),
    "exempt": (gettext_lazy("Teachers exempt"), str),
    "target": (gettext_lazy("Target"), str),
    "taken": (gettext_lazy("Times taken"), str),
    "assigned": (gettext_lazy("Items assigned"), str),
    "sampled": (gettext_lazy("Items sampled"), str),
    "population": (gettext_lazy("Items to sample from"), str),
    "failed": (gettext_lazy("Items failed"), str),
    "returned": (gettext_lazy("Teachers returned"), str),
    "share": (gettext_lazy("Share sampled"), str),
    "rate_limit": (gettext_lazy("Requests per minute"), str),
    "retention_days": (gettext_lazy("Kept for (days)"), str),
    "files": (gettext_lazy("Files"), _count),
    "created": (gettext_lazy("Created"), _count),
    "updated": (gettext_lazy("Updated"), _count),
    "unchanged": (gettext_lazy("Unchanged"), _count),
    "transferred": (gettext_lazy("Transferred"), _count),
    "period": (gettext_lazy("Period"), _text),
    "phone": (gettext_lazy("Phone entered"), _text),
    "tries": (gettext_lazy("Attempts"), str),
    "forced": (gettext_lazy("Required at login"), _yes),
    "sessions_ended": (gettext_lazy("Other sessions ended"), _count),
    "first_password": (gettext_lazy("First password of the account"), _yes),
    "sms": (gettext_lazy("Sent by SMS"), _yes),
    "sms_muted": (pgettext_lazy("audit detail", "SMS muted"), _yes),
}
# Keys that say nothing to a reader (internal numbers, keys, random seeds): left out quietly.
SILENT_KEYS = frozenset({"seed", "task", "submission", "intervention", "job", "batch", "exemption", "args",
                         "key", "client_id", "redirect_uri", "before", "after", "query", "status", "filters",
                         "table", "source", "code", "side", "errno", "error", "fail_threshold", "preset",
                         "copied_from", "rules", "items", "bands", "changed", "imports", "number_of"})


@dataclass
class AuditRow:
    """One entry in words."""

    entry: AuditLog
    at: dt.datetime
    who: str
    who_role: str
    action: str
    target: str
    unit: str
    ip: str
    details: list[str]


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, UNKNOWN_ACTION))


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1])


def _collect(entries: list[AuditLog]) -> _Needs:
    needs = _Needs()
    for e in entries:
        if e.actor_id:
            needs.users.add(e.actor_id)
        if e.object_type and e.object_id:
            needs.objects[e.object_type].add(e.object_id)
        if e.scope_path:
            needs.paths.add(e.scope_path)
        detail = e.detail if isinstance(e.detail, dict) else {}
        for key, value in detail.items():
            kind = DETAIL_KEYS.get(key, (None, None))[1]
            if kind == "user" and _int(value) is not None:
                needs.users.add(_int(value))
            elif kind == "teacher" and _int(value) is not None:
                needs.teachers.add(_int(value))
            elif kind == "program" and value:
                needs.programs.add(str(value))
            elif kind == "node" and value:
                needs.nodes.add(str(value))
            elif kind == "school" and _int(value) is not None:
                needs.schools.add(_int(value))
    return needs


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _model_by_name(object_type: str):
    """The model an object type names (`obj._meta.model_name`), by the app registry."""
    found = [m for m in apps.get_models() if m._meta.model_name == object_type]
    preferred = [m for m in found if getattr(m, "scope_path_field", None)]
    return (preferred or found or [None])[0]


def _fields_of(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _object_names(objects: dict[str, set[str]], names: _Names) -> None:
    """One query per kind of object on the page."""
    for object_type, ids in objects.items():
        pks = [i for i in ids if i.isdigit()]
        if object_type in ("login", "network", "page", "export") or not pks:
            continue
        if object_type == "user":
            names.users.update({u: n for u, n in User.objects.filter(pk__in=pks).values_list("pk", "name")})
            continue
        model = _model_by_name(object_type)
        if model is None:
            continue
        have = _fields_of(model)
        related = [f for f in ("teacher", "program", "school", "county", "enrollment__teacher",
                               "submission__teacher", "submission__program") if f.split("__")[0] in have]
        qs = model._default_manager.filter(pk__in=pks).select_related(*related)
        verbose = str(OBJECT_LABELS.get(object_type, UNKNOWN_OBJECT))
        for obj in qs:
            names.objects[(object_type, str(obj.pk))] = _describe(obj, verbose, have)


def _describe(obj, verbose: str, have: set[str]) -> str:
    """A readable name for one row of any model: its own name or title, else its kind and the
    teacher and program it is about."""
    if obj._meta.model_name == "teacher":
        return f"{obj.name}（{obj.school.name}）" if getattr(obj, "school", None) else obj.name
    own = next((getattr(obj, f) for f in ("name", "title") if f in have and getattr(obj, f)), None)
    if own:
        return str(own)
    parts = []
    teacher = getattr(obj, "teacher", None) if "teacher" in have else None
    for via in ("enrollment", "submission"):  # an assessment is about its evidence's teacher
        if teacher is None and via in have and getattr(obj, via, None) is not None:
            teacher = getattr(obj, via).teacher
    if teacher is not None:
        parts.append(teacher.name)
    program = getattr(obj, "program", None) if "program" in have else None
    if program is not None:
        parts.append(program.name)
    if "number" in have and getattr(obj, "number", ""):
        parts.append(obj.number)
    if "school" in have and getattr(obj, "school", None) is not None and teacher is None:
        parts.append(obj.school.name)
    return f"{verbose}：{' · '.join(parts)}" if parts else verbose


def _lookups(needs: _Needs) -> _Names:
    names = _Names()
    _object_names(needs.objects, names)
    missing_users = needs.users - names.users.keys()
    if missing_users:
        names.users.update(dict(User.objects.filter(pk__in=missing_users).values_list("pk", "name")))
    if needs.users:
        roles: dict[int, list[str]] = defaultdict(list)
        for a in RoleAssignment.objects.filter(user_id__in=needs.users).select_related(
                "region", "school", "organization").order_by("pk"):
            roles[a.user_id].append(f"{ROLE_NAMES.get(a.role, '')} · {a.node.name}")
        names.roles = {u: "；".join(r) for u, r in roles.items()}
    teacher_model = _model("people", "Teacher")
    if needs.teachers and teacher_model is not None:
        names.teachers = dict(teacher_model.objects.filter(pk__in=needs.teachers).values_list("pk", "name"))
    program_model = _model("programs", "Program")
    if needs.programs and program_model is not None:
        names.programs = dict(program_model.objects.filter(code__in=needs.programs).values_list("code", "name"))
    region, school, org = _model("orgs", "Region"), _model("orgs", "School"), _model("orgs", "Organization")
    if needs.nodes:
        for model in (region, school, org):
            names.nodes.update(model.objects.filter(code__in=needs.nodes).values_list("code", "name"))
    if needs.paths:
        for model in (region, school, org):
            names.paths.update(model.objects.filter(path__in=needs.paths).values_list("path", "name"))
    if needs.schools:
        names.schools = dict(school.objects.filter(pk__in=needs.schools).values_list("pk", "name"))
    return names


def _target(e: AuditLog, names: _Names) -> str:
    detail = e.detail if isinstance(e.detail, dict) else {}
    if e.object_type == "login":
        return _("A login name that is no account")
    if e.object_type == "network":
        return _("Network %(address)s") % {"address": e.object_id.removeprefix("ip:")}
    if e.object_type == "export":
        return _export_title(detail.get("table") or e.object_id)
    if e.object_type == "page":
        return _("A page: %(path)s") % {"path": e.object_id}
    if e.object_type == "user":
        return names.users.get(_int(e.object_id) or 0, _("An account that no longer exists"))
    if not e.object_type:
        return ""
    found = names.objects.get((e.object_type, e.object_id))
    if found:
        return found
    return str(OBJECT_LABELS.get(e.object_type, UNKNOWN_OBJECT))


def _export_title(table: str) -> str:
    """The export's own title. The table registry lives in monitoring, above accounts: read
    lazily (as orgs.scope reads learning's contracts), only for a page that shows an export."""
    from tisheng.monitoring.exports import TABLES

    found = TABLES.get(str(table))
    if found is not None:
        return _("Export: %(title)s") % {"title": found.title}
    kind = EXPORT_KINDS.get(str(table))
    return _("Export: %(title)s") % {"title": kind} if kind else _("An export")


def _reason(e: AuditLog, value: Any) -> str | None:
    if e.action in ("login_failed", "login_throttled", "password_reset_failed"):
        return str(LOGIN_REASONS[value]) if value in LOGIN_REASONS else None
    return _text(value)


def _fields(value: Any) -> str | None:
    teacher_model = _model("people", "Teacher")
    if not isinstance(value, list) or teacher_model is None:
        return None
    labels = []
    for name in value:
        try:
            labels.append(str(teacher_model._meta.get_field(name).verbose_name))
        except Exception:  # noqa: BLE001 - a field that no longer exists
            continue
    return "、".join(labels) or None


def _details(e: AuditLog, names: _Names) -> list[str]:
    detail = e.detail if isinstance(e.detail, dict) else {}
    out: list[str] = []
    for key, value in detail.items():
        if key in SILENT_KEYS or key not in DETAIL_KEYS:
            continue
        label, reader = DETAIL_KEYS[key]
        if key == "reason":
            text = _reason(e, value)
        elif key == "fields":
            text = _fields(value)
        elif reader == "user":
            text = names.users.get(_int(value) or 0)
        elif reader == "teacher":  # a teacher's id, or (older entries) their name
            text = names.teachers.get(_int(value) or 0) if _int(value) is not None else _text(value)
        elif reader == "program":
            text = names.programs.get(str(value))
        elif reader == "node":
            text = names.nodes.get(str(value))
        elif reader == "school":
            text = names.schools.get(_int(value) or 0)
        else:
            try:
                text = reader(value)
            except (TypeError, ValueError, KeyError):
                text = None
        if text:
            out.append(f"{label}：{text}")
    return out


def describe(entries: Iterable[AuditLog]) -> list[AuditRow]:
    """Entries in words, the names they need looked up in bulk."""
    entries = list(entries)
    names = _lookups(_collect(entries))
    rows = []
    for e in entries:
        if e.action in FAILED_LOGIN_ACTIONS:
            # Recorded against the account that was tried; whoever typed the password was
            # not logged in, and may not be its holder.
            who, who_role = _("A visitor (not logged in)"), ""
        elif e.actor_id:
            who = names.users.get(e.actor_id) or e.actor_name or _("An account that no longer exists")
            who_role = names.roles.get(e.actor_id, "")
        else:
            who, who_role = _("The system"), ""
        rows.append(AuditRow(
            entry=e, at=e.at.astimezone(SHANGHAI), who=who, who_role=who_role, action=action_label(e.action),
            target=_target(e, names), unit=names.paths.get(e.scope_path, ""), ip=e.ip or "",
            details=_details(e, names)))
    return rows

"""Tracks (专项培训): a program for one group of people instead of the whole staff.

A program without a `Track` row is a full-staff program (the rollout enrolls every teacher of
its counties). A track is a program with a row here: its kind, the office that runs it
(`run_by`, the level that selects), and its participant rule. Participants are nominated from
below (a school, or an office between the school and the runner) and selected by the runner
within the quota of each subunit — the runner's child regions (province → cities, city →
counties) through `programs.QuotaTarget`, or the schools of a county-run track through
`SchoolQuota`. A selected nominee is enrolled in the track's program by the programs service,
so hours, completion and the registry work as for any program."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TrackKind(models.TextChoices):
    FULL_STAFF = "full_staff", pgettext_lazy("track kind", "Full staff")  # 全员培训
    LEADERSHIP = "leadership", pgettext_lazy("track kind", "Leadership")  # 信息化领导力（校长、管理团队）
    TRAINING_TEAM = "training_team", pgettext_lazy("track kind", "Training team")  # 培训团队
    PILOT = "pilot", pgettext_lazy("track kind", "Pilot principals and teachers")  # 智能化教育领航
    CROSS_DISCIPLINARY = "cross_disciplinary", pgettext_lazy("track kind", "Cross-disciplinary")  # 跨学科教学
    BACKBONE = "backbone", pgettext_lazy("track kind", "Backbone teachers")  # 骨干教师


class ParticipantRule(models.TextChoices):
    """Who may be nominated. `school_leaders`: the school's principal (its school administrator)
    and its CIO or principal on the school's 2.0 practice team; `teachers`: any active teacher
    of the school, nominated by name."""

    SCHOOL_LEADERS = "school_leaders", pgettext_lazy("participant rule", "The school's principal and CIO")
    TEACHERS = "teachers", pgettext_lazy("participant rule", "Nominated teachers")


# The rule each kind starts with (the office may choose the other one).
DEFAULT_RULE = {
    TrackKind.LEADERSHIP: ParticipantRule.SCHOOL_LEADERS,
    TrackKind.PILOT: ParticipantRule.SCHOOL_LEADERS,
}


class Track(models.Model):
    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="track")
    kind = models.CharField(_("track"), max_length=24, choices=TrackKind.choices)
    participant_rule = models.CharField(_("participants"), max_length=16, choices=ParticipantRule.choices)
    run_by = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    run_by_path = models.CharField(max_length=64, db_index=True)
    description = models.TextField(_("description"), blank=True)
    nominations_close = models.DateField(_("nominations close"), null=True, blank=True)
    # The deliverable's rubric (the leadership track's school plan): [{code, name, max, guide}].
    rubric = models.JSONField(_("rubric"), default=list, blank=True)
    pass_mark = models.PositiveIntegerField(_("pass mark"), default=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "run_by_path"
    scope_view_capability = "tracks.view"

    class Meta:
        ordering = ["run_by_path", "-created_at", "id"]

    def __str__(self) -> str:
        return str(self.program)

    def unit_depth(self) -> int:
        """How many path components a quota subunit has: one more than the runner's."""
        return self.run_by_path.count("/") + 2

    def unit_path(self, org_path: str) -> str:
        """The quota subunit a teacher at `org_path` counts for (a child region of the runner,
        or their school when a county runs the track)."""
        return "/".join(org_path.split("/")[: self.unit_depth()])


class SchoolQuota(models.Model):
    """The places of one school in a county-run track (schools are not regions, so a county's
    subunit quota lives here; a province's or city's is a `programs.QuotaTarget`)."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="school_quotas")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    target = models.PositiveIntegerField(_("places"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["track", "school"], name="one_quota_per_track_school")]

    def __str__(self) -> str:
        return f"{self.school} ≤ {self.target}"


class Nomination(models.Model):
    class State(models.TextChoices):
        NOMINATED = "nominated", pgettext_lazy("nomination state", "Nominated")
        SELECTED = "selected", pgettext_lazy("nomination state", "Selected")
        DECLINED = "declined", pgettext_lazy("nomination state", "Not selected")
        WITHDRAWN = "withdrawn", pgettext_lazy("nomination state", "Withdrawn")

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="nominations")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=96, db_index=True)
    unit_path = models.CharField(max_length=96)  # the quota subunit (Track.unit_path)
    reason = models.CharField(_("reason for nomination"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "tracks.view"

    class Meta:
        ordering = ["org_path", "nominated_at", "id"]
        constraints = [models.UniqueConstraint(fields=["track", "teacher"], name="one_nomination_per_track")]
        indexes = [models.Index(fields=["track", "unit_path", "state"], name="nomination_unit_state")]

    def __str__(self) -> str:
        return f"{self.track} · {self.teacher}"


# The leadership track's deliverable ---------------------------------------------------------

# The county's rubric for a school's informatization plan (学校信息化发展规划), as data: each
# criterion's code, name, full marks and what earns them. A track may carry its own.
DEFAULT_PLAN_RUBRIC = [
    {"code": "analysis", "name": "现状分析", "max": 15,
     "guide": "学校信息化环境、教师能力和应用现状分析准确，问题找得准"},
    {"code": "goals", "name": "发展目标", "max": 25,
     "guide": "目标明确、可检测，覆盖全体教师的能力点达标和课堂常态化应用"},
    {"code": "topics", "name": "研修主题", "max": 20, "guide": "研修主题聚焦课堂教学问题，与学校环境匹配"},
    {"code": "schedule", "name": "研修安排", "max": 20, "guide": "校本研修活动分学期安排，时间、内容、形式具体"},
    {"code": "support", "name": "保障措施", "max": 20, "guide": "组织、制度、经费和考核保障到位，校长亲自抓"},
]
DEFAULT_PASS_MARK = 60


class PlanReview(models.Model):
    """The runner's review of one version of a school's plan, scored on the track's rubric as it
    stood (copied, so a later rubric change never rewrites a past score)."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="plan_reviews")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    school_path = models.CharField(max_length=96, db_index=True)
    plan = models.ForeignKey("practice.SchoolPlan", on_delete=models.PROTECT, related_name="+")
    plan_version = models.PositiveIntegerField(_("version"))
    rubric = models.JSONField(default=list)
    scores = models.JSONField(default=dict)  # {criterion code: points}
    total = models.PositiveIntegerField(_("score"))
    pass_mark = models.PositiveIntegerField(default=DEFAULT_PASS_MARK)
    passed = models.BooleanField(_("passed"))
    comments = models.TextField(_("comments"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "school_path"
    scope_view_capability = "tracks.view"

    class Meta:
        ordering = ["school_path", "-reviewed_at", "-id"]
        indexes = [models.Index(fields=["track", "school", "-reviewed_at"], name="plan_review_latest")]

    def __str__(self) -> str:
        return f"{self.school} v{self.plan_version}: {self.total}"


class TermCheck(models.Model):
    """A term's follow-up of a school's plan: the figures the runner saw (plan goal vs practice
    results at the term's end, kept as they were) and its judgement."""

    class Rating(models.TextChoices):
        ON_TRACK = "on_track", pgettext_lazy("plan follow-up", "On track")
        BEHIND = "behind", pgettext_lazy("plan follow-up", "Behind the plan")
        STALLED = "stalled", pgettext_lazy("plan follow-up", "Not implemented")

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="term_checks")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    school_path = models.CharField(max_length=96, db_index=True)
    term = models.CharField(_("term"), max_length=16)  # "2026-1": the term that starts in autumn 2026
    figures = models.JSONField(default=dict)
    rating = models.CharField(_("judgement"), max_length=16, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "school_path"
    scope_view_capability = "tracks.view"

    class Meta:
        ordering = ["school_path", "term"]
        constraints = [models.UniqueConstraint(fields=["track", "school", "term"], name="one_term_check")]

    def __str__(self) -> str:
        return f"{self.school} {self.term}: {self.rating}"


class PoolDraw(models.Model):
    """A trainer of a county's pool drawn by an institution or teacher college as a tutor (the
    tutor role at the organization, so its classes can be given to them)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="draws")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["nomination", "organization", "role"], name="one_draw_per_role")]

    def __str__(self) -> str:
        return f"{self.nomination_id} → {self.organization_id} ({self.role})"

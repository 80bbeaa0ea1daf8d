"""Early warning and intervention models.

`RiskScore` is the last computed risk of one enrolled teacher missing the program's deadline
(one row per program × teacher, replaced by each refresh of the teacher's area); `RiskRun`
records each refresh so every list can show how old its numbers are. `SchoolRisk` holds each
school's counts per level, written by the same refresh, so the home pages' "schools at risk"
reads a row per school instead of counting distinct schools over every high-risk teacher.
`Intervention` is one
reminder or follow-up request about one teacher (who, whom, which channels, when). What a
person finds on their notifications page is `tisheng.notifications.models.Notification` (moved
there by migration 0003, rows and all)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


class RiskScore(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=96)
    score = models.PositiveSmallIntegerField()  # 0–100
    level = models.CharField(max_length=8, choices=RiskLevel.choices)
    # ["近 21 天无学习记录", "按当前进度将于截止日后 40 天完成", …]: what raised the score.
    reasons = models.JSONField(default=list)
    # The numbers behind the reasons and the points each rule gave (see risk.py).
    factors = models.JSONField(default=dict)
    as_of = models.DateTimeField()
    computed_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_view_capability = "reports.view"

    class Meta:
        ordering = ["-score", "org_path", "teacher_id"]
        constraints = [models.UniqueConstraint(fields=["program", "teacher"], name="one_risk_per_enrollment")]
        indexes = [models.Index(fields=["program", "org_path", "level", "score"], name="risk_list"),
                   models.Index(fields=["program", "level", "-score"], name="risk_by_level"),
                   # The list's default order: the first page without sorting every row.
                   models.Index(fields=["program", "-score", "org_path", "teacher"], name="risk_by_score")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.level} {self.score}"


class RiskRun(models.Model):
    """One refresh of the risk scores of a program under one org path."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=96)
    as_of = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    high = models.PositiveIntegerField(default=0)
    medium = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["program", "-finished_at"], name="risk_run_latest")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.path} {self.started_at:%Y-%m-%d %H:%M}"


class SchoolRisk(models.Model):
    """How many of one school's enrolled teachers each level holds in one program, as of the
    last refresh of the school's area (replaced with its RiskScore rows, see risk.py)."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=96)
    high = models.PositiveIntegerField(default=0)
    medium = models.PositiveIntegerField(default=0)
    low = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_view_capability = "reports.view"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "school"], name="one_school_risk_per_program")]
        # The home pages read only the schools with a high-risk teacher, under the viewer's path.
        indexes = [models.Index(fields=["program", "org_path"], condition=models.Q(high__gt=0),
                                name="school_risk_high")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.school_id} high={self.high}"


class Intervention(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        FOLLOW_UP = "follow_up", _("Principal asked to follow up")

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=96)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Channels that actually carried it: "in_app", "email", "sms"; for a follow-up, "principal".
    channels = models.JSONField(default=list)
    message = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)  # the score when it was sent
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_view_capability = "reports.view"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "org_path", "created_at"], name="intervention_scope"),
                   models.Index(fields=["teacher", "created_at"], name="intervention_teacher")]

    def __str__(self) -> str:
        return f"{self.kind} {self.teacher_id} {self.created_at:%Y-%m-%d}"


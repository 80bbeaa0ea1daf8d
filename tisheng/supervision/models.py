"""Supervision (督导): an office's inspection round over the units below it.

    Round (an office at a region; indicators as data; a program whose numbers pre-fill them)
      └ Inspection (one unit: a county, or a school for a county's round; its inspectors,
          the platform's figures at planning time, an overall grade)
          ├ Finding (one per indicator: the platform value, a grade, a comment, evidence files)
          └ Rectification (整改: an item with an owner at the unit and a deadline)
               └ RectificationAnswer (what the unit did, with evidence; the office accepts or reopens)

Who sees what is decided in selectors.py: the office whose region covers the round's, the
inspectors assigned to a unit (that unit only), and the inspected unit itself (its own findings).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap


class RoundKind(models.TextChoices):
    REGULAR = "regular", pgettext_lazy("supervision round kind", "Regular inspection")
    MIDTERM = "midterm", pgettext_lazy("supervision round kind", "Mid-term special inspection")
    SPECIAL = "special", pgettext_lazy("supervision round kind", "Special inspection")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", pgettext_lazy("supervision grade", "Excellent")
    GOOD = "good", pgettext_lazy("supervision grade", "Good")
    PASS = "pass", pgettext_lazy("supervision grade", "Pass")
    FAIL = "fail", pgettext_lazy("supervision grade", "Fail")


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("supervision round status", "In progress")
        CLOSED = "closed", pgettext_lazy("supervision round status", "Closed")

    title = models.CharField(_("title"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices, default=RoundKind.REGULAR)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    unit_level = models.CharField(max_length=16)  # "county" or "school"
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    # [{"code": "i1", "name": "参训率", "metric": "participation", "target": 95.0, "weight": 20}, …]
    indicators = models.JSONField(default=list)
    figures_day = models.DateField(null=True, blank=True)  # the roll-up day the figures come from
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"
    scope_view_capability = Cap.SUPERVISION_MANAGE

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Inspection(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("inspection status", "Not inspected")
        GRADED = "graded", pgettext_lazy("inspection status", "Graded")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="inspections")
    unit_path = models.CharField(max_length=96, db_index=True)
    unit_code = models.CharField(max_length=16)
    unit_name = models.CharField(max_length=128)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inspections")
    figures = models.JSONField(default=dict)  # {metric: value or None} at planning time
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "unit_path"

    class Meta:
        ordering = ["round", "unit_path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit_path"], name="one_inspection_per_unit")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.unit_name}"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    indicator = models.CharField(max_length=16)  # the indicator's code in the round's rubric
    value = models.FloatField(null=True, blank=True)  # the platform's figure when recorded
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["inspection", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "indicator"], name="one_finding_per_indicator")]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.indicator}: {self.grade}"


class Rectification(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification status", "To rectify")
        ANSWERED = "answered", pgettext_lazy("rectification status", "Answered")
        ACCEPTED = "accepted", pgettext_lazy("rectification status", "Accepted")
        REOPENED = "reopened", pgettext_lazy("rectification status", "Reopened")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="rectifications")
    indicator = models.CharField(max_length=16, blank=True)
    description = models.TextField(_("what must be rectified"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rectifications")
    deadline = models.DateField(_("deadline"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The deadline whose passing the owner was told about: told once per deadline, again when a
    # reopened item misses its new one.
    overdue_notice_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["inspection", "deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due")]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.description[:20]}"

    @property
    def awaits_unit(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.REOPENED)

    def is_overdue(self, today) -> bool:
        return self.awaits_unit and self.deadline < today


class RectificationAnswer(models.Model):
    class Decision(models.TextChoices):
        NONE = "", pgettext_lazy("rectification decision", "Awaiting decision")
        ACCEPTED = "accepted", pgettext_lazy("rectification decision", "Accepted")
        REOPENED = "reopened", pgettext_lazy("rectification decision", "Reopened")

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("what was done"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rectification", "answered_at", "id"]

    def __str__(self) -> str:
        return f"answer {self.pk} to {self.rectification_id}"


class EvidenceFile(models.Model):
    """A photo or document attached to a finding or to an answer, checked by content like practice
    evidence and stored under PRIVATE_MEDIA_ROOT/supervision/."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="files")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    answer = models.ForeignKey(RectificationAnswer, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="files")
    file_name = models.CharField(max_length=255)  # relative to PRIVATE_MEDIA_ROOT/supervision
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(finding__isnull=False, answer__isnull=True)
            | models.Q(finding__isnull=True, answer__isnull=False), name="supervision_file_has_one_owner")]

    def __str__(self) -> str:
        return self.original_name


class ProvincePlan(models.Model):
    """规划方案: the province office's working draft of its plan for the ministry, one per
    province: its own text per section (the platform's data is read afresh whenever the plan
    is previewed or filed, see plan/compose.py)."""

    region = models.OneToOneField("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=128)
    texts = models.JSONField(default=dict)  # {section key: the office's text}
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class PlanFiling(models.Model):
    """One filed (备案) version of a province's plan: the composed document as it was that day,
    its PDF and .docx with their SHA-256, who filed it. Never changed once written."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=128)
    filed_on = models.DateField()
    filed_at = models.DateTimeField(default=timezone.now)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.JSONField()  # the composed plan: sections with their tables and texts
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    docx = models.BinaryField()
    docx_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_plan_filing_per_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("a filed plan is never changed")  # programming error, not a user's
        super().save(*args, **kwargs)

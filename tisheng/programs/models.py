from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.programs.rules import RuleSet


class RegistryCategory(models.TextChoices):
    """What a program's hours count as in a teacher's continuing-education registry
    (继续教育学时档案): the province's minimums are per category."""

    IT_ABILITY = "it_ability", _("IT application ability")
    ETHICS = "ethics", _("Teacher ethics")
    SUBJECT = "subject", _("Subject teaching")
    GENERAL = "general", _("General education")


class RegistryLevel(models.TextChoices):
    """Which level ran the training (国家级/省级/市级/县级/校本): the province's minimums
    are per level too."""

    NATIONAL = "national", pgettext_lazy("registry level", "National")
    PROVINCE = "province", pgettext_lazy("registry level", "Provincial")
    CITY = "city", pgettext_lazy("registry level", "Municipal")
    COUNTY = "county", pgettext_lazy("registry level", "County")
    SCHOOL = "school", pgettext_lazy("registry level", "School-based")


class Program(models.Model):
    """A training program (1.0, 2.0 or a province's variant) with its rules as data.
    `registry_category` and `registry_level` say what its hours count as in every
    teacher's continuing-education registry."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("deadline"))
    # Exemptions (years to retirement) are judged at this date.
    reference_date = models.DateField(_("reference date for exemptions"))
    rules = models.JSONField(_("rule set"))
    rules_version = models.PositiveIntegerField(default=1)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    registry_category = models.CharField(_("registry category"), max_length=16, choices=RegistryCategory.choices,
                                         default=RegistryCategory.IT_ABILITY)
    registry_level = models.CharField(_("registry level"), max_length=16, choices=RegistryLevel.choices,
                                      default=RegistryLevel.PROVINCE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def ruleset(self) -> RuleSet:
        cached = getattr(self, "_ruleset", None)
        if cached is None or cached[0] != self.rules:
            cached = (self.rules, RuleSet.model_validate(self.rules))
            self._ruleset = cached
        return cached[1]


class RolloutBatch(models.Model):
    """Which counties join a program in which year (the notice's 分批推进)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="batches")
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=64)
    counties = models.ManyToManyField("orgs.Region", related_name="rollout_batches", blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "year", "id"]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class EnrollmentState(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    EXEMPT = "exempt", _("Exempt")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETE = "complete", _("Complete")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    CERTIFIED = "certified", _("Certified")
    RETURNED = "returned", _("Returned")


class ReviewLevel(models.TextChoices):
    """Who holds an enrollment that is under review: the next level to decide."""

    COUNTY = "county", _("County")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")


class Enrollment(models.Model):
    """A teacher in a program. `org_path` mirrors the teacher's school so the scope filter
    is one prefix match here too; the hour totals and the explanation are the last
    completion evaluation (computed from the ledger, never edited by hand)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="enrollments")
    batch = models.ForeignKey(RolloutBatch, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="enrollments")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=96, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=EnrollmentState.choices,
                             default=EnrollmentState.ENROLLED, db_index=True)
    review_level = models.CharField(max_length=16, choices=ReviewLevel.choices, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    # Last completion evaluation.
    online_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    practice_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    offline_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    imported_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    total_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    explanation = models.CharField(_("what is left"), max_length=255, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "teacher"], name="one_enrollment_per_program")]
        indexes = [
            models.Index(fields=["program", "org_path", "state"], name="enrollment_scope_state"),
            models.Index(fields=["program", "state", "review_level", "org_path"], name="enrollment_review_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} in {self.program_id} ({self.state})"


class Exemption(models.Model):
    """Why an enrollment is exempt. Automatic ones (years to retirement) are granted by the
    rule; manual ones (long sick leave, …) wait for an approver."""

    class Kind(models.TextChoices):
        RETIREMENT = "retirement", _("Close to retirement")
        MANUAL = "manual", _("Manual")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="exemptions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=255)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    # Scoped through its enrollment (a lookup path, not a column: no migration).
    scope_path_field = "enrollment__org_path"
    scope_owner_field = "enrollment__teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="manual_exemption_decided_by_someone",
                                   condition=~Q(kind="manual", state="approved") | Q(decided_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class ReviewDecision(models.Model):
    """One step of the review chain (结业审核) for one enrollment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="decisions")
    level = models.CharField(max_length=16)  # school / county / city / province
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.level} {self.action} {self.enrollment_id}"


class TrainingKind(models.TextChoices):
    """Who the management and backbone training (管理人员和骨干教师专项培训) reached."""

    MANAGEMENT = "management", _("Administrators, researchers and principals")
    BACKBONE = "backbone", _("Backbone teachers")


class QuotaTarget(models.Model):
    """How many people a level must train itself (the Fujian notice: the province at least
    2,000 administrators, researchers, principals and backbone teachers; each 设区市 500;
    平潭 100). `kind` blank means both kinds together."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="quota_targets")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=TrainingKind.choices, blank=True)
    target = models.PositiveIntegerField(_("target"))

    scope_path_field = "region__path"
    scope_view_capability = "reports.view"

    class Meta:
        ordering = ["program", "region__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["program", "region", "kind"], name="one_quota_per_region_kind")]

    def __str__(self) -> str:
        return f"{self.region} {self.kind or '*'} ≥ {self.target}"


class ManagementTraining(models.Model):
    """One person trained by an office's own management/backbone training: the actual side
    of a QuotaTarget. `region` is the level that organised it (province or city), which is
    whose quota it counts for; the teacher is linked when they are on a roster."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="management_trainings")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TrainingKind.choices)
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=64)
    position = models.CharField(_("position"), max_length=64, blank=True)
    trained_on = models.DateField(_("trained on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"
    scope_view_capability = "reports.view"

    class Meta:
        ordering = ["-trained_on", "-id"]
        indexes = [models.Index(fields=["program", "region", "kind"], name="training_quota_actual")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.trained_on})"

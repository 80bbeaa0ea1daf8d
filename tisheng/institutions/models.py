"""Training institutions from selection to exit.

- `SelectionRound` (遴选): the province's call for applications, with its rubric (as data, the
  panels app's shape), how many to select, the window and the required materials; scored by an
  expert panel (tisheng.panels) and decided one application at a time with a recorded reason.
- `Application`, `ApplicationMaterial`: an institution's application, its course list and files.
- `CourseRating`, `EvaluationPeriod`, `InstitutionExit`: evaluation and exit (later items)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SelectionRound(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=96, db_index=True)
    title = models.CharField(_("title"), max_length=128)
    rubric = models.JSONField(default=dict)
    select_min = models.PositiveSmallIntegerField(default=5)
    select_max = models.PositiveSmallIntegerField(default=7)
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    # [{"key": "m1", "label": "营业执照"}, …]: each must be uploaded before submitting.
    materials = models.JSONField(default=list)
    panel = models.OneToOneField("panels.Panel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    review_started_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [models.CheckConstraint(name="selection_window_ordered",
                                              condition=models.Q(closes_on__gte=models.F("opens_on"))),
                       models.CheckConstraint(name="selection_counts_ordered",
                                              condition=models.Q(select_max__gte=models.F("select_min")))]

    def __str__(self) -> str:
        return self.title


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("application state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("application state", "Submitted")
    SELECTED = "selected", pgettext_lazy("application state", "Selected")
    NOT_SELECTED = "not_selected", pgettext_lazy("application state", "Not selected")


class Application(models.Model):
    round = models.ForeignKey(SelectionRound, on_delete=models.PROTECT, related_name="applications")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    # The institution's node path: its own users (role institution at it) reach it.
    scope_path = models.CharField(max_length=96, db_index=True)
    status = models.CharField(max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    statement = models.TextField(_("statement"), blank=True)
    # [{"title": …, "hours": "10", "stages": "小学、初中"}, …]
    courses = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "institution"], name="one_application_per_round")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.round}"


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    key = models.CharField(max_length=16)
    file_name = models.CharField(max_length=128)
    stored_path = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="one_file_per_material")]

    def __str__(self) -> str:
        return self.file_name


# --- evaluation (考评) -----------------------------------------------------------------------

RATING_DIMENSIONS = (
    ("content", pgettext_lazy("rating dimension", "Course content")),
    ("usefulness", pgettext_lazy("rating dimension", "Use in class")),
    ("platform", pgettext_lazy("rating dimension", "Platform")),
    ("service", pgettext_lazy("rating dimension", "Support")),
)


class CourseRating(models.Model):
    """A teacher's rating of a course they finished and of its institution: 1–5 on each
    dimension plus a comment, one per teacher and course (editing replaces it). The institution
    never sees `teacher`: its pages read aggregates and comments without it; `org_path` (the
    teacher's school when rating) is what regional figures group by."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=96, db_index=True)
    content = models.PositiveSmallIntegerField()
    usefulness = models.PositiveSmallIntegerField()
    platform = models.PositiveSmallIntegerField()
    service = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "course"], name="one_rating_per_teacher_course"),
            *[models.CheckConstraint(name=f"rating_{d}_1_to_5", condition=models.Q(**{f"{d}__gte": 1, f"{d}__lte": 5}))
              for d, _label in RATING_DIMENSIONS],
        ]
        # The evaluation page's newest comments walk it backwards (ordering above) and stop at 50;
        # measures() reads the year's range of it.
        indexes = [models.Index(fields=["institution", "updated_at", "id"], name="rating_institution_time_id")]

    def __str__(self) -> str:
        return f"rating {self.pk} of course {self.course_id}"

    @property
    def mean(self) -> float:
        return sum(getattr(self, d) for d, _label in RATING_DIMENSIONS) / len(RATING_DIMENSIONS)


class EvaluationPeriod(models.Model):
    """One year's evaluation of the province's institutions: the composite's weights (data the
    province edits), the expert panel that scores each institution on a rubric (tisheng.panels)
    and when the ranking was published."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=96, db_index=True)
    year = models.PositiveSmallIntegerField()
    weights = models.JSONField(default=dict)
    panel = models.OneToOneField("panels.Panel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    ranking = models.JSONField(default=list, blank=True)  # frozen when published

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_evaluation_per_region_year")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class ThirdPartyEvaluation(models.Model):
    """A third-party evaluator's report on one institution for a period, and its score (0–100)."""

    period = models.ForeignKey(EvaluationPeriod, on_delete=models.CASCADE, related_name="third_party")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    summary = models.TextField(blank=True)
    file_name = models.CharField(max_length=128)
    stored_path = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["institution", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["period", "institution", "evaluator"], name="one_report_per_evaluator"),
            models.CheckConstraint(name="third_party_score_0_100",
                                   condition=models.Q(score__gte=0, score__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.period_id}: {self.score}"


# --- exit (退出) -----------------------------------------------------------------------------

class ExitKind(models.TextChoices):
    SUSPEND = "suspend", pgettext_lazy("institution exit", "Suspended")
    TERMINATE = "terminate", pgettext_lazy("institution exit", "Terminated")


class ExitState(models.TextChoices):
    """Where a decision stands (InstitutionExit.state): what the exit pages show."""

    SCHEDULED = "scheduled", pgettext_lazy("exit state", "Scheduled")
    APPLYING = "applying", pgettext_lazy("exit state", "Being applied")
    APPLIED = "applied", pgettext_lazy("exit state", "In effect")
    FAILED = "failed", pgettext_lazy("exit state", "Failed")
    LIFTED = "lifted", pgettext_lazy("exit state", "Lifted")


class InstitutionExit(models.Model):
    """The province suspends or terminates an institution, in the whole province (`region_paths`
    empty) or some regions, from `effective_on`. Applied once from that day (`applied_at`), in
    the background by the job `apply_job` (services.exit): credentials and sign-on revoked when
    province-wide, a termination's progress carried over, affected teachers told; what it came to
    is added to `affected` (told, carried_teachers, carried_hours). Hours already credited stay.
    `lifted_at` ends a suspension."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")  # the deciding office
    scope_path = models.CharField(max_length=96, db_index=True)
    kind = models.CharField(max_length=16, choices=ExitKind.choices)
    region_paths = models.JSONField(default=list, blank=True)  # [] = the whole province
    reason = models.TextField()
    effective_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    affected = models.JSONField(default=dict, blank=True)  # what the preview counted, at confirmation
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # The latest background job applying it (queued on confirmation when it takes effect today, or
    # by the periodic run on its day); its state is the decision's until applied_at is set.
    apply_job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["institution", "effective_on"], name="exit_institution_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.institution_id} from {self.effective_on}"

    @property
    def state(self) -> str:
        """Scheduled (a later day), being applied (its job queued or running, or its day come and
        the periodic run about to queue it), in effect, failed (its job stopped with an error:
        nothing of it was applied), or lifted. Reads `apply_job` (select_related it in lists)."""
        if self.lifted_at is not None:
            return ExitState.LIFTED
        if self.applied_at is not None:
            return ExitState.APPLIED
        if self.apply_job_id is not None and self.apply_job.state == "failed":
            return ExitState.FAILED
        if self.apply_job_id is not None or self.effective_on <= timezone.localdate():
            return ExitState.APPLYING
        return ExitState.SCHEDULED

    def get_state_display(self) -> str:
        return ExitState(self.state).label


# --- registration (机构注册) ---------------------------------------------------------------

class RegistrationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("registration state", "Waiting for the province")
    APPROVED = "approved", pgettext_lazy("registration state", "Approved")
    REJECTED = "rejected", pgettext_lazy("registration state", "Rejected")


class InstitutionRegistration(models.Model):
    """A new training institution asks for an organisation account (the notice's 遴选 is open to
    institutions the platform does not know yet). Nothing exists until the province approves:
    then the Organization (its code the unified social credit code), the contact's account (the
    password they chose, kept here only as Django's hash) and the institution role are made in
    one transaction. Told by SMS either way; the row stays as the record of the check."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")  # the province
    scope_path = models.CharField(max_length=96, db_index=True)
    name = models.CharField(_("institution name"), max_length=128)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    contact_name = models.CharField(_("contact person"), max_length=64)
    phone = models.CharField(_("mobile phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    statement = models.TextField(_("about the institution"), blank=True)
    password_hash = models.CharField(max_length=128)
    licence_name = models.CharField(max_length=128)
    licence_path = models.CharField(max_length=255)
    licence_type = models.CharField(max_length=128)
    licence_size = models.PositiveBigIntegerField()
    licence_sha256 = models.CharField(max_length=64)
    network = models.CharField(max_length=64, blank=True)  # the client's IPv4 address or IPv6 /64 (the throttle)
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=models.Q(status="pending"),
                                    name="one_pending_registration_per_phone"),
            models.UniqueConstraint(fields=["credit_code"], condition=models.Q(status="pending"),
                                    name="one_pending_registration_per_code"),
        ]
        indexes = [models.Index(fields=["network", "created_at"], name="registration_network_time")]

    def __str__(self) -> str:
        return self.name


class InstitutionMeasures(models.Model):
    """An institution's objective measures for a year, per city (`key` the city's path) and in all
    (`key` "*"), as `institutions.measures.measures` computed them at `computed_at`: the daily
    roll-up run-periodic keeps for the years still being evaluated (institutions.rollup), so the
    province's pages read a few rows instead of scanning the ledger on every view."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=32)
    selections = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    median_days = models.FloatField(null=True, blank=True)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    statements = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    sso_failures = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    spot_failures = models.PositiveIntegerField(default=0)
    stars = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "year", "key"],
                                               name="one_measures_row_per_institution_year_key")]
        indexes = [models.Index(fields=["year", "computed_at"], name="measures_year_computed")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year} {self.key}"

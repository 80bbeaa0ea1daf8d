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

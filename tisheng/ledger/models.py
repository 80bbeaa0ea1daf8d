from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    ONLINE = "online", _("Online")
    PRACTICE = "practice", _("Practice")
    OFFLINE = "offline", _("Offline")
    IMPORTED = "imported", pgettext_lazy("hours category", "Imported")


class LedgerEntry(models.Model):
    """One credit (or its reversal) of 学时. Append-only: the database refuses UPDATE and
    DELETE (migration 0002); a correction is a new row with negative hours that names the
    row it reverses and why. Balances, completion and transcripts add these up."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="ledger_entries")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="ledger_entries")
    category = models.CharField(max_length=16, choices=Category.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    source_kind = models.CharField(max_length=32)  # "course", "xapi", "practice_point", "declaration", …
    source_id = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=128, unique=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    granted_by_system = models.CharField(max_length=64, blank=True)  # when no person granted it
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    reason = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    # Scoped by the teacher's current school: after a transfer the new school sees the
    # hours earned before it.
    scope_path_field = "teacher__org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["program", "teacher"], name="ledger_by_enrollment")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.category} {self.hours} ({self.source_kind}:{self.source_id})"


class ImportedHoursDeclaration(models.Model):
    """Hours a teacher earned on another platform (e.g. the national smart-education
    platform's winter and summer training, 国家智慧教育平台寒暑假研修), declared with a
    certificate image. The school approves them as `imported` hours, capped by the rule set;
    `approved_hours` is what was credited and `note` says why it is less than declared."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="hour_declarations")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="hour_declarations")
    org_path = models.CharField(max_length=96, db_index=True)  # the teacher's school, at declaration
    platform = models.CharField(_("platform"), max_length=64)
    title = models.CharField(_("training"), max_length=128)
    hours = models.DecimalField(_("hours declared"), max_digits=6, decimal_places=2)
    certificate_file = models.CharField(max_length=255)  # relative to settings.PRIVATE_MEDIA_ROOT
    certificate_type = models.CharField(max_length=32)  # image/jpeg, image/png, application/pdf
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    approved_hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    note = models.CharField(max_length=255, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "org_path"], name="declaration_queue")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.platform} {self.hours}"

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


class HoursCycle(models.Model):
    """A continuing-education cycle (继续教育周期) as the province sets it: the MOE rule is
    360 学时 in 5 years; the province adds minimums per level (国家级/省级/市级/县级/校本),
    per category (信息技术应用能力, 师德, …) and per year. Every teacher under `region_path`
    is measured against it on their registry page and in the 定期注册 list."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    name = models.CharField(_("name"), max_length=64)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    required_hours = models.DecimalField(_("required hours"), max_digits=6, decimal_places=2, default=360)
    min_hours_per_year = models.DecimalField(_("minimum hours per year"), max_digits=6, decimal_places=2, default=0)
    # {"province": "72", ...} and {"it_ability": "50", ...}: hours as strings (exact decimals).
    min_by_level = models.JSONField(default=dict, blank=True)
    min_by_category = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"
    scope_view_capability = "reports.view"

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(name="cycle_ends_after_it_starts",
                                   condition=models.Q(end_date__gt=models.F("start_date"))),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%Y}–{self.end_date:%Y})"


class ExternalHoursImport(models.Model):
    """One uploaded file of hours from another platform (the national smart-education
    platform's 寒暑假研修 export, another province's record of a transferred teacher): who
    uploaded it, the file's SHA-256, and what became of its rows."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=24)
    verification = models.CharField(max_length=16)
    # The roster import's modes: dry_run (nothing written), all_or_nothing, valid_only.
    mode = models.CharField(max_length=16)
    committed = models.BooleanField(default=False)
    scope_path = models.CharField(max_length=96, db_index=True)  # the importer's node
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "reason"}]
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "scope_path"
    scope_view_capability = "hours.import"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"


class ExternalHoursRecord(models.Model):
    """Hours a teacher earned outside the platform's programs, as another platform's export
    says: marked with its source and whether it is verified; only verified records count
    toward a cycle. `record_key` makes importing the same record twice a no-op."""

    class Source(models.TextChoices):
        NATIONAL_PLATFORM = "national_platform", _("National smart-education platform")
        OTHER_PROVINCE = "other_province", _("Another province (transferred teacher)")
        OTHER_PLATFORM = "other_platform", _("Another training platform")

    class Verification(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        UNVERIFIED = "unverified", _("To be verified")
        REJECTED = "rejected", pgettext_lazy("verification", "Rejected")

    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="external_hours")
    org_path = models.CharField(max_length=96, db_index=True)  # the teacher's school at import
    batch = models.ForeignKey(ExternalHoursImport, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(max_length=24, choices=Source.choices)
    platform = models.CharField(_("platform"), max_length=64)
    title = models.CharField(_("training"), max_length=128)
    category = models.CharField(max_length=16)  # programs.RegistryCategory
    level = models.CharField(max_length=16)  # programs.RegistryLevel
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    earned_on = models.DateField()
    certificate_no = models.CharField(max_length=64, blank=True)
    verification = models.CharField(max_length=16, choices=Verification.choices)
    record_key = models.CharField(max_length=96, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["earned_on", "id"]
        indexes = [models.Index(fields=["earned_on", "verification"], name="external_hours_by_date")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.platform} {self.hours} ({self.earned_on})"


class TeacherRegistration(models.Model):
    """A teacher's 教师资格定期注册: valid five years from their own last registration (or first
    certification) and due on `valid_until`; the hours that count for it are those of the five
    years before that date (ledger/registration_windows.py). One row per teacher; every change
    is a TeacherRegistrationChange (the history the pages show)."""

    class Source(models.TextChoices):
        ROSTER = "roster", pgettext_lazy("registration source", "Roster import")
        SCHOOL = "school", pgettext_lazy("registration source", "Entered by the school")
        OFFICE = "office", pgettext_lazy("registration source", "Entered by the education office")

    teacher = models.OneToOneField("people.Teacher", on_delete=models.CASCADE, related_name="registration")
    valid_until = models.DateField(_("registration valid until"), db_index=True)
    last_registered = models.DateField(_("last registered"), null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "teacher__org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    def __str__(self) -> str:
        return f"{self.teacher_id} → {self.valid_until}"


class TeacherRegistrationChange(models.Model):
    """One change of a teacher's registration dates: before, after, by whom and from where
    (`reference`: "import:123" for a roster import)."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="registration_changes")
    valid_until_before = models.DateField(null=True, blank=True)
    valid_until = models.DateField()
    last_registered = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=TeacherRegistration.Source.choices)
    reference = models.CharField(max_length=32, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_by_name = models.CharField(max_length=64, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "teacher__org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.teacher_id}: {self.valid_until_before} → {self.valid_until}"

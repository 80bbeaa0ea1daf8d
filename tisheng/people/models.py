from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.core import crypto, idcard
from tisheng.people.choices import Sex, TeacherStatus, TeachingStage, Title


class Teacher(models.Model):
    """A teacher on a school's roster.

    The national ID is never stored in clear: `id_encrypted` (Fernet) for the few roles that
    may read it, `id_hash` (HMAC) to find a teacher by ID and to keep one teacher per ID, and
    `id_last4` for the search box. `org_path` mirrors the school's path so the scope filter
    is one indexed prefix match on this table.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="teacher")
    name = models.CharField(_("name"), max_length=64)
    id_hash = models.CharField(max_length=64, unique=True)
    id_encrypted = models.TextField()
    id_last4 = models.CharField(max_length=4, db_index=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="teachers")
    org_path = models.CharField(max_length=96, db_index=True)
    stage = models.CharField(_("teaching stage"), max_length=16, choices=TeachingStage.choices)
    subject = models.CharField(_("subject"), max_length=32)
    title = models.CharField(_("professional title"), max_length=16, choices=Title.choices, default=Title.NONE)
    started_work = models.DateField(_("started work"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TeacherStatus.choices,
                              default=TeacherStatus.ACTIVE, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "org_path"
    scope_owner_field = "user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["org_path", "name", "id"]
        indexes = [models.Index(fields=["org_path", "name", "id"], name="teacher_list_order")]
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")

    def __str__(self) -> str:
        return self.name

    @property
    def national_id(self) -> str:
        """The full ID. Callers show it only to roles with `teachers.view_id`, and audit it."""
        return crypto.decrypt(self.id_encrypted)

    @property
    def national_id_masked(self) -> str:
        return idcard.mask(self.national_id)

    def set_national_id(self, number: str) -> None:
        self.id_encrypted = crypto.encrypt(number)
        self.id_hash = crypto.lookup_hash(number)
        self.id_last4 = number[-4:]
        self.birth_date = idcard.birth_date(number)
        self.sex = idcard.sex(number)


class TeacherPosting(models.Model):
    """One stretch of a teacher at a school. A transfer closes one and opens the next, so
    the history of where a teacher taught survives every roster change."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="postings")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    started = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=32, blank=True)  # "import:<id>", "manual", "seed"
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["started", "id"]

    def __str__(self) -> str:
        return f"{self.teacher_id}@{self.school_id} {self.started:%Y-%m-%d}"


class RosterImport(models.Model):
    """One roster file as it was previewed or committed."""

    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", _("Preview")
        ALL_OR_NOTHING = "all", _("All rows")
        VALID_ONLY = "valid_only", _("Valid rows only")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    committed = models.BooleanField(default=False)
    scope_path = models.CharField(max_length=96)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    transferred = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # What the optional columns apps above keep stored, by column: {"资格注册有效期至": 120}
    # (roster_columns; a committed import only).
    columns_stored = models.JSONField(default=dict, blank=True)
    # When `rosters_purge` deleted the stored file (ROSTER_RETENTION_DAYS after its last upload):
    # the hash and the counts stay, the national IDs in the file do not.
    file_expired_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "scope_path"
    scope_view_capability = "roster.import"

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:8]})"

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Role


class UserManager(BaseUserManager):
    def create_user(self, phone: str | None, name: str, password: str | None = None, **extra):
        user = self.model(phone=phone or None, name=name, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class EvaluatorOrganization(models.Model):
    """A third-party evaluation organisation (第三方评估机构). Its people get accounts of their
    own, created for the evaluation, that hold the evaluator role and nothing else."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    created_by = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("evaluator organisation")
        verbose_name_plural = _("evaluator organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser):
    """A person who logs in. Teachers log in by phone or national ID (looked up through
    their teacher profile); officers by phone."""

    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    must_change_password = models.BooleanField(default=False)
    # Set on the accounts of third-party evaluators: such an account holds the evaluator role only.
    evaluator_organization = models.ForeignKey(EvaluatorOrganization, null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="members")

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """(user, role, org node). The node is a region, a school or an organization."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.PROTECT)
    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.PROTECT)
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A time-limited grant (third-party evaluators): from this moment the assignment grants nothing.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="role_assignment_exactly_one_node",
                condition=(
                    Q(region__isnull=False, school__isnull=True, organization__isnull=True)
                    | Q(region__isnull=True, school__isnull=False, organization__isnull=True)
                    | Q(region__isnull=True, school__isnull=True, organization__isnull=False)
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "region"], name="one_role_per_region",
                                    condition=Q(region__isnull=False)),
            models.UniqueConstraint(fields=["user", "role", "school"], name="one_role_per_school",
                                    condition=Q(school__isnull=False)),
            models.UniqueConstraint(fields=["user", "role", "organization"], name="one_role_per_organization",
                                    condition=Q(organization__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"

    @property
    def node(self):
        return self.region or self.school or self.organization

    def scope_paths(self) -> list[str]:
        """The org-tree paths this assignment covers (each with everything below it)."""
        if self.region_id:
            return [self.region.path]
        if self.school_id:
            return [self.school.path]
        org = self.organization
        if org.kind == "teacher_college":
            return [org.region.path]
        # A training institution covers its own node and the regions of its contracts (any
        # program). grants_for loads the contract paths of all of a user's institutions in
        # one query and leaves them on the organization as `_contract_paths`.
        contract_paths = getattr(org, "_contract_paths", None)
        if contract_paths is None:
            contract_paths = list(org.contracts.values_list("region_path", flat=True).distinct())
        return [org.path, *sorted(set(contract_paths))]


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Account locked")
    LOGIN_THROTTLED = "login_throttled", _("Login refused: locked or throttled")
    LOGOUT = "logout", _("Logout")
    IDLE_LOGOUT = "idle_logout", _("Logged out after idle time")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    USER_CREATED = "user_created", _("User created")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Personal data viewed")
    EXPORTED = "exported", _("Export")
    ROSTER_IMPORTED = "roster_imported", _("Roster imported")
    TEACHER_CHANGED = "teacher_changed", _("Teacher changed")
    TEACHER_TRANSFERRED = "teacher_transferred", _("Teacher transferred")
    REVIEW_SUBMITTED = "review_submitted", _("Completion list submitted")
    REVIEW_APPROVED = "review_approved", _("Completion approved")
    REVIEW_RETURNED = "review_returned", _("Completion returned")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset code requested")
    PASSWORD_RESET = "password_reset", _("Password reset with an SMS code")
    PASSWORD_RESET_FAILED = "password_reset_failed", _("Password reset refused")
    PASSWORD_RESET_BY_ADMIN = "password_reset_by_admin", _("Password reset by the school")


class LoginThrottle(models.Model):
    """Failed logins of one account (`account:<pk>`), one login name that is no account
    (`name:<keyed hash>`) or one client network (`ip:<address or /64>`), in a fixed window,
    and until when it is locked. Times are epoch seconds, so one upsert (accounts.lockout)
    counts a failure the same way on SQLite and PostgreSQL; rows past `expires` are deleted."""

    key = models.CharField(max_length=80, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.BigIntegerField()
    locked_until = models.BigIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class AuditLog(models.Model):
    """Append-only: the database refuses UPDATE and DELETE (see migration 0002)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    actor_name = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    scope_path = models.CharField(max_length=96, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class LoginSession(models.Model):
    """Which login session belongs to whom, so that a password change can end a user's other
    sessions without decoding every session in the table (accounts.sessions). A row whose
    session is gone is harmless and is pruned at that user's next login."""

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"


class PasswordResetCode(models.Model):
    """One request for an SMS reset code (accounts.services_password). A row is written for
    every request, also for a phone that is no account (then `user` is empty and no code is
    sent), so the rate limits, and the answers, are the same either way. The code itself is
    stored only as a keyed hash; rows are deleted a day after they were made."""

    phone_key = models.CharField(max_length=64)  # keyed hash of the phone number as typed
    network = models.CharField(max_length=64, blank=True)  # the client's IPv4 address or IPv6 /64
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_key", "created_at"]), models.Index(fields=["network", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone_key[:8]}… {self.created_at:%Y-%m-%d %H:%M}"

"""Institution credentials for the LRS and the JSON API, rate-limit counters, mapping outcomes."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


def new_key() -> str:
    return secrets.token_hex(16)


def default_rate_limit() -> int:
    return settings.INTEGRATION_RATE_LIMIT_PER_MINUTE


class ApiCredential(models.Model):
    """An HTTP Basic key/secret the province office issues to one institution.

    Only a hash of the secret is stored; the secret is shown once when issued. Rotating issues a
    new secret under the same key; revoking ends the credential."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="api_credentials")
    name = models.CharField(_("name"), max_length=64)
    key = models.CharField(max_length=32, unique=True, default=new_key)
    secret_hash = models.CharField(max_length=128)
    # Requests per minute this credential may make (0: no limit).
    rate_limit = models.PositiveIntegerField(_("requests per minute"), default=default_rate_limit)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class InstitutionApplication(models.Model):
    """An OAuth2 application (django-oauth-toolkit) registered for one institution: either a
    client-credentials client for the LRS and the API, or an authorization-code client for
    single sign-on (the institution's platform as an OpenID Connect relying party)."""

    application = models.OneToOneField(oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE,
                                       related_name="institution_link")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="oauth_applications")
    rate_limit = models.PositiveIntegerField(_("requests per minute"), default=default_rate_limit)
    # Single sign-on: where the platform starts the sign-in (OIDC initiate_login_uri); the
    # teacher's "go to" link sends them there with ?iss=.
    login_url = models.URLField(_("login URL"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("OAuth2 application")
        verbose_name_plural = _("OAuth2 applications")

    def __str__(self) -> str:
        return str(self.application)

    @property
    def sso(self) -> bool:
        return self.application.authorization_grant_type == "authorization-code"


class RateWindow(models.Model):
    """One row per credential: the current one-minute window and the requests made in it.

    Updated by one upsert per request (see auth.xapi_throttle), so every worker shares it."""

    credential_key = models.CharField(max_length=100, primary_key=True)
    bucket = models.BigIntegerField()
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.credential_key}: {self.hits} in {self.bucket}"


class Reason(models.TextChoices):
    """Why a completion statement credited nothing (stored with the outcome; the API gives the
    code and the message)."""

    UNKNOWN_COURSE = "unknown_course", _("The statement's object is not the activity id of a course of this institution.")
    NOT_AN_ACCOUNT = "not_an_account", _("The actor is not an account on the province platform's homePage.")
    UNKNOWN_TEACHER = "unknown_teacher", _("The actor's account name is not the platform id of a teacher.")
    NOT_ENROLLED = "not_enrolled", _(
        "The teacher is not enrolled in the course's program in a region the institution is contracted for.")
    NOT_PASSED = "not_passed", _("The result did not pass: success is false or the score is below the course's pass mark.")
    ALREADY_CREDITED = "already_credited", _("The course was already credited to this teacher.")
    INSTITUTION_OUT = "institution_out", _(
        "The institution is suspended or terminated where the teacher is: its courses credit no hours from the "
        "effective date.")


class StatementOutcome(models.Model):
    """What one completion statement did: the ledger entry it credited, or why it credited
    nothing. Written by hooks.statements_stored, one row per checked statement."""

    statement_id = models.CharField(max_length=36, unique=True)
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="statement_outcomes")
    verb = models.CharField(max_length=255)
    activity_id = models.CharField(max_length=255, blank=True)
    actor_name = models.CharField(max_length=255, blank=True)  # the account name as sent
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    course = models.ForeignKey("learning.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entry = models.ForeignKey("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    day = models.DateField()  # the day it was stored, Asia/Shanghai
    stored_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["institution", "updated_at", "id"], name="outcome_changes"),
            models.Index(fields=["institution", "day"], name="outcome_day"),
            models.Index(fields=["teacher", "course"], name="outcome_teacher_course"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.reason or 'credited'}"

    @property
    def credited(self) -> bool:
        return self.entry_id is not None and self.voided_at is None


class InstitutionDay(models.Model):
    """Statements an institution stored on one day (Asia/Shanghai): one upsert per LRS request."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    statements = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "day"], name="one_institution_day")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.day}: {self.statements}"

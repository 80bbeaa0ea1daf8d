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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("OAuth2 application")
        verbose_name_plural = _("OAuth2 applications")

    def __str__(self) -> str:
        return str(self.application)


class RateWindow(models.Model):
    """One row per credential: the current one-minute window and the requests made in it.

    Updated by one upsert per request (see auth.xapi_throttle), so every worker shares it."""

    credential_key = models.CharField(max_length=100, primary_key=True)
    bucket = models.BigIntegerField()
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.credential_key}: {self.hits} in {self.bucket}"

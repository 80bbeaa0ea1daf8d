"""Institution credentials for the LRS and the JSON API."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_hex(16)


class ApiCredential(models.Model):
    """An HTTP Basic key/secret the province office issues to one institution.

    Only a hash of the secret is stored; the secret is shown once when issued. Rotating issues a
    new secret under the same key; revoking ends the credential."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="api_credentials")
    name = models.CharField(_("name"), max_length=64)
    key = models.CharField(max_length=32, unique=True, default=new_key)
    secret_hash = models.CharField(max_length=128)
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

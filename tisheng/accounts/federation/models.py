from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Protocol(models.TextChoices):
    OIDC = "oidc", pgettext_lazy("identity protocol", "OpenID Connect")
    CAS = "cas", pgettext_lazy("identity protocol", "CAS")


class LinkedVia(models.TextChoices):
    ATTRIBUTE = "attribute", pgettext_lazy("identity link", "Verified attribute")
    PASSWORD = "password", pgettext_lazy("identity link", "tisheng password")


class IdentityLink(models.Model):
    """One subject of the identity platform (its issuer, its stable id for the person) is one
    tisheng account. Made on the first sign-in, by a verified attribute the platform sends or by
    the user proving their tisheng password; a security admin can remove it. The platform's
    attributes are not kept: only what it takes to find the account again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_links")
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_via = models.CharField(max_length=16, choices=LinkedVia.choices)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_link_one_account_per_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="identity_link_one_subject_per_account"),
        ]
        verbose_name = _("identity platform link")

    def __str__(self) -> str:
        return f"{self.protocol}:{self.subject}"


class CasSession(models.Model):
    """The tisheng session a CAS service ticket opened, so the CAS server's single-logout
    request (a SAML LogoutRequest naming the ticket) can end it. Removed with the logout."""

    ticket = models.CharField(max_length=256, unique=True)
    session_key = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.ticket[:12]

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A Bitstring Status List holds at least 131,072 entries (16 KB), so a list cannot be
# correlated with a small group of holders (W3C Bitstring Status List §6.1).
LIST_SIZE = 131_072


class StatusList(models.Model):
    """One published revocation list: bit i set = the credential at index i is revoked. The
    signed list credential is rebuilt when a bit changes (`signed` empty = to rebuild)."""

    number = models.PositiveIntegerField(unique=True)
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField(default=bytes(LIST_SIZE // 8))
    signed = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"status list {self.number}"


class Credential(models.Model):
    """The verifiable credential of one signed certificate-like record (`kind` names which:
    the program certificate, the hours certificate…). The signed document is kept as issued,
    so it is downloaded byte for byte the same every time."""

    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    number = models.CharField(_("certificate number"), max_length=40, db_index=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField()
    document = models.JSONField()
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="credential_one_per_record"),
            models.UniqueConstraint(fields=["status_list", "status_index"], name="credential_status_index_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.number}"

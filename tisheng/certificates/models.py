from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.certificates import codes, signing


class Certificate(models.Model):
    """An issued certificate. What it says (name, masked ID, program, hours, issuers) is
    copied here at issue time and signed, so it stays what was issued whatever later
    happens to the teacher's record. The PDF is rendered from these fields on demand."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="certificates")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=32)
    name = models.CharField(_("certificate"), max_length=128)
    teacher_name = models.CharField(_("name"), max_length=64)
    id_masked = models.CharField(_("national ID"), max_length=18)
    program_code = models.CharField(max_length=32)
    program_name = models.CharField(_("program"), max_length=128)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    hours_detail = models.JSONField(default=dict, blank=True)
    issuers = models.JSONField(_("issued by"), default=list)
    org_path = models.CharField(max_length=96, db_index=True)
    issued_at = models.DateTimeField(_("issued on"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # `{payload}.{signature}` (see signing.py), as printed in the QR code.
    signed = models.TextField()
    # Printed beside the number and part of the verify address: without it the public verify
    # page shows nothing about the holder (the numbers are sequential, see codes.py).
    verify_code = models.CharField(pgettext_lazy("certificate field", "verification code"), max_length=16,
                                   default=codes.new_code)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "certificates.view"

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One valid certificate of a kind per enrollment; a revoked one may be replaced.
            models.UniqueConstraint(fields=["enrollment", "code"], condition=Q(revoked_at__isnull=True),
                                    name="one_valid_certificate_per_kind"),
        ]
        indexes = [models.Index(fields=["program", "code", "org_path"], name="certificate_scope")]

    def __str__(self) -> str:
        return self.number

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def verification_string(self) -> str:
        return signing.verification_string(self.verify_url, self.signed)

    @property
    def verify_url(self) -> str:
        """The public page that shows this certificate: its number and its code."""
        return f"{settings.SITE_URL}/verify/{self.number}/{self.verify_code}"

    @property
    def verify_code_display(self) -> str:
        return codes.display(self.verify_code)


class VerifyRateWindow(models.Model):
    """One row per client network: the current one-minute window and the anonymous lookups
    it made on the verify page. Updated by one upsert per lookup (see throttle.py), so every
    worker process shares the count; rows of past windows are deleted as new windows open."""

    client = models.CharField(max_length=64, primary_key=True)
    bucket = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.client}: {self.hits} in {self.bucket}"


class CertificateSequence(models.Model):
    """The last number used per prefix ("FJ2024-350102"): numbers are gap-free per county
    and program year, and taken under a row lock so two issuers never get the same one."""

    prefix = models.CharField(max_length=24, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class PartnerSignature(models.Model):
    """One partner's signature on a certificate the training institution and the teacher
    college issue jointly (1.0's 网络研修与教学实践合格证明). The institution signs first, the
    teacher college co-signs; the second signature issues the certificate, which is then
    recorded on both. Open signatures (no certificate yet) are the pending list."""

    class Side(models.TextChoices):
        INSTITUTION = "institution", _("training institution")
        TEACHER_COLLEGE = "teacher_college", _("teacher college")

    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    side = models.CharField(max_length=16, choices=Side.choices)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signed_at = models.DateTimeField(_("signed on"), default=timezone.now)
    org_path = models.CharField(max_length=96, db_index=True)
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="partner_signatures")

    scope_path_field = "org_path"
    scope_view_capability = "certificates.issue_partner"

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "code", "side"], condition=Q(certificate__isnull=True),
                                    name="one_open_partner_signature_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.side} · {self.organization_id}"


class HoursCertificate(models.Model):
    """学时证明: a teacher's continuing-education hours over one cycle or a date range, as the
    registry stood when it was issued. Like `Certificate`, what it says is copied here and
    signed (`signed`, see signing.py; the payload's "kind" is "hours"), it carries a random
    verification code, and the public verify page shows it by number and code. The teacher
    may issue their own; a school or office issues one for a teacher in its scope."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="hours_certificates")
    teacher_name = models.CharField(_("name"), max_length=64)
    id_masked = models.CharField(_("national ID"), max_length=18)
    school_name = models.CharField(max_length=128)
    period_name = models.CharField(max_length=64, blank=True)  # the cycle's name, or "" for a date range
    start_date = models.DateField()
    end_date = models.DateField()
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    # {"level": [[label, hours], ...], "category": [...], "rows": n, "required": "360"}
    detail = models.JSONField(default=dict, blank=True)
    issuer = models.CharField(max_length=128)
    org_path = models.CharField(max_length=96, db_index=True)
    issued_at = models.DateTimeField(_("issued on"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signed = models.TextField()
    verify_code = models.CharField(pgettext_lazy("certificate field", "verification code"), max_length=16,
                                   default=codes.new_code)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def name(self) -> str:
        return "继续教育学时证明"

    @property
    def period_label(self) -> str:
        return self.period_name or f"{self.start_date:%Y-%m-%d} 至 {self.end_date:%Y-%m-%d}"

    @property
    def verify_url(self) -> str:
        return f"{settings.SITE_URL}/verify/{self.number}/{self.verify_code}"

    @property
    def verification_string(self) -> str:
        return signing.verification_string(self.verify_url, self.signed)

    @property
    def verify_code_display(self) -> str:
        return codes.display(self.verify_code)

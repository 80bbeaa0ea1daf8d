"""On a national instance: the reports provinces sent, one row per province, program and date.

The document is kept whole (drill-in shows it as sent); the figures the dashboard compares are
copied into columns when it is loaded, so comparing 32 provinces over every report date reads a
few hundred narrow rows in one query and never parses a document."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ProvinceReport(models.Model):
    province_code = models.CharField(max_length=2)
    province_name = models.CharField(max_length=64)
    program_code = models.CharField(max_length=64)
    program_name = models.CharField(max_length=200)
    as_of = models.DateField()
    generated_at = models.DateTimeField()
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)
    teachers_to_train = models.PositiveIntegerField()
    exempt = models.PositiveIntegerField()
    started = models.PositiveIntegerField()
    completed = models.PositiveIntegerField()
    certified = models.PositiveIntegerField()
    completion_rate = models.FloatField(null=True)
    participation_rate = models.FloatField(null=True)
    practice_pass_rate = models.FloatField(null=True)
    rural_completion_rate = models.FloatField(null=True)
    urban_completion_rate = models.FloatField(null=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program_code", "province_code", "as_of"]
        constraints = [models.UniqueConstraint(fields=["province_code", "program_code", "as_of"],
                                               name="one_report_per_province_program_day")]
        indexes = [models.Index(fields=["program_code", "as_of"], name="national_report_by_day")]

    def __str__(self) -> str:
        return f"{self.province_name} {self.program_code} {self.as_of}"


class ProvincePlanCopy(models.Model):
    """On a national instance: a province's filed plan (规划方案备案) as the province sent it — the
    composed document, its PDF and .docx checked against the SHA-256 the province recorded when
    filing. One row per province and version; a version is never replaced (loading it again
    with other content is refused)."""

    province_code = models.CharField(max_length=2)
    province_name = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=128)
    filed_on = models.DateField()
    document = models.JSONField()
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    docx = models.BinaryField()
    docx_sha256 = models.CharField(max_length=64)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["province_code", "-version"]
        constraints = [models.UniqueConstraint(fields=["province_code", "version"],
                                               name="one_plan_copy_per_province_version")]

    def __str__(self) -> str:
        return f"{self.province_name} v{self.version}"

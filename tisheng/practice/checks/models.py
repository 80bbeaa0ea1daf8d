"""Spot checks (抽检) of passed practice points and the similarity check of evidence texts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap


class SubmissionSignature(models.Model):
    """The MinHash of one submission's extracted text (128 × uint32, 512 bytes) and its
    number of distinct 4-character passages, and the share of the text found in earlier
    texts of other teachers when it was indexed (复制比). Workers rebuild their in-memory LSH
    index from these rows and keep it current by reading the rows above the largest
    submission id they hold."""

    submission = models.OneToOneField("practice.Submission", on_delete=models.CASCADE, primary_key=True,
                                      related_name="similarity_signature")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="+")
    hashvalues = models.BinaryField()
    shingles = models.PositiveIntegerField(default=0)  # 0: stored before sizes were
    copied_share = models.FloatField(_("copied share"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission"]

    def __str__(self) -> str:
        return f"signature of {self.submission_id}"


class SimilarityMatch(models.Model):
    """A source found when `submission` was indexed: `other` is an earlier text of another
    teacher in which `containment` of the submission's text is found (exact, at least
    similarity.MIN_SOURCE_SHARE); `jaccard` is the MinHash estimate of their similarity."""

    submission = models.ForeignKey("practice.Submission", on_delete=models.CASCADE,
                                   related_name="similarity_matches")
    other = models.ForeignKey("practice.Submission", on_delete=models.CASCADE, related_name="+")
    jaccard = models.FloatField(_("similarity"))
    containment = models.FloatField(_("share found in the other text"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "submission__teacher__org_path"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["submission", "-jaccard", "other"]
        constraints = [models.UniqueConstraint(fields=["submission", "other"], name="one_similarity_match")]
        indexes = [models.Index(fields=["other"], name="similarity_match_other")]

    def __str__(self) -> str:
        return f"{self.submission_id} ~ {self.other_id} ({self.jaccard:.2f})"


class SpotCheck(models.Model):
    """One county draw for one program: a share of each school's passed points, sampled
    with a recorded seed so the same draw can be made again."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=96, db_index=True)
    share = models.DecimalField(_("sample share"), max_digits=4, decimal_places=3)
    fail_threshold = models.DecimalField(_("school failure threshold"), max_digits=4, decimal_places=3)
    seed = models.BigIntegerField(_("seed"))
    population = models.PositiveIntegerField(_("passed points"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"spot check {self.pk} of {self.region_path}"


class SpotCheckItem(models.Model):
    """A sampled passed point and its check by the assigned reviewer."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not checked")
        CONFIRMED = "confirmed", pgettext_lazy("spot check", "Confirmed")
        FAILED = "failed", pgettext_lazy("spot check", "Failed")

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="items")
    result = models.ForeignKey("practice.PointResult", on_delete=models.PROTECT, related_name="spot_checks")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=96, db_index=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="spot_check_items")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "org_path"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["spot_check", "org_path", "id"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "result"], name="one_spot_check_item")]
        indexes = [models.Index(fields=["reviewer", "outcome"], name="spot_item_reviewer")]

    def __str__(self) -> str:
        return f"item {self.pk} of spot check {self.spot_check_id}"


class SpotCheckSchoolReturn(models.Model):
    """A school whose failure share in a spot check passed the threshold: all its passed
    results in the program were returned for re-assessment (once per check and school)."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="school_returns")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    failed = models.PositiveIntegerField()
    sampled = models.PositiveIntegerField()
    returned = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["spot_check", "school"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "school"], name="one_school_return_per_check")]

    def __str__(self) -> str:
        return f"school {self.school_id} returned by spot check {self.spot_check_id}"

"""The resource library (资源库): resources contributed by teachers, schools, colleges,
institutions and offices; the libraries they are published in (one per school, county, city and
the province, each reviewed at its own level); ratings, use, and the quality ranking.

A resource belongs to the unit that contributed it (`org_path`: a school, a county's teacher
college, an office's region). It is *published* once any library has accepted it; published
resources are read by every signed-in person of the province (the notice: 免费提供我省中小学教师使用).
An unpublished or under-review resource is seen only by its contributor, by the offices and
schools whose scope covers `org_path`, and by the reviewers of the library it waits in.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.people.choices import TeachingStage


class ResourceKind(models.TextChoices):
    CASE = "case", pgettext_lazy("resource kind", "Typical application case")
    LESSON = "lesson", pgettext_lazy("resource kind", "Lesson record")  # video + design + reflection
    MICRO = "micro", pgettext_lazy("resource kind", "Micro-lecture")
    DESIGN = "design", pgettext_lazy("resource kind", "Teaching design")
    SLIDES = "slides", pgettext_lazy("resource kind", "Courseware")
    TOOL = "tool", pgettext_lazy("resource kind", "Tool guide")


class Licence(models.TextChoices):
    PROVINCE = "province", pgettext_lazy("licence", "Free use by the province's teachers")
    CC_BY = "cc-by", pgettext_lazy("licence", "CC BY 4.0")
    CC_BY_NC = "cc-by-nc", pgettext_lazy("licence", "CC BY-NC 4.0")
    CC_BY_NC_ND = "cc-by-nc-nd", pgettext_lazy("licence", "CC BY-NC-ND 4.0")


class ContributorKind(models.TextChoices):
    TEACHER = "teacher", pgettext_lazy("contributor", "Teacher")
    SCHOOL = "school", pgettext_lazy("contributor", "School")
    COLLEGE = "college", pgettext_lazy("contributor", "Teacher college")
    INSTITUTION = "institution", pgettext_lazy("contributor", "Training institution")
    OFFICE = "office", pgettext_lazy("contributor", "Education office")


class Level(models.TextChoices):
    """The library levels, by the depth of their node's path (35 / 3501 / 350102 / school)."""

    SCHOOL = "school", pgettext_lazy("library level", "School library")
    COUNTY = "county", pgettext_lazy("library level", "County library")
    CITY = "city", pgettext_lazy("library level", "City library")
    PROVINCE = "province", pgettext_lazy("library level", "Province library")


LEVEL_DEPTH = {Level.PROVINCE: 1, Level.CITY: 2, Level.COUNTY: 3, Level.SCHOOL: 4}
LEVEL_RANK = {Level.SCHOOL: 1, Level.COUNTY: 2, Level.CITY: 3, Level.PROVINCE: 4}


class ResourceState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("resource state", "Not submitted")
    IN_REVIEW = "in_review", pgettext_lazy("resource state", "Under review")
    RETURNED = "returned", pgettext_lazy("resource state", "Returned")
    PUBLISHED = "published", pgettext_lazy("resource state", "Published")


class SearchTokensField(models.TextField):
    """The search index of a resource: a `tsvector` on PostgreSQL (character bigrams, written as
    a literal by resources.search, GIN-indexed), plain text elsewhere (SQLite searches the
    columns themselves)."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class Resource(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=TeachingStage.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=32, blank=True)
    topic = models.CharField(_("1.0 topic"), max_length=64, blank=True)
    authors = models.CharField(_("authors"), max_length=255, blank=True)
    licence = models.CharField(_("licence"), max_length=16, choices=Licence.choices, default=Licence.PROVINCE)
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contributor_kind = models.CharField(_("contributor"), max_length=16, choices=ContributorKind.choices)
    # The contributing unit (a school, a college's `…/~code`, an office's region): scope and region.
    org_path = models.CharField(max_length=96, db_index=True)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    source_submission = models.ForeignKey("practice.Submission", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    source_grade = models.CharField(_("evidence grade"), max_length=16, blank=True)
    source_recommended = models.BooleanField(_("recommended as excellent"), default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)  # the files' extracted text
    state = models.CharField(_("state"), max_length=16, choices=ResourceState.choices, default=ResourceState.DRAFT)
    published_level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The quality ranking (services.ranking): its inputs, kept so each page can show them.
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_score = models.FloatField(default=0)  # the Bayesian average, 1..5
    usage_users = models.PositiveIntegerField(default=0)  # distinct users who used it
    usage_score = models.FloatField(default=0)  # distinct users, each weighted by kind and decayed by age
    quality_score = models.FloatField(default=0, db_index=True)  # 0..100
    is_excellent = models.BooleanField(_("high-quality resource"), default=False)
    ranked_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "org_path"
    scope_owner_field = "contributor"
    scope_view_capability = Cap.RESOURCES_VIEW

    class Meta:
        ordering = ["-quality_score", "-id"]
        indexes = [
            models.Index(fields=["state", "stage", "subject", "-quality_score"], name="resource_facets"),
            models.Index(fields=["state", "kind", "-quality_score"], name="resource_kind"),
            models.Index(fields=["contributor", "-created_at"], name="resource_mine"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rating_mean(self) -> float:
        return self.rating_sum / self.rating_count if self.rating_count else 0.0


class ResourceSearch(models.Model):
    """A resource's search index, in a table of its own: the ranking job rewrites every
    resource row's scores, and a tsvector (with its GIN entries) in that row would be rewritten
    with them each time."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="search")
    tokens = SearchTokensField(blank=True, default="")

    def __str__(self) -> str:
        return f"search {self.resource_id}"


class FileRole(models.TextChoices):
    MAIN = "main", pgettext_lazy("resource file", "File")
    VIDEO = "video", pgettext_lazy("resource file", "Lesson video")
    DESIGN = "design", pgettext_lazy("resource file", "Teaching design")
    REFLECTION = "reflection", pgettext_lazy("resource file", "Reflection")


class ResourceFile(models.Model):
    """One file of a resource, checked by content as evidence is (practice.services.evidence).
    `file_name` is relative to PRIVATE_MEDIA_ROOT / "resources"."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=16, choices=FileRole.choices, default=FileRole.MAIN)
    file_name = models.CharField(max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(max_length=16)  # practice.EvidenceKind: document / slides / video / image
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    text_error = models.CharField(max_length=16, blank=True)

    scope_path_field = "resource__org_path"
    scope_owner_field = "resource__contributor"
    scope_view_capability = Cap.RESOURCES_VIEW

    class Meta:
        ordering = ["resource", "id"]

    def __str__(self) -> str:
        return self.original_name


class ResourcePoint(models.Model):
    """A 2.0 capability point (A1…C7) a resource is about: a facet."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="points")
    code = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "code"], name="one_resource_point")]
        indexes = [models.Index(fields=["code", "resource"], name="resource_point_code")]

    def __str__(self) -> str:
        return f"{self.resource_id} · {self.code}"


class EntryState(models.TextChoices):
    IN_REVIEW = "in_review", pgettext_lazy("library entry", "Under review")
    PUBLISHED = "published", pgettext_lazy("library entry", "Published")
    RETURNED = "returned", pgettext_lazy("library entry", "Returned")


class EntryVia(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("library entry", "Submitted")
    PICKED = "picked", pgettext_lazy("library entry", "Picked by the level above")
    AWARDED = "awarded", pgettext_lazy("library entry", "Award-winning achievement")


class LibraryEntry(models.Model):
    """A resource in one library (a school's, a county's, a city's or the province's): submitted
    and reviewed there, or picked by that level from a lower library. A returned entry may be
    submitted again (the same row goes back to review; the audit log keeps each decision)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="entries")
    library_path = models.CharField(max_length=96)
    level = models.CharField(_("library"), max_length=16, choices=Level.choices)
    state = models.CharField(_("state"), max_length=16, choices=EntryState.choices, default=EntryState.IN_REVIEW)
    via = models.CharField(max_length=16, choices=EntryVia.choices, default=EntryVia.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("review comments"), max_length=2000, blank=True)

    scope_path_field = "resource__org_path"
    scope_owner_field = "resource__contributor"
    scope_view_capability = Cap.RESOURCES_VIEW

    class Meta:
        ordering = ["resource", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["resource", "library_path"], name="one_entry_per_library")]
        indexes = [models.Index(fields=["library_path", "state", "submitted_at"], name="library_queue"),
                   models.Index(fields=["library_path", "resource"], condition=Q(state="published"),
                                name="library_published")]

    def __str__(self) -> str:
        return f"{self.resource_id} @ {self.library_path} ({self.state})"


class Rating(models.Model):
    """One person's 1–5 stars and comment on a resource (one per person; a second replaces it)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource", "-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="one_rating_per_user"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.resource_id}: {self.stars}"


class UsageKind(models.TextChoices):
    VIEW = "view", pgettext_lazy("resource use", "Viewed")
    DOWNLOAD = "download", pgettext_lazy("resource use", "Downloaded")
    USED = "used", pgettext_lazy("resource use", "Used in a plan or lesson")


class UsageEvent(models.Model):
    """One use of a resource by one person. The ranking counts distinct people, not events."""

    id = models.BigAutoField(primary_key=True)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=UsageKind.choices)
    note = models.CharField(_("where you used it"), max_length=128, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["resource", "user", "kind"], name="usage_by_resource_user"),
                   models.Index(fields=["user", "kind", "-at"], name="usage_mine")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.resource_id}"


class QualityRule(models.Model):
    """The ranking's parameters and the 优质资源 thresholds, as data (one row; the province edits it).

    rating score = (prior_weight × prior_mean + Σ stars) / (prior_weight + n)     (Bayesian average)
    usage score  = Σ over distinct users of weight(kind of their strongest use) × 0.5^(age / half_life)
    quality      = 100 × (rating_share × (rating score − 1) / 4
                          + (1 − rating_share) × log(1 + usage) / log(1 + the largest usage))
    """

    prior_mean = models.FloatField(_("prior mean stars"), default=3.0)
    prior_weight = models.FloatField(_("prior weight (votes)"), default=10.0)
    half_life_days = models.PositiveIntegerField(_("usage half-life (days)"), default=180)
    weight_view = models.FloatField(_("weight of a view"), default=1.0)
    weight_download = models.FloatField(_("weight of a download"), default=2.0)
    weight_used = models.FloatField(_("weight of a use in a plan or lesson"), default=4.0)
    rating_share = models.FloatField(_("share of ratings in the score"), default=0.6)
    excellent_min_score = models.FloatField(_("high-quality: minimum score"), default=60.0)
    excellent_min_ratings = models.PositiveIntegerField(_("high-quality: minimum ratings"), default=5)
    excellent_min_users = models.PositiveIntegerField(_("high-quality: minimum users"), default=10)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    ranked_at = models.DateTimeField(null=True, blank=True)  # the last run of the ranking

    def __str__(self) -> str:
        return f"quality rule ({self.updated_at:%Y-%m-%d})"


class SiteKind(models.TextChoices):
    """The province's model sites (示范): a county as 创新实验区, a school as 示范校, an online
    research community (a workshop or 研修共同体 of `communities`) as 示范性网络研修社区."""

    EXPERIMENT_ZONE = "zone", pgettext_lazy("model site", "Innovation experiment zone")
    DEMO_SCHOOL = "school", pgettext_lazy("model site", "Demonstration school")
    COMMUNITY = "community", pgettext_lazy("model site", "Model online research community")


class SiteState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("model site", "Under review")
    DESIGNATED = "designated", pgettext_lazy("model site", "Designated")
    REJECTED = "rejected", pgettext_lazy("model site", "Not designated")


class SiteApplication(models.Model):
    """A county's application to be a 创新实验区, a school's to be a 示范校 or a community's to be a
    示范性网络研修社区, with its plan and
    its targets for the indicators the platform computes; the province designates it for a
    period with a reason (or declines, with a reason). A designation is current while today
    lies in its period."""

    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    unit_path = models.CharField(max_length=96, db_index=True)  # the county's or the school's path
    # Which unit at that path, when the path is not enough: a community's id (its path is the
    # community's scope, which many communities share); "" for a county or a school.
    unit_ref = models.CharField(max_length=32, blank=True, default="")
    unit_name = models.CharField(_("unit"), max_length=128)
    plan = models.TextField(_("plan"), max_length=8000)
    # indicator code → target (a percentage or a count), see services.sites.INDICATORS
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=SiteState.choices, default=SiteState.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("until"), null=True, blank=True)
    # The indicators as they stood when the province decided (the page shows today's beside them).
    indicators_at_decision = models.JSONField(default=dict, blank=True)

    scope_path_field = "unit_path"
    scope_view_capability = Cap.SITES_VIEW

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["state", "period_end"], name="site_current")]

    def __str__(self) -> str:
        return f"{self.unit_name} · {self.kind} ({self.state})"


class ReviewVerdict(models.TextChoices):
    ON_TRACK = "on_track", pgettext_lazy("site review", "On track")
    IMPROVE = "improve", pgettext_lazy("site review", "Needs improvement")
    REVOKED = "revoked", pgettext_lazy("site review", "Designation revoked")


class SiteReview(models.Model):
    """The province's yearly review of a designated model site: the indicators as they stood
    (beside the application's targets), a verdict and a comment. Revoking ends the designation
    the day before the review."""

    application = models.ForeignKey(SiteApplication, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("year"))
    indicators = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=ReviewVerdict.choices)
    comment = models.TextField(_("comment"), max_length=2000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["application", "year"], name="one_site_review_a_year")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.year}: {self.verdict}"

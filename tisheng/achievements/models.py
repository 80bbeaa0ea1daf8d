"""优秀应用成果评选: an office runs a selection round at its level; the units one level below
nominate (a county's schools from their resources and 推优 evidence, a city's counties from their
county rounds' winners, the province's cities from theirs), at most `quota` each; an expert panel
(tisheng.panels) scores the nominations blind; the office publishes the results, and the winners
get an award certificate, enter that level's 优质资源库 and count 视同本级公开课 on the teacher's record.

    open (nominations) ──start scoring──▶ scoring (the panel) ──panel closed──▶ scored
                                                                  │ office sets the awards
                                                                  ▼
                                                               published
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap


class RoundState(models.TextChoices):
    OPEN = "open", pgettext_lazy("achievement round", "Taking nominations")
    SCORING = "scoring", pgettext_lazy("achievement round", "Expert scoring")
    SCORED = "scored", pgettext_lazy("achievement round", "Scored, awaiting results")
    PUBLISHED = "published", pgettext_lazy("achievement round", "Results published")


class RoundLevel(models.TextChoices):
    COUNTY = "county", pgettext_lazy("achievement level", "County")
    CITY = "city", pgettext_lazy("achievement level", "City")
    PROVINCE = "province", pgettext_lazy("achievement level", "Province")


class Award(models.TextChoices):
    FIRST = "first", pgettext_lazy("award", "First prize")
    SECOND = "second", pgettext_lazy("award", "Second prize")
    THIRD = "third", pgettext_lazy("award", "Third prize")


class Round(models.Model):
    title = models.CharField(_("title"), max_length=128)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=96, db_index=True)  # the region's path
    level = models.CharField(_("level"), max_length=16, choices=RoundLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # [{"key": "case", "label": "典型应用案例"}, …]
    categories = models.JSONField(default=list)
    # The panels app's rubric: {"criteria": [{"key", "label", "weight", "max"}, …]}
    rubric = models.JSONField(default=dict)
    nominate_from = models.DateField(_("nominations open"))
    nominate_until = models.DateField(_("nominations close"))
    quota = models.PositiveSmallIntegerField(_("nominations per unit"))
    description = models.TextField(_("notice"), max_length=4000, blank=True)
    state = models.CharField(max_length=16, choices=RoundState.choices, default=RoundState.OPEN)
    panel = models.OneToOneField("panels.Panel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "scope_path"
    scope_view_capability = Cap.ACHIEVEMENTS_MANAGE

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(nominate_until__gte=models.F("nominate_from")),
                                              name="round_window_ordered")]

    def __str__(self) -> str:
        return self.title

    def category_label(self, key: str) -> str:
        return next((c["label"] for c in self.categories if c["key"] == key), key)


class Nomination(models.Model):
    """One achievement a unit put forward: a resource of the library (its files are the
    materials), with its first author; from a lower round's winner when `source` is set."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="nominations")
    category = models.CharField(_("category"), max_length=32)
    unit_path = models.CharField(max_length=96)
    unit_name = models.CharField(_("unit"), max_length=128)
    resource = models.ForeignKey("resources.Resource", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=128)
    summary = models.TextField(_("reason for nominating"), max_length=2000, blank=True)
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="promoted")
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)
    # Frozen from the panel's results when it closes.
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    award = models.CharField(_("award"), max_length=16, choices=Award.choices, blank=True)
    # The award certificate (signed like the others: tisheng.certificates.signing).
    certificate_number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    verify_code = models.CharField(max_length=16, blank=True)
    signed = models.TextField(blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "unit_path"
    scope_view_capability = Cap.ACHIEVEMENTS_NOMINATE

    class Meta:
        ordering = ["round", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "resource"], name="nominated_once_per_round")]
        indexes = [models.Index(fields=["round", "unit_path"], name="nomination_unit"),
                   models.Index(fields=["teacher", "award"], name="nomination_teacher_award")]

    def __str__(self) -> str:
        return self.title

    @property
    def panel_key(self) -> str:
        return f"nomination:{self.pk}"

    @property
    def verify_url(self) -> str:
        return f"{settings.SITE_URL}/verify/{self.certificate_number}/{self.verify_code}"

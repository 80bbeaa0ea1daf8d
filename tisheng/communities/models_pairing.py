"""Pairing and 双师 assistance (结对帮扶): a pair between a strong school and a rural school, or
an assistance platform / institution and a school it 牵手s, created by the office whose area holds
both (`scope_path`: the office's node), with a period, goals and a plan. Inside a pair, mentoring
pairs of teachers (远程授课教师 ↔ 乡村教师); the pair's activity log (co-prepared lessons, 专递/同步
classes, observations, feedback), each entry with evidence attached (checked like practice
evidence). Assisted regions (三区三州-type) are a tag on regions kept here, keyed by region, so
orgs needs no migration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SchoolPair(models.Model):
    class Kind(models.TextChoices):
        SCHOOLS = "schools", pgettext_lazy("pair kind", "Strong school and rural school")
        ASSISTANCE = "assistance", pgettext_lazy("pair kind", "Institution assisting a school")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SCHOOLS)
    # The helping side: a school (结对子) or an institution / assistance platform (牵手).
    strong_school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="assistance_pairs")
    # The creating office's node: the pair is theirs, and the offices above see it.
    scope_path = models.CharField(max_length=96, db_index=True)
    starts_on = models.DateField(pgettext_lazy("pairing", "from"))
    ends_on = models.DateField(pgettext_lazy("pairing", "until"))
    goals = models.TextField(pgettext_lazy("pairing", "goals"), max_length=4000)
    plan = models.TextField(pgettext_lazy("pairing", "plan"), max_length=8000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_on = models.DateField(null=True, blank=True)  # kept by the activity log, for "gone silent"

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(strong_school__isnull=False, organization__isnull=True)
                                   | models.Q(strong_school__isnull=True, organization__isnull=False),
                                   name="pair_has_one_helping_side"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="pair_period_order"),
        ]
        indexes = [models.Index(fields=["school", "ends_on"], name="pair_by_assisted_school")]

    def __str__(self) -> str:
        return f"{self.helper_name} → {self.school}"

    @property
    def helper_name(self) -> str:
        return self.strong_school.name if self.strong_school_id else self.organization.name


class MentorPair(models.Model):
    """A 远程授课教师 of the helping side and a 乡村教师 of the assisted school."""

    pair = models.ForeignKey(SchoolPair, on_delete=models.CASCADE, related_name="mentors")
    mentor = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # An institution's mentor may be no teacher of a school: their account then.
    mentor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mentee = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pair", "id"]
        constraints = [models.UniqueConstraint(fields=["pair", "mentor_user", "mentee"], name="one_mentor_pair")]

    def __str__(self) -> str:
        return f"{self.mentor_user_id} ↔ {self.mentee_id}"


class PairActivity(models.Model):
    class Kind(models.TextChoices):
        CO_PREP = "co_prep", pgettext_lazy("pair activity", "Co-prepared lesson")
        REMOTE_CLASS = "remote_class", pgettext_lazy("pair activity", "Delivered class")
        SYNC_CLASS = "sync_class", pgettext_lazy("pair activity", "Synchronous class")
        OBSERVATION = "observation", pgettext_lazy("pair activity", "Lesson observation")
        FEEDBACK = "feedback", pgettext_lazy("pair activity", "Feedback and guidance")

    pair = models.ForeignKey(SchoolPair, on_delete=models.CASCADE, related_name="activities")
    mentor_pair = models.ForeignKey(MentorPair, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(pgettext_lazy("pairing", "what was done"), max_length=4000, blank=True)
    # Evidence, relative to PRIVATE_MEDIA_ROOT/pairing; empty without a file.
    file_name = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=128, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["pair", "held_on"], name="pair_activity_by_date")]

    def __str__(self) -> str:
        return self.title


class AssistedRegion(models.Model):
    """A region tagged as assisted (三区三州-type, 乡村振兴重点帮扶县 …) by the province."""

    region = models.OneToOneField("orgs.Region", on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(_("tag"), max_length=32)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["region__path"]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.tag}"

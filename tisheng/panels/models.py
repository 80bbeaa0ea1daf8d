"""Expert panels: who scores what on which rubric, what they declared, what they gave.

A panel belongs to a round of another app by `round_key` (e.g. "institutions.selection:3"), so
the panels app knows nothing of the rounds it serves. Items are the things scored, named by
the owning app's own key ("application:17")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PanelStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("panel state", "Scoring")
    CLOSED = "closed", pgettext_lazy("panel state", "Closed")


class Panel(models.Model):
    round_key = models.CharField(max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=128)
    # The owning office's node: managers need panels.manage over it.
    scope_path = models.CharField(max_length=96)
    rubric = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=PanelStatus.choices, default=PanelStatus.OPEN)
    # When the experts' grants end (the last day scoring is possible).
    ends_on = models.DateField(_("scoring ends on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Frozen at close: per item, per criterion n/mean/sd/median and the outlier scores.
    results = models.JSONField(default=dict, blank=True)

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == PanelStatus.OPEN


class PanelExpert(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="experts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Affiliation as the expert gave it (for the conflict-of-interest review and the report).
    affiliation = models.CharField(_("affiliation"), max_length=128, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="panel_expert_once")]

    def __str__(self) -> str:
        return str(self.user)


class PanelItem(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64)
    title = models.CharField(max_length=128)
    # Where an assigned expert reads the item (the owning app's page, which checks the assignment).
    url = models.CharField(max_length=255, blank=True)
    # The organisation behind the item, when there is one: experts declare conflicts against it.
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["panel", "key"], name="panel_item_key_once")]

    def __str__(self) -> str:
        return self.title


class PanelAssignment(models.Model):
    """An expert is to score an item (on every criterion of the rubric)."""

    item = models.ForeignKey(PanelItem, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(PanelExpert, on_delete=models.CASCADE, related_name="assignments")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "expert"], name="panel_assignment_once")]

    def __str__(self) -> str:
        return f"{self.expert} · {self.item}"


class ConflictDeclaration(models.Model):
    """回避: the expert has a conflict of interest with the item and does not score it."""

    item = models.ForeignKey(PanelItem, on_delete=models.CASCADE, related_name="conflicts")
    expert = models.ForeignKey(PanelExpert, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("reason"), max_length=255)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "expert"], name="panel_conflict_once")]

    def __str__(self) -> str:
        return f"{self.expert} · {self.item}: {self.reason}"


class Score(models.Model):
    item = models.ForeignKey(PanelItem, on_delete=models.CASCADE, related_name="scores")
    expert = models.ForeignKey(PanelExpert, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=32)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    comment = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "expert", "criterion"], name="panel_score_once")]

    def __str__(self) -> str:
        return f"{self.expert} · {self.item} · {self.criterion}: {self.value}"

"""Workshops (工作坊) and research communities (研修共同体): created by a county office, a teacher
college or a designated 坊主 within their scope (`scope_path`: the subtree whose teachers may
join; the province for province-level ones), open or by invitation. A workshop runs activities:
topic discussions (the class discussion's Thread/Reply, attached to the activity), collective
lesson preparation (one shared design, versioned, comments anchored to its sections), lesson
study (a video with comments anchored to times in it) and live sessions (time, link, attendance,
recording). When the leader closes an activity, each participant's points (the program's
HoursRule: points per action) become hours under the rule's cap, credited to the ledger once per
activity and teacher; `ActivityCredit` keeps the conversion the teacher is shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The shared lesson design's parts (集体备课): comments are anchored to one of these keys.
DESIGN_SECTIONS = (
    ("goals", pgettext_lazy("lesson design", "Teaching goals")),
    ("learners", pgettext_lazy("lesson design", "Learner analysis")),
    ("focus", pgettext_lazy("lesson design", "Key and difficult points")),
    ("process", pgettext_lazy("lesson design", "Teaching process")),
    ("technology", pgettext_lazy("lesson design", "Use of technology")),
    ("assessment", pgettext_lazy("lesson design", "Homework and assessment")),
)
DESIGN_SECTION_KEYS = tuple(k for k, _label in DESIGN_SECTIONS)


class Workshop(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", pgettext_lazy("workshop kind", "Workshop")
        COMMUNITY = "community", pgettext_lazy("workshop kind", "Research community")

    class Access(models.TextChoices):
        OPEN = "open", pgettext_lazy("workshop access", "Open to join")
        INVITATION = "invitation", pgettext_lazy("workshop access", "By invitation")

    name = models.CharField(_("workshop name"), max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WORKSHOP)
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.OPEN)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    # The program whose ledger the participation hours go to (its HoursRule converts points).
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    # Who may join: teachers at or below this path; offices whose area holds it oversee it.
    scope_path = models.CharField(max_length=96, db_index=True)
    scope_name = models.CharField(max_length=64)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class WorkshopMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", pgettext_lazy("workshop role", "Leader")
        MEMBER = "member", pgettext_lazy("workshop role", "Member")

    class State(models.TextChoices):
        INVITED = "invited", pgettext_lazy("workshop member", "Invited")
        JOINED = "joined", pgettext_lazy("workshop member", "Joined")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=16, choices=State.choices, default=State.JOINED)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workshop", "-role", "id"]
        constraints = [models.UniqueConstraint(fields=["workshop", "user"], name="one_membership_per_workshop")]
        indexes = [models.Index(fields=["user", "state"], name="workshop_member_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in workshop {self.workshop_id}"


class WorkshopActivity(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", pgettext_lazy("workshop activity", "Topic discussion")
        LESSON_PREP = "lesson_prep", pgettext_lazy("workshop activity", "Collective lesson preparation")
        LESSON_STUDY = "lesson_study", pgettext_lazy("workshop activity", "Lesson study")
        LIVE = "live", pgettext_lazy("workshop activity", "Live session")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    link = models.URLField(_("meeting link"), max_length=500, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    video_url = models.URLField(_("lesson video"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Set once, when the leader closed the activity and its points became hours.
    credited_at = models.DateTimeField(null=True, blank=True)
    credited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workshop", "-created_at"], name="activity_by_workshop")]

    def __str__(self) -> str:
        return self.title

    @property
    def closed(self) -> bool:
        return self.credited_at is not None


class DesignVersion(models.Model):
    """One saved version of the activity's shared lesson design: every section's text."""

    activity = models.ForeignKey(WorkshopActivity, on_delete=models.CASCADE, related_name="design_versions")
    number = models.PositiveIntegerField()
    sections = models.JSONField(default=dict)  # section key → text
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["activity", "-number"]
        constraints = [models.UniqueConstraint(fields=["activity", "number"], name="one_design_version_number")]

    def __str__(self) -> str:
        return f"{self.activity_id} v{self.number}"


class DesignComment(models.Model):
    """A comment on one section of one version of the design."""

    activity = models.ForeignKey(WorkshopActivity, on_delete=models.CASCADE, related_name="design_comments")
    version = models.ForeignKey(DesignVersion, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=16, choices=DESIGN_SECTIONS)
    body = models.TextField(_("comment"), max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["activity", "section", "id"]
        indexes = [models.Index(fields=["activity", "section"], name="design_comment_by_section")]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.section}#{self.pk}"


class VideoComment(models.Model):
    """A comment on the lesson video at a time in it (seconds from the start)."""

    activity = models.ForeignKey(WorkshopActivity, on_delete=models.CASCADE, related_name="video_comments")
    seconds = models.PositiveIntegerField()
    body = models.TextField(_("comment"), max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    featured = models.BooleanField(default=False)

    class Meta:
        ordering = ["activity", "seconds", "id"]
        indexes = [models.Index(fields=["activity", "seconds"], name="video_comment_by_time")]

    def __str__(self) -> str:
        return f"{self.activity_id}@{self.seconds}"

    @property
    def at_text(self) -> str:
        """12:05, or 1:02:05 past an hour."""
        minutes, seconds = divmod(self.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Attendance(models.Model):
    activity = models.ForeignKey(WorkshopActivity, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="one_attendance_per_activity")]

    def __str__(self) -> str:
        return f"{self.user_id} attended {self.activity_id}"


class ActivityCredit(models.Model):
    """What a participant earned in a closed activity: the counts per action, the points, and the
    hours credited (after the cap), with the ledger row; the teacher's page shows the sum."""

    activity = models.ForeignKey(WorkshopActivity, on_delete=models.CASCADE, related_name="credits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    counts = models.JSONField(default=dict)  # action → how many
    points = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # What the conversion said when hours were fewer than the points give (cap, no enrollment).
    note = models.CharField(max_length=200, blank=True)
    ledger_entry = models.ForeignKey("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["activity", "-points", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="one_credit_per_activity")]
        indexes = [models.Index(fields=["user", "activity"], name="credit_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.points} points in {self.activity_id}"

"""Learning together (issue 16): study classes (研修班级) formed by an institution or teacher
college within its contracts, with tutors (辅导教师), the class's announcements, reminders and
bulletins (班级简报).

A class lies in one region (`region_path`, the county or the contract region it was formed for),
so an office sees the classes of its area with one prefix match; its members are enrolled teachers
of the class's program, at most one class per teacher and program."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StudyClass(models.Model):
    class Basis(models.TextChoices):
        COUNTY = "county", pgettext_lazy("class basis", "By county")
        SCHOOL = "school", pgettext_lazy("class basis", "By school")
        SUBJECT = "subject", pgettext_lazy("class basis", "By subject")

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="study_classes")
    name = models.CharField(_("class name"), max_length=64)
    basis = models.CharField(_("formed"), max_length=16, choices=Basis.choices, default=Basis.COUNTY)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=64, db_index=True)
    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"

    class Meta:
        ordering = ["program", "region_path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "program", "name"],
                                               name="study_class_name_per_organization")]

    def __str__(self) -> str:
        return self.name


class ClassMember(models.Model):
    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="members")
    # The class's program again, so "one class per teacher and program" is a constraint.
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="class_memberships")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["study_class", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "teacher"], name="one_study_class_per_program")]
        indexes = [models.Index(fields=["study_class", "teacher"], name="class_member_by_class")]

    def __str__(self) -> str:
        return f"{self.teacher_id} in {self.study_class_id}"


class ClassTutor(models.Model):
    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="tutors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tutored_classes")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["study_class", "id"]
        constraints = [models.UniqueConstraint(fields=["study_class", "user"], name="one_tutor_assignment")]

    def __str__(self) -> str:
        return f"{self.user_id} tutors {self.study_class_id}"


class Announcement(models.Model):
    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A reminder the tutor sent to the whole class (teacher empty) or to one teacher."""

    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="reminders")
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("text"), max_length=300)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


class ClassBulletin(models.Model):
    """A class bulletin (班级简报): the class's numbers at the moment of issue, frozen, and the
    tutor's text. Its HTML page and PDF are rendered from these two, so they never drift."""

    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="bulletins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("tutor's words"), max_length=4000, blank=True)
    numbers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class HoursRule(models.Model):
    """How a program credits what teachers do together (a rule as data, one row per program; the
    defaults below hold until the province sets one): the ledger category, and at most how many
    hours passed assignments earn a teacher in the program."""

    DEFAULT_CATEGORY = "online"  # 网络研修
    DEFAULT_ASSIGNMENT_CAP = "10"

    DEFAULT_WORKSHOP_CAP = "10"
    DEFAULT_POINTS_PER_HOUR = 10
    # Points per action in a workshop activity (a rule as data; the keys are fixed, the numbers
    # are the province's): a thread started, a reply or comment, a post the leader featured, a
    # version of the shared lesson design saved, a live session attended.
    POINT_ACTIONS = ("post", "reply", "featured", "design", "attendance")
    DEFAULT_POINTS = {"post": 2, "reply": 1, "featured": 3, "design": 3, "attendance": 2}

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("hours category"), max_length=16, default=DEFAULT_CATEGORY)
    assignment_cap = models.DecimalField(_("most hours from assignments"), max_digits=5, decimal_places=1,
                                         default=DEFAULT_ASSIGNMENT_CAP)
    points = models.JSONField(default=dict, blank=True)  # action → points; missing actions take the defaults
    points_per_hour = models.PositiveIntegerField(_("points for one hour"), default=DEFAULT_POINTS_PER_HOUR)
    workshop_cap = models.DecimalField(_("most hours from workshops"), max_digits=5, decimal_places=1,
                                       default=DEFAULT_WORKSHOP_CAP)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.program_id}: {self.category} ≤ {self.assignment_cap}"

    def points_for(self, action: str) -> int:
        return int((self.points or {}).get(action, self.DEFAULT_POINTS[action]))


class Assignment(models.Model):
    """A task the tutor sets the class: instructions, a rubric of criteria with points, a deadline,
    and the hours a passed submission earns (within the program's HoursRule cap)."""

    study_class = models.ForeignKey(StudyClass, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(_("title"), max_length=100)
    instructions = models.TextField(_("instructions"), max_length=8000)
    rubric = models.JSONField(default=list)  # [{"name": "教学设计完整", "points": 40}, …]
    due_at = models.DateTimeField(_("deadline"))
    hours = models.DecimalField(_("hours for a pass"), max_digits=4, decimal_places=1, default=0)
    # When the teachers who had not submitted were reminded of the deadline (once, a day before).
    deadline_reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def max_points(self) -> int:
        return sum(int(c["points"]) for c in self.rubric)


class AssignmentSubmission(models.Model):
    """A teacher's work for an assignment (text and/or one file, checked like practice evidence),
    replaced until graded; the grade: points per rubric criterion, a comment, excellent or not."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("assignment", "Submitted")
        GRADED = "graded", pgettext_lazy("assignment", "Graded")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="assignment_submissions")
    text = models.TextField(_("text"), max_length=20000, blank=True)
    # Relative to PRIVATE_MEDIA_ROOT/assignments; empty without a file.
    file_name = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=128, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    late = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    scores = models.JSONField(default=dict, blank=True)  # criterion name → points
    total = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    excellent = models.BooleanField(_("excellent"), default=False)
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)
    ledger_entry = models.ForeignKey("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["assignment", "teacher", "id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "teacher"], name="one_submission_per_assignment")]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.assignment_id}"


class Thread(models.Model):
    """A discussion thread of a class, or of a workshop's topic-discussion activity (exactly one
    of the two), under a topic (话题) or none; the tutor (or the workshop's leader) pins and
    features; hidden with a reason (audited), it is gone for everyone but the moderators."""

    study_class = models.ForeignKey(StudyClass, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="threads")
    activity = models.ForeignKey("communities.WorkshopActivity", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="threads")
    topic = models.CharField(_("topic"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=10000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    pinned = models.BooleanField(default=False)
    featured = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)  # non-empty: hidden
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-last_reply_at", "-id"]
        indexes = [models.Index(fields=["study_class", "-pinned", "-last_reply_at"], name="thread_list"),
                   models.Index(fields=["activity", "-pinned", "-last_reply_at"], name="thread_list_activity")]
        constraints = [models.CheckConstraint(
            condition=models.Q(study_class__isnull=False, activity__isnull=True)
            | models.Q(study_class__isnull=True, activity__isnull=False), name="thread_in_class_or_activity")]

    def __str__(self) -> str:
        return self.title


class Reply(models.Model):
    """A reply in a thread, paged by id (keyset: `id > after`, on the (thread, id) index)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    featured = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["thread", "id"]
        indexes = [models.Index(fields=["thread", "id"], name="reply_by_thread")]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


class PostReport(models.Model):
    """Someone in the class reports a thread or a reply to the tutors."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reports")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["thread", "resolved"], name="report_open")]

    def __str__(self) -> str:
        return f"report {self.thread_id}/{self.reply_id}"


from tisheng.communities.models_pairing import (  # noqa: E402
    AssistedRegion,
    MentorPair,
    PairActivity,
    SchoolPair,
)
from tisheng.communities.models_workshops import (  # noqa: E402  (one models module for Django)
    DESIGN_SECTIONS,
    ActivityCredit,
    Attendance,
    DesignComment,
    DesignVersion,
    VideoComment,
    Workshop,
    WorkshopActivity,
    WorkshopMember,
)

__all__ = [
    "AssistedRegion", "MentorPair", "PairActivity", "SchoolPair",
    "DESIGN_SECTIONS", "ActivityCredit", "Announcement", "Assignment", "AssignmentSubmission", "Attendance",
    "ClassBulletin", "ClassMember", "ClassTutor", "DesignComment", "DesignVersion", "HoursRule", "PostReport",
    "Reminder", "Reply", "StudyClass", "Thread", "VideoComment", "Workshop", "WorkshopActivity", "WorkshopMember",
]

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

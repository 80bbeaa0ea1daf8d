"""The online-learning catalogue: institutions' courses and lessons, contracts that say which
institution serves which region in which program, and teachers' course selections."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Contract(models.Model):
    """The province selects an institution for a program (region = the province); a city
    then chooses among the province's selection for itself or its counties (the notice's
    遴选 and 选择). An institution reaches the teachers below the regions it is contracted for."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="contracts")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="contracts")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="contracts")
    region_path = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "region_path"
    scope_view_capability = "orgs.view"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "institution", "region"], name="one_contract")]

    def __str__(self) -> str:
        return f"{self.institution} @ {self.region} ({self.program})"


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="courses")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="courses")
    code = models.CharField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    topics = models.JSONField(_("1.0 topics"), default=list, blank=True)  # ["T1", "T5", …]
    micro_abilities = models.JSONField(_("2.0 micro-abilities"), default=list, blank=True)  # ["A1", "B3", …]
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    stages = models.JSONField(_("stages"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # xAPI activity id the institution's own platform uses for this course (xapi issue).
    activity_id = models.URLField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # "|T1|T5|A1|语文|primary|": the topics, micro-abilities, subjects and stages as one text,
    # so a catalogue filter is one LIKE that behaves the same on SQLite and PostgreSQL
    # (JSON containment is not portable). Kept by save().
    search_tags = models.CharField(max_length=1000, blank=True, editable=False)

    class Meta:
        ordering = ["program", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="course_code_per_institution")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        values = [*self.topics, *self.micro_abilities, *self.subjects, *self.stages]
        self.search_tags = "|" + "|".join(str(v) for v in values) + "|" if values else ""
        super().save(*args, **kwargs)


def tag(value: str) -> str:
    """The `search_tags` fragment that matches one topic, ability, subject or stage."""
    return f"|{value}|"


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=128)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"))
    # An uploaded MP4 (stored under PRIVATE_MEDIA_ROOT/videos/, served with range requests
    # to those who may watch) or an external URL on the institution's CDN.
    video_file = models.CharField(max_length=255, blank=True)
    video_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    """A course's optional end quiz: the course completes only when it is passed."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="quiz")
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)

    def __str__(self) -> str:
        return f"{self.course} quiz"


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("choices"), default=list)  # ["…", "…", …]
    correct = models.PositiveSmallIntegerField(_("correct choice"))  # index into choices

    class Meta:
        ordering = ["quiz", "order", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="quiz_attempts")
    answers = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField(default=0)  # percent
    passed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["teacher", "quiz", "passed"])]

    def __str__(self) -> str:
        return f"{self.teacher} {self.quiz} {self.score}%"


class CourseSelection(models.Model):
    """A teacher's choice of a course in a program. It can be dropped until `started_at` is
    set (by the player, on the first playback)."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="course_selections")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="course_selections")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="selections")
    selected_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["selected_at", "id"]
        constraints = [models.UniqueConstraint(fields=["teacher", "program", "course"], name="one_selection")]
        indexes = [models.Index(fields=["program", "teacher"])]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.course}"

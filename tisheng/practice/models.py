"""School-based practice (2.0 整校推进): the editable micro-ability catalogue (versions and
evidence tasks), school plans and management teams, teachers' point choices, evidence
submissions, reviews, peer assignments and point results.

The identity of a capability point stays `diagnostics.MicroAbility` (A1…C7); what a province
edits (name, tasks, guides, rubrics) is a new `PointVersion`, never an update of an old one,
so a submission keeps the version it was made against.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap


class Environment(models.TextChoices):
    """The 2.0 environment groups (A < B < C), as orgs.Environment."""

    A = "A", _("A · Multimedia classroom")
    B = "B", _("B · Blended learning")
    C = "C", _("C · Smart learning")


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    SLIDES = "slides", _("Slides")
    VIDEO = "video", _("Video clip")
    IMAGE = "image", _("Image")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class PointVersion(models.Model):
    """One version of a capability point as the province edited it. The highest `number`
    of a point is its current version."""

    point = models.ForeignKey("diagnostics.MicroAbility", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=64)
    dimension = models.CharField(_("dimension"), max_length=8)
    environment = models.CharField(_("environment"), max_length=1, choices=Environment.choices)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["point", "number"]
        constraints = [models.UniqueConstraint(fields=["point", "number"], name="one_point_version_number")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class EvidenceTask(models.Model):
    """One evidence item a point asks for (its 提交指南, allowed kinds and rubric)."""

    point_version = models.ForeignKey(PointVersion, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=64)
    guide = models.TextField(_("submission guide"), blank=True)
    kinds = models.JSONField(_("allowed kinds"), default=list)  # ["document", "slides", "video", "image"]
    rubric_excellent = models.TextField(_("criteria for excellent"), blank=True)
    rubric_pass = models.TextField(_("criteria for pass"), blank=True)

    class Meta:
        ordering = ["point_version", "order", "id"]

    def __str__(self) -> str:
        return self.title


class SchoolPlan(models.Model):
    """学校信息化发展规划: one row per version; a resubmission after a return is version + 1.
    The school's approved plan is its latest approved version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="practice_plans")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="school_plans")
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    goals = models.TextField(_("goals"), blank=True)
    environment = models.CharField(_("environment"), max_length=1, choices=Environment.choices)
    research_topics = models.JSONField(_("research topics"), default=list)  # [str]
    training_schedule = models.JSONField(_("training schedule"), default=list)  # [{date, title, kind}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)

    scope_path_field = "school__path"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["school", "program", "version"]
        constraints = [models.UniqueConstraint(fields=["school", "program", "version"],
                                               name="one_school_plan_version")]
        indexes = [models.Index(fields=["program", "status"], name="school_plan_status")]

    def __str__(self) -> str:
        return f"{self.school_id} · {self.program_id} v{self.version} ({self.status})"


class TeamMember(models.Model):
    """The school's informatization management team for a program."""

    class TeamRole(models.TextChoices):
        PRINCIPAL = "principal", _("Principal")
        CIO = "cio", _("CIO")
        ASSESSOR = "assessor", _("Assessor")

    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="practice_team")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practice_teams")
    role = models.CharField(_("role"), max_length=16, choices=TeamRole.choices)

    scope_path_field = "school__path"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["school", "program", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "program", "user", "role"],
                                               name="one_team_role_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.school_id}"


class PointChoice(models.Model):
    """A teacher's chosen capability point, against the version current when chosen."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="point_choices")
    point = models.ForeignKey("diagnostics.MicroAbility", on_delete=models.PROTECT, related_name="+")
    point_version = models.ForeignKey(PointVersion, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "teacher__org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["teacher", "point"]
        constraints = [models.UniqueConstraint(fields=["program", "teacher", "point"], name="one_choice_per_point")]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.point_id}"


class TextState(models.TextChoices):
    """Where the text of a document or slides stands: extracted by a job after the upload
    (practice.tasks), in a child process with its own limits."""

    NONE = "none", pgettext_lazy("text extraction", "No text")  # videos and images
    PENDING = "pending", pgettext_lazy("text extraction", "Extracting")
    DONE = "done", pgettext_lazy("text extraction", "Extracted")
    FAILED = "failed", pgettext_lazy("text extraction", "Failed")


# Why an extraction failed, as the grader reads it (文本提取失败：文件过大).
TEXT_FAILURES = {
    "too_large": _("the file is too large"),  # core.officefiles.TOO_LARGE, or a limit of the child process
    "damaged": _("the file is damaged or cannot be read"),  # core.officefiles.DAMAGED
    "timeout": _("reading it took too long"),
}


class Submission(models.Model):
    """One uploaded evidence file for one task; resubmissions add versions, the newest is
    `is_current`. `file_name` is relative to settings.PRIVATE_MEDIA_ROOT / "evidence"."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="practice_submissions")
    task = models.ForeignKey(EvidenceTask, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    file_name = models.CharField(max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)  # extracted for the similarity check; blank for video/image
    text_state = models.CharField(max_length=8, choices=TextState.choices, default=TextState.DONE)
    # Why the extraction failed, in a word (core.officefiles.TOO_LARGE / DAMAGED, or "timeout").
    text_error = models.CharField(max_length=16, blank=True)
    # What the teacher says of this version (修改说明: what changed after the grader's comment).
    note = models.TextField(_("note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "teacher__org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["teacher", "task", "version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "teacher", "task", "version"], name="one_submission_version"),
            models.UniqueConstraint(fields=["program", "teacher", "task"], condition=Q(is_current=True),
                                    name="one_current_submission"),
        ]
        indexes = [models.Index(fields=["program", "teacher", "is_current"], name="submission_current"),
                   # The extraction job's queue: a handful of rows among millions.
                   models.Index(fields=["id"], condition=Q(text_state="pending"), name="submission_text_pending")]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.task_id} v{self.version}"

    @property
    def text_failure(self) -> str:
        """Why the text could not be extracted, in the reader's language."""
        return str(TEXT_FAILURES.get(self.text_error, TEXT_FAILURES["damaged"]))


class Review(models.Model):
    """A grade of one submission at one stage. Team grades are the ones that count."""

    class Stage(models.TextChoices):
        SELF = "self", _("Self-assessment")
        PEER = "peer", _("Peer review")
        TEAM = "team", _("School assessment team")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "submission__teacher__org_path"
    scope_owner_field = "submission__teacher__user"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["submission", "created_at", "id"]
        indexes = [models.Index(fields=["submission", "stage"], name="review_by_stage")]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.stage} {self.grade}"


class PeerAssignment(models.Model):
    """A peer (same school and subject group) asked to review a teacher's point."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="peer_reviews_received")
    reviewer = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="peer_reviews_assigned")
    point = models.ForeignKey("diagnostics.MicroAbility", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "teacher__org_path"
    scope_owner_field = "reviewer__user"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["teacher", "point", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "teacher", "point", "reviewer"],
                                               name="one_peer_assignment")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} reviews {self.teacher_id} · {self.point_id}"


class PointResult(models.Model):
    """A teacher's result on a point, decided by the school team from the team grades of
    its items (优秀 only if every item 优秀; 不合格 if any below 合格; else 合格). A passed
    point is result in (excellent, pass) with status assessed."""

    class Status(models.TextChoices):
        ASSESSED = "assessed", _("Assessed")
        RETURNED = "returned", _("Returned")

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="point_results")
    point = models.ForeignKey("diagnostics.MicroAbility", on_delete=models.PROTECT, related_name="+")
    point_version = models.ForeignKey(PointVersion, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=16, choices=Grade.choices)
    recommended = models.BooleanField(_("recommended as excellent"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSESSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    ledger_entry = models.ForeignKey("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    returned_reason = models.TextField(_("reason for return"), blank=True)
    org_path = models.CharField(max_length=96, db_index=True)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = Cap.PRACTICE_VIEW

    class Meta:
        ordering = ["org_path", "teacher", "point"]
        constraints = [models.UniqueConstraint(fields=["program", "teacher", "point"], name="one_result_per_point")]
        indexes = [models.Index(fields=["program", "org_path", "status", "result"], name="point_result_rollup")]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.point_id}: {self.result} ({self.status})"

    @property
    def passed(self) -> bool:
        return self.status == self.Status.ASSESSED and self.result in (Grade.EXCELLENT, Grade.PASS)

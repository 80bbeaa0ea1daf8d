"""The diagnostic test (训前诊断测评): the topics and micro-abilities it recommends, the
configurable instrument (items, score bands) and each teacher's stored attempt."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The 2014 standard's two levels (III is the curriculum's professional-development series)."""

    I = "I", _("I · Optimising classroom teaching")  # noqa: E741 - the standard's own name
    II = "II", _("II · Transforming ways of learning")


class Dimension(models.TextChoices):
    """The 2014 standard's five dimensions (values are the standard's words)."""

    TECH = "技术素养", _("Technical literacy")
    PLAN = "计划与准备", _("Planning and preparation")
    ORGANIZE = "组织与管理", _("Organisation and management")
    ASSESS = "评估与诊断", _("Assessment and diagnosis")
    GROW = "学习与发展", _("Learning and development")


class MicroDimension(models.TextChoices):
    """The 2.0 micro-abilities' four dimensions."""

    ANALYSIS = "学情分析", _("Learner analysis")
    DESIGN = "教学设计", _("Instructional design")
    GUIDANCE = "学法指导", _("Learning guidance")
    EVALUATION = "学业评价", _("Learning assessment")


class Topic(models.Model):
    """A 1.0 training topic (T1–T27), loaded from data/topics_2014.json; the province edits it."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=64)
    series = models.CharField(_("series"), max_length=4)  # I, II or III
    level = models.CharField(_("level"), max_length=2, choices=Level.choices)
    dimension = models.CharField(_("dimension"), max_length=8, choices=Dimension.choices)
    confirmed = models.BooleanField(_("confirmed"), default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MicroAbility(models.Model):
    """A 2.0 capability point (A1…C7). The practice issue extends this model (evidence tasks,
    rubrics); here it is what the diagnostic test recommends."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=64)
    dimension = models.CharField(_("dimension"), max_length=8, choices=MicroDimension.choices)
    environment = models.CharField(_("environment"), max_length=1)  # A / B / C as orgs.Environment
    confirmed = models.BooleanField(_("confirmed"), default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Instrument(models.Model):
    """A program's diagnostic test. `kind` says what it is scored against: the 2014 standard's
    5 dimensions × 2 levels (recommends topics) or the 2.0 micro-abilities' 4 dimensions
    (recommends micro-abilities of the school's environment)."""

    class Kind(models.TextChoices):
        STANDARD_2014 = "standard_2014", _("2014 standard (5 dimensions × 2 levels)")
        MICRO_2019 = "micro_2019", _("2.0 micro-abilities (4 dimensions)")

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="instrument")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=128)
    allow_retake = models.BooleanField(_("retake allowed"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "id"]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    """One question: its choices carry scores ([{"label": …, "score": n}, …])."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(_("text"), max_length=255)
    choices = models.JSONField(_("choices"), default=list)
    dimension = models.CharField(_("dimension"), max_length=8)
    level = models.CharField(_("level"), max_length=2, blank=True)  # blank for 2.0
    # 2.0: the capability points the question asks about (["A3", "B3"]): a low answer makes
    # them the ones the result recommends first, and is the reason it gives.
    micro_abilities = models.JSONField(_("capability points"), default=list, blank=True)

    class Meta:
        ordering = ["instrument", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def max_score(self) -> int:
        return max((int(c["score"]) for c in self.choices), default=0)


class ScoreBand(models.Model):
    """Thresholds in percent of the maximum score: below `pass_min` 不合格, from `pass_min`
    合格, from `excellent_min` 优秀. Blank level / dimension: applies to all; the most
    specific band wins."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bands")
    level = models.CharField(_("level"), max_length=2, blank=True)
    dimension = models.CharField(_("dimension"), max_length=8, blank=True)
    pass_min = models.PositiveSmallIntegerField(_("合格 from (%)"), default=60)
    excellent_min = models.PositiveSmallIntegerField(_("优秀 from (%)"), default=85)

    class Meta:
        ordering = ["instrument", "level", "dimension", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "level", "dimension"], name="one_band_per_cell"),
            models.CheckConstraint(condition=models.Q(pass_min__lte=models.F("excellent_min"),
                                                      excellent_min__lte=100),
                                   name="band_thresholds_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.level or '*'}/{self.dimension or '*'}: {self.pass_min}/{self.excellent_min}"


class Attempt(models.Model):
    """A teacher's stored attempt: one per teacher and instrument (a retake replaces it).
    `scores` is {"I|技术素养": 66.7, …} (level|dimension → percent), computed on the server."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="attempts")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="diagnostic_attempts")
    org_path = models.CharField(max_length=96, db_index=True)
    answers = models.JSONField(default=dict)  # {item id: choice index}
    scores = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(default=timezone.now)
    taken_count = models.PositiveSmallIntegerField(default=1)

    scope_path_field = "org_path"
    scope_owner_field = "teacher__user"
    scope_view_capability = "teachers.view"

    class Meta:
        ordering = ["org_path", "teacher", "id"]
        constraints = [models.UniqueConstraint(fields=["instrument", "teacher"], name="one_attempt_per_teacher")]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.instrument_id}"

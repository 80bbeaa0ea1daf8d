"""Roll-ups: each org node's numbers for one program on one day, so that no dashboard reads
teacher rows. A background job refreshes them (services/rollups.py) and records each run, so
every page can show how old its numbers are; a consistency check recomputes them another way."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    SCHOOL = "school", _("School")


# The numbers a roll-up row carries (integers, then hours). Their order is the export's order.
COUNT_FIELDS = ("schools", "enrolled", "exempt", "selected", "started", "complete", "approved", "certified",
                "returned", "points_passed", "points_excellent")
HOUR_FIELDS = ("online_hours", "practice_hours", "offline_hours", "imported_hours")


class Rollup(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # Asia/Shanghai
    node_path = models.CharField(max_length=96)
    node_kind = models.CharField(max_length=16, choices=NodeKind.choices)
    parent_path = models.CharField(max_length=96, blank=True)
    name = models.CharField(max_length=128)
    is_rural = models.BooleanField(null=True)  # schools only

    schools = models.PositiveIntegerField(default=0)  # schools with enrollments, in the node
    enrolled = models.PositiveIntegerField(default=0)  # every enrollment, exempt ones included
    exempt = models.PositiveIntegerField(default=0)
    selected = models.PositiveIntegerField(default=0)  # not exempt, selected at least one course
    started = models.PositiveIntegerField(default=0)  # not exempt, any hours or a course started
    complete = models.PositiveIntegerField(default=0)  # complete, under review, approved or certified
    approved = models.PositiveIntegerField(default=0)  # approved or certified
    certified = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    points_passed = models.PositiveIntegerField(default=0)  # 2.0 micro-ability points passed (合格 or 优秀)
    points_excellent = models.PositiveIntegerField(default=0)
    online_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    practice_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    offline_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    imported_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # {"dimensions": {"学情分析": [passed, excellent], …},
    #  "rural": {"schools": …, "enrolled": …, "exempt": …, "complete": …}, "urban": {…}}
    detail = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "day", "node_path"], name="rollup_unique_node_day")]
        indexes = [models.Index(fields=["program", "day", "parent_path"], name="rollup_children"),
                   models.Index(fields=["program", "node_path", "day"], name="rollup_trend")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"

    @property
    def base(self) -> int:
        """Teachers who must train: enrolled and not exempt."""
        return self.enrolled - self.exempt

    @property
    def completion_rate(self) -> float:
        return self.complete / self.base if self.base else 0.0

    @property
    def completion_percent(self) -> float:
        return round(100 * self.completion_rate, 1)

    @property
    def code(self) -> str:
        """The node's own code: the last segment of its path."""
        return self.node_path.rsplit("/", 1)[-1]


class RollupRun(models.Model):
    class Kind(models.TextChoices):
        REFRESH = "refresh", _("Refresh")
        CHECK = "check", _("Consistency check")

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    day = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    differences = models.JSONField(default=list, blank=True)  # for a check: what did not match

    class Meta:
        indexes = [models.Index(fields=["program", "kind", "-finished_at"], name="rollup_run_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.program_id} {self.started_at:%Y-%m-%d %H:%M}"


class Bulletin(models.Model):
    """A 通报: one level's periodic report for a program, archived as it was issued (the
    numbers it was built from, its HTML and its PDF), so that it can be read again later."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    node_path = models.CharField(max_length=96, db_index=True)
    node_kind = models.CharField(max_length=16, choices=NodeKind.choices)
    name = models.CharField(max_length=128)  # the node's name
    title = models.CharField(max_length=200)
    day = models.DateField()  # the roll-up day its numbers come from
    period = models.CharField(max_length=16, blank=True)  # "2026-W48" when issued by the schedule
    numbers = models.JSONField(default=dict)
    html = models.TextField()
    pdf_file = models.CharField(max_length=255)  # relative to settings.PRIVATE_MEDIA_ROOT
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["program", "node_path", "period"],
                                               condition=~models.Q(period=""), name="one_scheduled_bulletin")]

    def __str__(self) -> str:
        return self.title

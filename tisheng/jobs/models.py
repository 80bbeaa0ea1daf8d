from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy


class JobState(models.TextChoices):
    # Short labels carry a context: "Failed" is also a spot check's outcome (抽检不合格).
    QUEUED = "queued", pgettext_lazy("job state", "Queued")
    RUNNING = "running", pgettext_lazy("job state", "Running")
    DONE = "done", pgettext_lazy("job state", "Done")
    FAILED = "failed", pgettext_lazy("job state", "Failed")


class Job(models.Model):
    """One piece of background work, taken from this table by `tisheng run-jobs`.

    `scope_path` is the org-tree node the work is about: who may watch its progress is
    decided by the scope filter on it, like any other org data."""

    kind = models.CharField(max_length=64, db_index=True)
    args = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    scope_path = models.CharField(max_length=96, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the worker running it (claim or progress): a job running with an
    # old heartbeat lost its worker and is queued again by `tisheng run-periodic`.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why earlier attempts ended (worker lost, database gone), oldest first: a job that ran
    # again reports the whole story, not only its last attempt. Each: {"attempt", "at", "error"}.
    errors = models.JSONField(default=list, blank=True)

    scope_path_field = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "id"], name="job_queue")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class Lease(models.Model):
    """A named lease one process holds until `expires_at` (jobs/periodic.py): with several app
    nodes, exactly one runs the periodic work at a time because the database says so, not
    because only one node was configured to."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=128)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"

"""Playback sessions: the server-side state of one playing of one lesson.

A session row is the hot row of the heartbeat: everything a beat needs (the owner, the
lesson's duration, the program's anti-cheat limits, the union of what the teacher has played
of this lesson, the daily total) is cached in it when the session starts, so a beat is one
indexed read and one conditional UPDATE. The newest session of a (teacher, lesson) holds the
teacher's progress in that lesson; a newer session copies it when it starts.

Times on the hot path are epoch seconds (floats): cheap to compare, no time-zone conversion
per beat. `last_activity_by_teacher` turns them into aware datetimes for the monitoring pages.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PlaybackSession(models.Model):
    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="playback_sessions")
    lesson = models.ForeignKey("learning.Lesson", on_delete=models.CASCADE, related_name="playback_sessions")
    course = models.ForeignKey("learning.Course", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    started_ts = models.FloatField()
    last_beat_ts = models.FloatField()
    last_seq = models.IntegerField(default=0)
    # A newer session of the same teacher took over: this one earns nothing any more.
    superseded = models.BooleanField(default=False)
    # The login session that started it (SHA-256 of its key): a beat must carry that session's
    # cookie, and every few minutes a beat checks the login session is still alive (and keeps it
    # so) — see services.heartbeat_record.
    login_session = models.CharField(max_length=64, default="")  # "" matches no cookie
    login_checked_ts = models.FloatField(default=0)

    # Cached at start from the lesson and the program's OnlineRule.
    duration_seconds = models.PositiveIntegerField()
    coverage_required = models.FloatField()
    max_rate = models.FloatField()
    daily_cap_seconds = models.FloatField()
    presence_every_seconds = models.FloatField(default=0)

    # The teacher's progress in this lesson (copied from the previous session of the lesson).
    intervals = models.TextField(default="[]")  # compact JSON [[start, end], …], sorted, disjoint
    # Credited seconds (wall-clock time, at most the union's length): what completes the lesson.
    lesson_seconds = models.FloatField(default=0)
    position = models.FloatField(default=0)
    lesson_complete = models.BooleanField(default=False)
    course_complete = models.BooleanField(default=False)

    earned_seconds = models.FloatField(default=0)  # credited by this session
    # The teacher's credit on `day` (YYYYMMDD, Asia/Shanghai): before this session + by it.
    day = models.IntegerField()
    day_base = models.FloatField(default=0)
    day_seconds = models.FloatField(default=0)

    # Presence check: pops when earned_seconds reaches presence_due; crediting pauses until answered.
    presence_due = models.FloatField(null=True, blank=True)
    presence_id = models.IntegerField(default=0)
    presence_pending = models.BooleanField(default=False)
    presence_question = models.CharField(max_length=64, blank=True)
    presence_answer = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["teacher", "superseded"], name="playback_teacher_active"),
            models.Index(fields=["teacher", "lesson", "id"], name="playback_teacher_lesson"),
            models.Index(fields=["teacher", "day"], name="playback_teacher_day"),
        ]

    def __str__(self) -> str:
        return f"playback {self.pk} of lesson {self.lesson_id} by teacher {self.teacher_id}"


class LessonCompletion(models.Model):
    """A teacher reached the program's coverage in a lesson (written once, when it happens)."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="lesson_completions")
    lesson = models.ForeignKey("learning.Lesson", on_delete=models.CASCADE, related_name="completions")
    course = models.ForeignKey("learning.Course", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["teacher", "lesson"], name="one_completion_per_lesson")]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} completed by teacher {self.teacher_id}"


class RenditionState(models.TextChoices):
    QUEUED = "queued", "queued"
    READY = "ready", "ready"
    FAILED = "failed", "failed"
    NO_FFMPEG = "no_ffmpeg", "no ffmpeg"  # this node has no ffmpeg: the video plays as one file


class VideoRendition(models.Model):
    """The HLS rendition of a lesson's uploaded video (playback/hls.py): a VOD playlist and its
    segments in the private file store, beside the video (`<video>.hls/`). Until it is READY, and
    for a video it was not made from, the lesson plays the single file as before."""

    lesson = models.OneToOneField("learning.Lesson", on_delete=models.CASCADE, related_name="hls")
    source = models.CharField(max_length=255)  # the video_file it was cut from
    state = models.CharField(max_length=16, choices=RenditionState.choices, default=RenditionState.QUEUED)
    playlist = models.CharField(max_length=255, blank=True)  # stored name of index.m3u8
    segments = models.JSONField(default=list, blank=True)  # stored names, in playing order
    transcoded = models.BooleanField(default=False)  # False: H.264/AAC copied as they were
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"HLS of lesson {self.lesson_id} ({self.state})"

    @property
    def playable(self) -> bool:
        return self.state == RenditionState.READY and self.source == self.lesson.video_file

"""Writes of the catalogue: institutions' courses, lessons and quizzes; the province's and
cities' contracts; teachers' course selections. Every function checks the actor's scope."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from mutagen import MutagenError
from mutagen.mp4 import MP4

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.jobs.services import job_enqueue
from tisheng.learning.models import Contract, Course, CourseSelection, Lesson, Question, Quiz, QuizAttempt
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import path_in_scope

HLS_SEGMENT = "playback.hls_segment"  # the player's job kind (a name, not an import of the app above)

TOPIC_RE = re.compile(r"^T([1-9]|1\d|2[0-7])$")
MICRO_ABILITY_RE = re.compile(r"^(A([1-9]|1[0-3])|B([1-9]|10)|C[1-7])$")
DEFAULT_MAX_VIDEO_BYTES = 500 * 1024 * 1024

NOT_YOUR_INSTITUTION = _("You do not publish courses for this institution.")
BAD_TOPIC = _("Unknown 1.0 topic: %(code)s (T1–T27).")
BAD_MICRO_ABILITY = _("Unknown 2.0 micro-ability: %(code)s (A1–A13, B1–B10, C1–C7).")
NO_TOPICS = _("Name the 1.0 topics or the 2.0 micro-abilities the course serves.")
COURSE_IN_USE = _("Teachers have selected this course: its 学时 and lessons can no longer change.")
NOT_EDITABLE = _("Withdraw the course before changing it.")
NEEDS_LESSONS = _("A course needs at least one lesson before it is published.")
VIDEO_ONE_SOURCE = _("Give either an uploaded MP4 or an https URL, not both and not neither.")
VIDEO_NOT_HTTPS = _("A video URL must start with https://.")
VIDEO_NOT_MP4 = _("The file is not an MP4 video (no 'ftyp' box).")
VIDEO_TOO_LARGE = _("The video is larger than %(mb)s MB.")
COURSE_TOO_SHORT = _("The lessons add up to %(content)s minutes: %(hours)s 学时 need %(needed)s minutes "
                     "(%(per_hour)s minutes per 学时 in this program's rules). Add lessons or lower the 学时, "
                     "then publish.")
VIDEO_SHORTER = _("The video is %(media)s long, shorter than the lesson's %(declared)s: give the lesson the "
                  "video's own length.")
VIDEO_NO_DURATION = _("The length of this MP4 cannot be read: export it again as a standard MP4 (H.264) and "
                      "upload it again.")
QUIZ_EMPTY = _("A quiz needs at least one question with two choices and one marked correct (*).")
CONTRACT_REGION_OUT_OF_SCOPE = _("You cannot contract institutions for this region.")
CONTRACT_NOT_INSTITUTION = _("Only training institutions can be contracted.")
CONTRACT_NOT_SELECTED_BY_PROVINCE = _("The province has not selected this institution for this program.")
CONTRACT_EXISTS = _("This institution is already contracted for this region and program.")
CONTRACT_HAS_CHOICES = _("Cities chose this institution under this contract: remove their contracts first.")
CONTRACT_NOT_CONTRACTABLE = _("This institution cannot be contracted for this program: it is not among the "
                              "institutions the province's selection chose, or it has been suspended.")
# Upper apps narrow which institutions may be contracted for a program (institutions: the latest
# published selection round, suspensions). Each is `f(program, queryset) -> queryset`, registered
# by the upper app at start-up, so learning imports none of them.
CONTRACT_INSTITUTION_FILTERS: list = []


def contractable_institutions(program, institutions):
    for narrow in CONTRACT_INSTITUTION_FILTERS:
        institutions = narrow(program, institutions)
    return institutions


COURSE_NOT_IN_CATALOGUE = _("This course is not in your catalogue for this program.")
NOT_ENROLLED = _("You are not enrolled in this program.")
SELECTION_STARTED = _("You have started this course: it can no longer be dropped.")
DIAGNOSTIC_FIRST = _("Take the diagnostic test before selecting courses.")


def max_video_bytes() -> int:
    return int(getattr(settings, "LEARNING_MAX_VIDEO_BYTES", DEFAULT_MAX_VIDEO_BYTES))


def videos_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "videos"


def _known_topics() -> set[str] | None:
    try:
        from tisheng.diagnostics.topics import TOPICS
    except ImportError:
        return None
    return set(TOPICS)


def _check_codes(topics: list[str], micro_abilities: list[str]) -> None:
    known = _known_topics()
    for code in topics:
        if not (code in known if known is not None else TOPIC_RE.match(code)):
            raise ValidationError(BAD_TOPIC % {"code": code})
    for code in micro_abilities:
        if not MICRO_ABILITY_RE.match(code):
            raise ValidationError(BAD_MICRO_ABILITY % {"code": code})
    if not topics and not micro_abilities:
        raise ValidationError(NO_TOPICS)


def _require_institution(actor, institution: Organization) -> None:
    """actor=None is the system (the demo seed), as elsewhere in the services."""
    from tisheng.learning.selectors import institutions_of

    if actor is None:
        return
    if institution.pk not in {o.pk for o in institutions_of(actor)}:
        raise PermissionDenied(NOT_YOUR_INSTITUTION)


@transaction.atomic
def course_create(*, actor, institution: Organization, program, code: str, title: str, hours: Decimal,
                  topics: list[str] = (), micro_abilities: list[str] = (), subjects: list[str] = (),
                  stages: list[str] = (), description: str = "") -> Course:
    _require_institution(actor, institution)
    _check_codes(list(topics), list(micro_abilities))
    course = Course(institution=institution, program=program, code=code, title=title, hours=Decimal(hours),
                    topics=list(topics), micro_abilities=list(micro_abilities), subjects=list(subjects),
                    stages=list(stages), description=description)
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def course_update(*, actor, course: Course, **fields) -> Course:
    _require_institution(actor, course.institution)
    if course.status == Course.Status.PUBLISHED:
        raise ValidationError(NOT_EDITABLE)
    if "hours" in fields and Decimal(fields["hours"]) != course.hours and course.selections.exists():
        raise ValidationError(COURSE_IN_USE)
    for name, value in fields.items():
        setattr(course, name, value)
    _check_codes(course.topics, course.micro_abilities)
    course.full_clean()
    course.save()
    return course


def _number(value: Decimal | float) -> str:
    """10 → "10", 1.50 → "1.5" (Decimal.normalize would say 1E+1)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class CourseContent:
    """How much content backs a course's 学时: its lessons' seconds against the seconds its 学时
    stand for at the program's minutes per 学时. The quiz is not counted: it has no length of its
    own, and a course must not pad its hours with one."""

    seconds: int
    needed_seconds: Decimal
    hours: Decimal
    minutes_per_hour: int

    @property
    def enough(self) -> bool:
        return self.seconds >= self.needed_seconds

    @property
    def minutes(self) -> str:
        return _number(math.floor(self.seconds / 6) / 10)  # rounded down: never shows enough when it is not

    @property
    def needed_minutes(self) -> str:
        return _number(self.needed_seconds / 60)

    def shortfall_message(self) -> str:
        return COURSE_TOO_SHORT % {"content": self.minutes, "needed": self.needed_minutes,
                                   "hours": _number(self.hours), "per_hour": self.minutes_per_hour}


def course_content(course: Course) -> CourseContent:
    per_hour = course.program.ruleset.minutes_per_hour
    seconds = sum(course.lessons.values_list("duration_seconds", flat=True))
    return CourseContent(seconds=seconds, needed_seconds=Decimal(course.hours) * per_hour * 60,
                         hours=Decimal(course.hours), minutes_per_hour=per_hour)


@transaction.atomic
def course_publish(*, actor, course: Course) -> Course:
    """Publish a course to the catalogue. Refused (COURSE_TOO_SHORT) when its lessons are shorter
    than its 学时 at the program's minutes per 学时: the hours a teacher earns from it are then
    hours of content, and a refusal reaches the institution while it can still add lessons,
    where a flag for the province would reach teachers first."""
    _require_institution(actor, course.institution)
    if not course.lessons.exists():
        raise ValidationError(NEEDS_LESSONS)
    content = course_content(course)
    if not content.enough:
        raise ValidationError(content.shortfall_message())
    course.status = Course.Status.PUBLISHED
    course.save(update_fields=["status", "search_tags"])
    audit(actor=actor, action="course_published", obj=course, scope_path=course.institution.path)
    return course


@transaction.atomic
def course_withdraw(*, actor, course: Course) -> Course:
    _require_institution(actor, course.institution)
    course.status = Course.Status.WITHDRAWN
    course.save(update_fields=["status", "search_tags"])
    audit(actor=actor, action="course_withdrawn", obj=course, scope_path=course.institution.path)
    return course


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def mp4_seconds(upload) -> float | None:
    """The MP4's length from its movie header (mutagen reads the boxes; nothing is decoded),
    None when it cannot be read."""
    upload.seek(0)
    try:
        length = MP4(upload).info.length
    except (MutagenError, ValueError, OSError, EOFError):
        return None
    finally:
        upload.seek(0)
    return length if length and length > 0 else None


def _check_mp4(upload, duration_seconds: int) -> None:
    """An MP4 under the size limit, at least as long as the lesson says (a second or 1 % of
    leeway for how encoders round the last frame)."""
    if upload.size > max_video_bytes():
        raise ValidationError(VIDEO_TOO_LARGE % {"mb": max_video_bytes() // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    # ISO base media file format: the first box is 'ftyp' (4-byte size, then the type).
    if len(head) < 8 or head[4:8] != b"ftyp":
        raise ValidationError(VIDEO_NOT_MP4)
    media = mp4_seconds(upload)
    if media is None:
        raise ValidationError(VIDEO_NO_DURATION)
    if duration_seconds > media + max(1.0, 0.01 * media):
        raise ValidationError(VIDEO_SHORTER % {"media": _clock(media), "declared": _clock(duration_seconds)})


def _store_video(course: Course, upload, actor=None) -> str:
    """Into the private file store (local files or the object store: core/storage_files.py); a store
    that cannot take it raises PrivateStorageError (a ValidationError) and the lesson is not saved."""
    relative = f"videos/{course.institution_id}/{course.pk}/{uuid.uuid4().hex}.mp4"
    upload.seek(0)
    return storage_files.save(relative, upload, actor=actor, scope_path=course.institution.region.path
                              if getattr(course.institution, "region_id", None) else "")


@transaction.atomic
def lesson_add(*, actor, course: Course, title: str, duration_seconds: int, video_url: str = "",
               upload=None) -> Lesson:
    """A lesson with an uploaded MP4 (checked for its 'ftyp' box and the size limit, stored
    under PRIVATE_MEDIA_ROOT/videos/) or an https URL on the institution's CDN."""
    _require_institution(actor, course.institution)
    if course.status == Course.Status.PUBLISHED:
        raise ValidationError(NOT_EDITABLE)
    if course.selections.exists():
        raise ValidationError(COURSE_IN_USE)
    if bool(upload) == bool(video_url):
        raise ValidationError(VIDEO_ONE_SOURCE)
    if video_url and not video_url.lower().startswith("https://"):
        raise ValidationError(VIDEO_NOT_HTTPS)
    if upload:
        _check_mp4(upload, duration_seconds)
    order = (course.lessons.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    lesson = Lesson(course=course, order=order, title=title, duration_seconds=duration_seconds,
                    video_url=video_url)
    lesson.full_clean()
    if upload:
        lesson.video_file = _store_video(course, upload, actor)
    lesson.save()
    if upload:  # cut into HLS by the player's job (playback/hls.py); until then it plays as one file
        job_enqueue(actor=actor, kind=HLS_SEGMENT, args={"lesson": lesson.pk},
                    scope_path=course.institution.region.path if course.institution.region_id else "")
    return lesson


@transaction.atomic
def lesson_delete(*, actor, lesson: Lesson) -> None:
    course = lesson.course
    _require_institution(actor, course.institution)
    if course.status == Course.Status.PUBLISHED:
        raise ValidationError(NOT_EDITABLE)
    if course.selections.exists():
        raise ValidationError(COURSE_IN_USE)
    lesson.delete()


def parse_quiz(text: str) -> list[tuple[str, list[str], int]]:
    """Questions as plain text: blocks separated by a blank line, the first line the
    question, each further line a choice, the correct one starting with '*'."""
    questions = []
    for block in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if len(lines) < 3:
            raise ValidationError(QUIZ_EMPTY)
        choices, correct = [], []
        for i, line in enumerate(lines[1:]):
            if line.startswith("*"):
                correct.append(i)
                line = line[1:].strip()
            choices.append(line)
        if len(correct) != 1:
            raise ValidationError(QUIZ_EMPTY)
        questions.append((lines[0], choices, correct[0]))
    return questions


def quiz_text(quiz: Quiz | None) -> str:
    if quiz is None:
        return ""
    return "\n\n".join(
        "\n".join([q.text, *(("*" if i == q.correct else "") + c for i, c in enumerate(q.choices))])
        for q in quiz.questions.all()
    )


@transaction.atomic
def quiz_set(*, actor, course: Course, pass_mark: int, text: str) -> Quiz | None:
    """Replace the course's quiz; an empty text removes it."""
    _require_institution(actor, course.institution)
    if course.status == Course.Status.PUBLISHED:
        raise ValidationError(NOT_EDITABLE)
    if not text.strip():
        Quiz.objects.filter(course=course).delete()
        return None
    questions = parse_quiz(text)
    quiz, _created = Quiz.objects.update_or_create(course=course, defaults={"pass_mark": pass_mark})
    quiz.full_clean()
    quiz.questions.all().delete()
    Question.objects.bulk_create([Question(quiz=quiz, order=i, text=t, choices=c, correct=k)
                                  for i, (t, c, k) in enumerate(questions, start=1)])
    return quiz


@transaction.atomic
def quiz_attempt_submit(*, teacher, quiz: Quiz, answers: list[int | None]) -> QuizAttempt:
    questions = list(quiz.questions.all())
    right = sum(1 for q, a in zip(questions, answers, strict=False) if a == q.correct)
    score = round(100 * right / len(questions)) if questions else 0
    attempt = QuizAttempt.objects.create(quiz=quiz, teacher=teacher, answers=list(answers), score=score,
                                         passed=score >= quiz.pass_mark)
    if attempt.passed:
        # Lessons may all be complete already: the quiz was the last thing the course waited
        # for, so let the player's completion check credit it now (once; idempotent).
        from tisheng.playback.services import course_completion_check

        course = Course.objects.select_related("program").get(pk=quiz.course_id)
        course_completion_check(teacher=teacher, course=course)
    return attempt


@transaction.atomic
def contract_create(*, actor, program, institution: Organization, region: Region) -> Contract:
    """The province selects an institution for a program (a contract at the province); a city
    office then chooses among the province's selection for the city or its counties."""
    if actor is not None and not path_in_scope(actor, Cap.CONTRACTS_MANAGE, region.path):
        raise PermissionDenied(CONTRACT_REGION_OUT_OF_SCOPE)
    if institution.kind != "institution":
        raise ValidationError(CONTRACT_NOT_INSTITUTION)
    if not contractable_institutions(program, Organization.objects.filter(pk=institution.pk)).exists():
        raise ValidationError(CONTRACT_NOT_CONTRACTABLE)
    if region.level != RegionLevel.PROVINCE and not Contract.objects.filter(
            program=program, institution=institution, region__level=RegionLevel.PROVINCE).exists():
        raise ValidationError(CONTRACT_NOT_SELECTED_BY_PROVINCE)
    if Contract.objects.filter(program=program, institution=institution, region=region).exists():
        raise ValidationError(CONTRACT_EXISTS)
    contract = Contract.objects.create(program=program, institution=institution, region=region,
                                       region_path=region.path, created_by=actor if actor and actor.pk else None)
    audit(actor=actor, action="contract_created", obj=contract, program=program.code,
          institution=institution.code, region=region.code)
    return contract


@transaction.atomic
def contract_delete(*, actor, contract: Contract) -> None:
    if not path_in_scope(actor, Cap.CONTRACTS_MANAGE, contract.region_path):
        raise PermissionDenied(CONTRACT_REGION_OUT_OF_SCOPE)
    if contract.region.level == RegionLevel.PROVINCE and Contract.objects.filter(
            program=contract.program, institution=contract.institution).exclude(pk=contract.pk).exists():
        raise ValidationError(CONTRACT_HAS_CHOICES)
    audit(actor=actor, action="contract_deleted", obj=contract, program=contract.program.code,
          institution=contract.institution.code, region=contract.region.code)
    contract.delete()


def diagnostic_done(teacher, program) -> bool:
    """Whether the teacher has taken the program's diagnostic test (diagnostics app); true
    when that app does not offer the check."""
    try:
        from tisheng.diagnostics.selectors import diagnostic_done
    except ImportError:
        return True
    return diagnostic_done(teacher, program)


@transaction.atomic
def selection_add(*, actor, teacher, program, course: Course) -> CourseSelection:
    from tisheng.learning.selectors import catalogue_for_teacher
    from tisheng.programs.models import Enrollment

    if teacher.user_id != actor.pk:
        raise PermissionDenied
    if not Enrollment.objects.filter(program=program, teacher=teacher).exists():
        raise ValidationError(NOT_ENROLLED)
    if program.ruleset.diagnostic_required and not diagnostic_done(teacher, program):
        raise ValidationError(DIAGNOSTIC_FIRST)
    if not catalogue_for_teacher(teacher, program).filter(pk=course.pk).exists():
        raise ValidationError(COURSE_NOT_IN_CATALOGUE)
    selection, _created = CourseSelection.objects.get_or_create(teacher=teacher, program=program, course=course)
    return selection


@transaction.atomic
def selection_remove(*, actor, selection: CourseSelection) -> None:
    if selection.teacher.user_id != actor.pk:
        raise PermissionDenied
    locked = CourseSelection.objects.select_for_update().get(pk=selection.pk)
    if locked.started_at is not None:
        raise ValidationError(SELECTION_STARTED)
    locked.delete()

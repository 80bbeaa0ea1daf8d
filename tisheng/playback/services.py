"""Playback: starting a session, recording heartbeats, presence checks and crediting.

The anti-cheat rules (DESIGN.md "Online learning and its anti-cheat") are all applied here, on
the server, from what the server knows: the wall-clock time between accepted beats, the
union of what was already played, the program's limits. The client's claims only ever lower
what is credited.

`heartbeat_record` is the hot path (≥ 1,500 beats/s): one indexed SELECT of the session row
by its token and one conditional UPDATE (compare-and-set on `last_seq` and `superseded`), in
plain SQL, committed before the answer (autocommit), so a 2xx answer means the credit is in
the database. Lesson completion (once per teacher and lesson) takes the slow, ORM path.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import session_keepalive
from tisheng.learning.models import Course, CourseSelection, Lesson
from tisheng.learning.selectors import quiz_passed
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit
from tisheng.people.models import Teacher
from tisheng.playback import intervals as iv
from tisheng.playback.models import LessonCompletion, PlaybackSession

BEAT_BAD_REQUEST = _("The heartbeat is not valid.")
SESSION_NOT_FOUND = _("No such playback session.")
LOGIN_ENDED = _("Your login has ended. Log in again to go on earning hours.")
PRESENCE_WRONG = _("That is not the right answer. Try again.")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_INTERVALS_PER_BEAT = 200
# How often a beat checks, and extends, the login session it was started from (seconds).
LOGIN_CHECK_SECONDS = 300
_rng = random.SystemRandom()


def clock() -> float:
    """Now, in epoch seconds. Tests monkeypatch this to control time."""
    return time.time()


class BeatError(Exception):
    """The beat is malformed (400)."""


class SessionNotFound(Exception):
    """No session with this token belongs to this user (404: the same answer for both)."""


class LoginEnded(Exception):
    """The login session the playback was started from has ended (logout, idle, password)."""


def login_session_digest(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()


def _day(ts: float) -> int:
    d = datetime.fromtimestamp(ts, SHANGHAI)
    return d.year * 10000 + d.month * 100 + d.day


def _presence_gap(every_seconds: float) -> float:
    """When the next check pops, in seconds of crediting from now: random around the rule's period."""
    return every_seconds * _rng.uniform(0.5, 1.5)


def _presence_question() -> tuple[str, str]:
    a, b = _rng.randint(2, 9), _rng.randint(2, 9)
    return f"{a} + {b} = ?", str(a + b)


# --- starting -----------------------------------------------------------------------------

def playback_start(*, user, teacher: Teacher, lesson: Lesson, login_session_key: str) -> PlaybackSession:
    """Start a crediting playback of `lesson`: every other session of the teacher is superseded
    (one crediting playback at a time), and the new one carries the teacher's progress in the
    lesson and their credit of the day. The caller has checked that the lesson is theirs to watch;
    `login_session_key` is the key of the user's login session, which the beats must carry."""
    now = clock()
    today = _day(now)
    course: Course = lesson.course
    online = course.program.ruleset.online
    minutes_per_hour = course.program.ruleset.minutes_per_hour
    with transaction.atomic():
        # Two starts at once must not leave two crediting sessions: they queue on the teacher row.
        Teacher.objects.select_for_update().filter(pk=teacher.pk).values_list("pk", flat=True).first()
        # First, so a beat of the older session in flight commits before we copy its progress
        # (the UPDATE waits for its row lock), and any later beat of it finds it superseded.
        PlaybackSession.objects.filter(teacher=teacher, superseded=False).update(superseded=True)
        previous = (PlaybackSession.objects.filter(teacher=teacher, lesson=lesson).order_by("-id")
                    .values("intervals", "lesson_seconds", "position", "lesson_complete", "course_complete").first())
        day_base = sum(PlaybackSession.objects.filter(teacher=teacher, day=today).values_list("day_seconds", flat=True))
        every = float(online.presence_check_every_minutes * 60)
        course_complete = (previous or {}).get("course_complete") or LedgerEntry.objects.filter(
            teacher=teacher, program=course.program, category="online", source_kind="course",
            source_id=str(course.pk), reverses__isnull=True).exists()
        session = PlaybackSession.objects.create(
            token=secrets.token_urlsafe(32), user=user, teacher=teacher, lesson=lesson, course=course,
            program=course.program, started_ts=now, last_beat_ts=now,
            login_session=login_session_digest(login_session_key), login_checked_ts=now,
            duration_seconds=lesson.duration_seconds, coverage_required=float(online.lesson_coverage),
            max_rate=float(online.max_playback_rate),
            daily_cap_seconds=float(online.daily_cap_hours * minutes_per_hour * 60),
            presence_every_seconds=every, presence_due=_presence_gap(every) if every else None,
            intervals=(previous or {}).get("intervals", "[]"), lesson_seconds=(previous or {}).get("lesson_seconds", 0),
            position=(previous or {}).get("position", 0), lesson_complete=(previous or {}).get("lesson_complete", False),
            course_complete=bool(course_complete), day=today, day_base=day_base)
        CourseSelection.objects.filter(teacher=teacher, course=course, started_at__isnull=True).update(
            started_at=timezone.now())
    return session


def resume_position(session: PlaybackSession) -> float:
    """Where the player starts: the last position, or the start again after the end."""
    if session.position >= session.duration_seconds - 1:
        return 0.0
    return round(session.position, 1)


# --- the heartbeat (hot path) -----------------------------------------------------------------

_COLUMNS = ("id", "user_id", "login_session", "login_checked_ts", "teacher_id", "lesson_id", "course_id",
            "program_id", "last_seq", "superseded", "last_beat_ts", "duration_seconds", "coverage_required", "max_rate", "daily_cap_seconds",
            "presence_every_seconds", "intervals", "lesson_seconds", "lesson_complete", "course_complete",
            "earned_seconds", "day", "day_base", "day_seconds", "presence_due", "presence_id", "presence_pending",
            "presence_question", "presence_answer")
_TABLE = PlaybackSession._meta.db_table
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE} WHERE token = %s"  # noqa: S608 - constants only
_UPDATE = (f"UPDATE {_TABLE} SET last_seq = %s, last_beat_ts = %s, login_checked_ts = %s, "  # noqa: S608
           "intervals = %s, lesson_seconds = %s, position = %s, lesson_complete = %s, earned_seconds = %s, day = %s, day_base = %s, day_seconds = %s, "
           "presence_due = %s, presence_id = %s, presence_pending = %s, presence_question = %s, "
           "presence_answer = %s WHERE id = %s AND last_seq = %s AND superseded = %s")


def _read(token: str, *, user_id: int | None = None, login_session_key: str | None = None) -> dict:
    """The session row of `token`, which must belong to `user_id` or to the login session
    `login_session_key` (else SessionNotFound: someone else's is answered like an unknown one)."""
    with connection.cursor() as cursor:
        cursor.execute(_SELECT, [token])
        row = cursor.fetchone()
    if row is None:
        raise SessionNotFound
    s = dict(zip(_COLUMNS, row, strict=True))
    if user_id is not None and s["user_id"] != user_id:
        raise SessionNotFound
    if login_session_key is not None and not secrets.compare_digest(
            s["login_session"], login_session_digest(login_session_key)):
        raise SessionNotFound
    return s


def _parse(payload: dict) -> tuple[str, int, list[list[float]], float, bool, float]:
    try:
        token = payload["session"]
        seq = payload["seq"]
        raw = payload.get("intervals") or []
        rate = float(payload.get("rate", 1.0))
        visible = payload.get("visible", True)
        position = float(payload.get("position", 0))
        if (not isinstance(token, str) or not 0 < len(token) <= 64 or type(seq) is not int or seq <= 0
                or not isinstance(raw, list) or len(raw) > MAX_INTERVALS_PER_BEAT or not isinstance(visible, bool)
                or not rate > 0 or not position >= 0):
            raise BeatError
        played = [[float(a), float(b)] for a, b in raw]
    except (KeyError, TypeError, ValueError) as e:
        raise BeatError from e
    return token, seq, played, rate, visible, position


def _answer(s: dict, *, credited: float = 0.0, superseded: bool = False) -> dict:
    duration = s["duration_seconds"] or 1
    return {
        "credited_seconds": round(credited, 1),
        "lesson_seconds": round(s["lesson_seconds"], 1),
        "coverage": round(min(1.0, s["lesson_seconds"] / duration), 4),
        "lesson_complete": bool(s["lesson_complete"]),
        "course_complete": bool(s["course_complete"]),
        "superseded": superseded,
        "presence_check": ({"id": s["presence_id"], "question": s["presence_question"]}
                           if s["presence_pending"] and not superseded else None),
    }


def heartbeat_record(*, login_session_key: str, payload: dict) -> dict:
    """Record one beat of a playback session started from the login session `login_session_key`
    (the session cookie of the request) and answer what it earned.

    A beat is authenticated by its playback token (256 random bits, handed only to the page that
    started the playback) together with the login session it was started from; the login session
    itself is loaded only every LOGIN_CHECK_SECONDS, to check it is still alive and to keep it so
    while the teacher watches. That keeps a beat at two queries.

    Raises BeatError (malformed), SessionNotFound (unknown token or someone else's) or
    LoginEnded (the login session is over: the playback is superseded)."""
    token, seq, played, rate, visible, position = _parse(payload)
    s = _read(token, login_session_key=login_session_key)
    if s["superseded"]:
        return _answer(s, superseded=True)
    if seq <= s["last_seq"]:  # a replayed or duplicated beat: already counted
        return _answer(s)
    now = clock()
    if now - s["login_checked_ts"] >= LOGIN_CHECK_SECONDS:
        if not session_keepalive(login_session_key, s["user_id"]):
            PlaybackSession.objects.filter(pk=s["id"]).update(superseded=True)
            raise LoginEnded
        s["login_checked_ts"] = now
    today = _day(now)
    if today != s["day"]:
        # A new day: only this session credits now (any newer one would have superseded it).
        s["day"], s["day_base"], s["day_seconds"] = today, 0.0, 0.0
    duration = s["duration_seconds"]
    have = json.loads(s["intervals"])
    credited = 0.0
    earns = visible and rate <= s["max_rate"] + 1e-9 and not s["presence_pending"]
    if earns:
        # Never more than the wall-clock time since the last accepted beat (at the played rate),
        # never past the daily cap; only what is new to the union counts.
        allowance = max(0.0, now - s["last_beat_ts"]) * max(1.0, rate)
        allowance = min(allowance, max(0.0, s["daily_cap_seconds"] - s["day_base"] - s["day_seconds"]))
        new = iv.truncate(iv.subtract(iv.normalize(played, duration), have), allowance)
        credited = iv.length(new)
        if credited > 0:
            have = iv.merge(have, new, duration)
            s["intervals"] = json.dumps([[round(a, 2), round(b, 2)] for a, b in have], separators=(",", ":"))
            s["lesson_seconds"] = min(float(duration), iv.length(have))
            s["earned_seconds"] += credited
            s["day_seconds"] += credited
    newly_complete = (not s["lesson_complete"] and duration > 0
                      and s["lesson_seconds"] >= s["coverage_required"] * duration - 1e-6)
    if newly_complete:
        s["lesson_complete"] = True
    if (s["presence_every_seconds"] and not s["presence_pending"] and s["presence_due"] is not None
            and s["earned_seconds"] >= s["presence_due"] and not s["lesson_complete"]):
        s["presence_pending"] = True
        s["presence_id"] += 1
        s["presence_question"], s["presence_answer"] = _presence_question()
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE, [
            seq, now, s["login_checked_ts"], s["intervals"], s["lesson_seconds"], min(position, float(duration)), s["lesson_complete"],
            s["earned_seconds"], s["day"], s["day_base"], s["day_seconds"], s["presence_due"], s["presence_id"],
            s["presence_pending"], s["presence_question"], s["presence_answer"], s["id"], s["last_seq"], False])
        updated = cursor.rowcount
    if updated == 0:
        # Another beat of this session, or a newer session, got there first: this one earns nothing.
        s = _read(token)
        return _answer(s, superseded=bool(s["superseded"]))
    if newly_complete:
        s["course_complete"] = lesson_complete_record(teacher_id=s["teacher_id"], lesson_id=s["lesson_id"],
                                                      course_id=s["course_id"])
    return _answer(s, credited=credited)


# --- presence checks --------------------------------------------------------------------------

def presence_answer(*, user_id: int, token: str, check_id: int, answer: str) -> bool:
    """Answer the pending presence check. Right: crediting resumes (from now: the time spent
    on the question earns nothing) and the next check is scheduled. Wrong: it stays pending."""
    s = _read(token, user_id=user_id)
    if s["superseded"] or not s["presence_pending"] or s["presence_id"] != check_id:
        return not s["presence_pending"]
    if str(answer).strip() != s["presence_answer"]:
        return False
    PlaybackSession.objects.filter(pk=s["id"], presence_id=check_id).update(
        presence_pending=False, last_beat_ts=clock(),
        presence_due=s["earned_seconds"] + _presence_gap(s["presence_every_seconds"]))
    return True


# --- completion -----------------------------------------------------------------------------

def lesson_complete_record(*, teacher_id: int, lesson_id: int, course_id: int) -> bool:
    """The teacher reached the coverage of a lesson: record it once, then see whether the course
    is complete. Returns whether the course is complete."""
    LessonCompletion.objects.get_or_create(teacher_id=teacher_id, lesson_id=lesson_id,
                                           defaults={"course_id": course_id})
    teacher = Teacher.objects.get(pk=teacher_id)
    course = Course.objects.select_related("program").get(pk=course_id)
    return course_completion_check(teacher=teacher, course=course)


def course_completion_check(*, teacher: Teacher, course: Course) -> bool:
    """A course is complete when every lesson is and its quiz (if any) is passed; only then are
    its hours credited to the ledger, once (the ledger's idempotency key). Call it again after
    a quiz is passed. Returns whether the course is complete."""
    lesson_ids = set(course.lessons.values_list("id", flat=True))
    if not lesson_ids:
        return False
    done = set(LessonCompletion.objects.filter(teacher=teacher, lesson_id__in=lesson_ids)
               .values_list("lesson_id", flat=True))
    if done != lesson_ids or not quiz_passed(teacher, course):
        return False
    ledger_credit(teacher=teacher, program=course.program, category="online", hours=Decimal(course.hours),
                  source_kind="course", source_id=str(course.pk), granted_by_system="playback")
    PlaybackSession.objects.filter(teacher=teacher, course=course, course_complete=False).update(course_complete=True)
    return True

"""Playback: starting a session, recording heartbeats, presence checks and crediting.

The anti-cheat rules (DESIGN.md "Online learning and its anti-cheat") are all applied here, on
the server, from what the server knows: the wall-clock time between accepted beats, the
union of what was already played, the program's limits. The client's claims only ever lower
what is credited. Credit is wall-clock time whatever the playback rate (1.5x plays a lesson in
two thirds of its duration and earns those two thirds), so a lesson completes no sooner than its
duration x the coverage rule.

`heartbeats_record` is the hot path (≥ 1,500 beats/s): for the beats that arrive together, one
indexed SELECT of their session rows by token and one conditional UPDATE (compare-and-set on
`last_seq` and `superseded`), in plain SQL, committed before anyone is answered (autocommit),
so a 2xx answer means the credit is in the database. `heartbeat_record` is a batch of one.
Lesson completion (once per teacher and lesson) takes the slow, ORM path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import secrets
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import session_keepalive
from tisheng.learning.crediting import credit_stop, hours_due
from tisheng.learning.models import Course, CourseSelection, Lesson
from tisheng.learning.selectors import quiz_passed, selection_for_playback
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit
from tisheng.people.models import Teacher
from tisheng.playback import intervals as iv
from tisheng.playback.models import LessonCompletion, PlaybackSession

BEAT_BAD_REQUEST = _("The heartbeat is not valid.")
SESSION_NOT_FOUND = _("No such playback session.")
LOGIN_ENDED = _("Your login has ended. Log in again to go on earning hours.")
PRESENCE_WRONG = _("That is not the right answer. Try again.")
COURSE_NOT_SELECTED = _("Select this course first, then start learning.")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_INTERVALS_PER_BEAT = 200
# The bounds of what a beat may say (services._parse): its seq is stored in an int4 column, no
# position or interval end lies past a day of video, and browsers play at most 16x.
MAX_SEQ = 2**31 - 1
MAX_MEDIA_SECONDS = 24 * 3600
MAX_RATE = 16
MAX_PRESENCE_ANSWER = 64
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")  # secrets.token_urlsafe's alphabet
# How often a beat checks, and extends, the login session it was started from (seconds).
LOGIN_CHECK_SECONDS = 300
_rng = random.SystemRandom()
logger = logging.getLogger(__name__)


def clock() -> float:
    """Now, in epoch seconds. Tests monkeypatch this to control time."""
    return time.time()


class BeatError(Exception):
    """The beat is malformed (400)."""


class SessionNotFound(Exception):
    """No session with this token belongs to this user (404: the same answer for both)."""


class CourseNotSelected(PermissionDenied):
    """The teacher may see the lesson but has not selected its course (403)."""


class CreditStopped(PermissionDenied):
    """The course no longer earns hours where the teacher is (learning.crediting: its institution
    is suspended or terminated there): no crediting playback starts (403, with the reason)."""


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
    the teacher must have selected its course in a program they are enrolled in (else
    CourseNotSelected), and the selection is marked started (it can no longer be dropped).
    `login_session_key` is the key of the user's login session, which the beats must carry."""
    now = clock()
    today = _day(now)
    course: Course = lesson.course
    online = course.program.ruleset.online
    minutes_per_hour = course.program.ruleset.minutes_per_hour
    with transaction.atomic():
        # Two starts at once must not leave two crediting sessions: they queue on the teacher row.
        Teacher.objects.select_for_update().filter(pk=teacher.pk).values_list("pk", flat=True).first()
        # Locked, so a drop of the selection (which waits for it) sees it started.
        selection = (selection_for_playback(teacher, course).select_for_update(of=("self",))
                     .values("pk", "started_at").first())
        if selection is None:
            raise CourseNotSelected(COURSE_NOT_SELECTED)
        if stopped := credit_stop(teacher, course):
            raise CreditStopped(stopped)
        # First, so a beat of the older session in flight commits before we copy its progress
        # (the UPDATE waits for its row lock), and any later beat of it finds it superseded.
        PlaybackSession.objects.filter(teacher=teacher, superseded=False).update(superseded=True)
        previous = (PlaybackSession.objects.filter(teacher=teacher, lesson=lesson).order_by("-id")
                    .values("intervals", "lesson_seconds", "position", "lesson_complete", "course_complete").first())
        day_base = sum(PlaybackSession.objects.filter(teacher=teacher, day=today).values_list("day_seconds", flat=True))
        every = float(online.presence_check_every_minutes * 60)
        course_complete = (previous or {}).get("course_complete") or course_credited(teacher, course)
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
        if selection["started_at"] is None:
            CourseSelection.objects.filter(pk=selection["pk"]).update(started_at=timezone.now())
    return session


def course_credited(teacher: Teacher, course: Course) -> bool:
    """Whether the course's hours are in the teacher's ledger (it is complete)."""
    return LedgerEntry.objects.filter(teacher=teacher, program=course.program, category="online",
                                      source_kind="course", source_id=str(course.pk),
                                      reverses__isnull=True).exists()


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
_READ_MANY = (*_COLUMNS, "token")
_SELECT_ALL = f"SELECT {', '.join(_READ_MANY)} FROM {_TABLE}"  # noqa: S608
# What a beat writes, with each column's PostgreSQL type (for the UPDATE from arrays).
_WRITTEN_TYPES = {
    "last_seq": "int", "last_beat_ts": "float8", "login_checked_ts": "float8", "intervals": "text",
    "lesson_seconds": "float8", "position": "float8", "earned_seconds": "float8",
    "day": "int", "day_base": "float8", "day_seconds": "float8", "presence_due": "float8", "presence_id": "int",
    "presence_pending": "bool", "presence_question": "text", "presence_answer": "text"}
_WRITTEN = tuple(_WRITTEN_TYPES)
_UPDATE_ONE = (f"UPDATE {_TABLE} SET {', '.join(f'{c} = %s' for c in _WRITTEN)} "  # noqa: S608
               "WHERE id = %s AND last_seq = %s AND NOT superseded")
_UPDATE_MANY = (  # noqa: S608 - constants only
    f"UPDATE {_TABLE} AS p SET {', '.join(f'{c} = v.{c}' for c in _WRITTEN)} "
    f"FROM unnest({', '.join(f'%s::{t}[]' for t in _WRITTEN_TYPES.values())}, %s::int[], %s::int[]) "
    f"AS v({', '.join(_WRITTEN)}, id, seen_seq) "
    "WHERE p.id = v.id AND p.last_seq = v.seen_seq AND NOT p.superseded RETURNING p.id")


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


def _read_many(tokens: list[str]) -> dict[str, dict]:
    """The session rows of `tokens` (those that exist), by token: one query."""
    if not tokens:
        return {}
    marks = ", ".join(["%s"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(f"{_SELECT_ALL} WHERE token IN ({marks})", tokens)  # noqa: S608 - placeholders only
        rows = cursor.fetchall()
    return {row[-1]: dict(zip(_READ_MANY, row, strict=True)) for row in rows}


def _number(value: object, low: float, high: float) -> float:
    """`value` as a float when it is a JSON number (an int or a float, not a bool) in
    [low, high]; BeatError otherwise (NaN and the infinities fail the comparison)."""
    if type(value) is int:  # compared as an int: 10**400 has no float, and must not need one
        if not low <= value <= high:
            raise BeatError
        return float(value)
    if type(value) is not float or not low <= value <= high:
        raise BeatError
    return value


def _token(value: object) -> str:
    if type(value) is not str or not TOKEN_RE.match(value):
        raise BeatError
    return value


def _parse(payload: object) -> tuple[str, int, list[list[float]], float, bool, float]:
    """The one check of what a beat carries, before any of it reaches SQL or arithmetic: the
    token's alphabet, each number's type and range. Anything else is the beat's BeatError (400)."""
    if type(payload) is not dict:
        raise BeatError
    token = _token(payload.get("session"))
    seq = payload.get("seq")
    if type(seq) is not int or not 0 < seq <= MAX_SEQ:
        raise BeatError
    raw = payload.get("intervals")
    raw = [] if raw is None else raw
    if type(raw) is not list or len(raw) > MAX_INTERVALS_PER_BEAT:
        raise BeatError
    played = []
    for pair in raw:
        if type(pair) is not list or len(pair) != 2:
            raise BeatError
        start = _number(pair[0], 0, MAX_MEDIA_SECONDS)
        end = _number(pair[1], start, MAX_MEDIA_SECONDS)
        played.append([start, end])
    rate = _number(payload.get("rate", 1.0), 0, MAX_RATE)
    if rate == 0:
        raise BeatError
    visible = payload.get("visible", True)
    if type(visible) is not bool:
        raise BeatError
    position = _number(payload.get("position", 0), 0, MAX_MEDIA_SECONDS)
    return token, seq, played, rate, visible, position


def presence_parse(payload: object) -> tuple[str, int, str]:
    """(token, check id, answer) of a presence answer, checked like a beat (BeatError: 400)."""
    if type(payload) is not dict:
        raise BeatError
    token = _token(payload.get("session"))
    check_id = payload.get("id")
    if type(check_id) is not int or not 0 <= check_id <= MAX_SEQ:
        raise BeatError
    answer = payload.get("answer", "")
    if type(answer) is int and abs(answer) < 10**9:
        answer = str(answer)
    if type(answer) is not str or len(answer) > MAX_PRESENCE_ANSWER:
        raise BeatError
    return token, check_id, answer


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


class BeatResult:
    """What one beat of a batch came to: its `answer`, or the `error` to raise for it; and
    `completes` (session, teacher, lesson, course ids) when it completed its lesson, which
    `beat_completion_record` records (the slow path, once per teacher and lesson)."""

    __slots__ = ("answer", "error", "completes", "_token", "_wrote")

    def __init__(self, answer: dict | None = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.completes = answer, error, None
        self._token, self._wrote = None, False


def heartbeat_record(*, login_session_key: str, payload: dict) -> dict:
    """Record one beat of a playback session started from the login session `login_session_key`
    (the session cookie of the request) and answer what it earned: `heartbeats_record` of one.

    Raises BeatError (malformed), SessionNotFound (unknown token or someone else's) or
    LoginEnded (the login session is over: the playback is superseded)."""
    (result,) = heartbeats_record([(login_session_key, payload)])
    if result.error is not None:
        raise result.error
    beat_completion_record(result)
    return result.answer


def heartbeats_record(beats: list[tuple[str, dict]]) -> list[BeatResult]:
    """Record the beats that arrived together, each `(login session key, payload)`, in order,
    and answer each what it earned, exactly as if they had come one after another: one SELECT
    of their sessions and one UPDATE of those that changed, committed before anyone is
    answered (autocommit), so an answer means its credit is in the database.

    A beat is authenticated by its playback token (256 random bits, handed only to the page that
    started the playback) together with the login session it was started from (the request's
    session cookie); the login session itself is loaded only every LOGIN_CHECK_SECONDS, to check
    it is still alive and to keep it so while the teacher watches.

    The UPDATE is a compare-and-set on each session's `last_seq` and `superseded`: when another
    worker wrote a session first (a beat of it elsewhere, or a newer playback superseding it),
    this batch's beats of that session earn nothing and are answered from the row as it is now.
    Errors per beat: BeatError (malformed: anything wrong with what one beat carries, checked
    by `_parse` before any of it reaches SQL, fails that beat alone), SessionNotFound (unknown token or someone else's),
    LoginEnded (the login session is over: the playback is superseded); any other exception
    while a beat is applied fails that session's beats in the batch (nothing of them is written)
    and the others go on. An exception from the database statements fails the whole batch."""
    results: list[BeatResult] = []
    parsed: list[tuple | None] = []
    for login_session_key, payload in beats:
        if not login_session_key:
            results.append(BeatResult(error=LoginEnded()))
            parsed.append(None)
            continue
        try:
            parsed.append(_parse(payload))
            results.append(BeatResult())
        except Exception as e:  # whatever one beat carries fails that beat alone (400)
            if not isinstance(e, BeatError):
                logger.warning("heartbeat refused: %r", e)
            results.append(BeatResult(error=BeatError()))
            parsed.append(None)
    rows = _read_many(sorted({p[0] for p in parsed if p is not None}))
    first_seq = {token: s["last_seq"] for token, s in rows.items()}
    digests: dict[str, str] = {}
    failed: dict[str, Exception] = {}
    now = clock()
    today = _day(now)
    for (login_session_key, _payload), beat, result in zip(beats, parsed, results, strict=True):
        if beat is None:
            continue
        s = rows.get(beat[0])
        if login_session_key not in digests:
            digests[login_session_key] = login_session_digest(login_session_key)
        if s is None or not secrets.compare_digest(s["login_session"], digests[login_session_key]):
            result.error = SessionNotFound()
            continue
        result._token = beat[0]
        if beat[0] in failed:
            result.error = failed[beat[0]]
            continue
        try:
            _beat(s, beat, result, now=now, today=today, login_session_key=login_session_key)
        except LoginEnded as e:
            result.error = e
        except Exception as e:  # a bug, or the database: this session's beats fail, not the batch's
            logger.exception("heartbeat of playback %s failed", s["id"])
            failed[beat[0]] = e
    for result in results:
        if result._token in failed:
            result.answer, result.error, result.completes = None, failed[result._token], None
    # A session superseded in this batch (its login ended) is in the database already: its
    # compare-and-set fails below, so beats before that in the batch are answered as earning nothing.
    changed = [s for token, s in rows.items() if s["last_seq"] != first_seq[token] and token not in failed]
    written = _write(changed, first_seq) if changed else set()
    lost = {s["token"] for s in changed} - written
    if lost:
        # Another beat of the session, or a newer session, got there first: these earn nothing.
        now_rows = _read_many(sorted(lost))
        for result in results:
            if result._wrote and result._token in lost:
                s = now_rows.get(result._token)
                result.answer, result.completes = (_answer(s, superseded=bool(s["superseded"])), None) if s else (None, None)
                if s is None:  # deleted meanwhile
                    result.error = SessionNotFound()
    return results


def _beat(s: dict, beat: tuple, result: BeatResult, *, now: float, today: int, login_session_key: str) -> None:
    """Apply one beat to its session's row `s` (in memory) and answer it in `result`."""
    _token, seq, played, rate, visible, position = beat
    if s["superseded"]:
        result.answer = _answer(s, superseded=True)
        return
    if seq <= s["last_seq"]:  # a replayed or duplicated beat: already counted
        result.answer = _answer(s)
        return
    if now - s["login_checked_ts"] >= LOGIN_CHECK_SECONDS:
        if not session_keepalive(login_session_key, s["user_id"]):
            PlaybackSession.objects.filter(pk=s["id"]).update(superseded=True)
            s["superseded"] = True
            raise LoginEnded
        s["login_checked_ts"] = now
    if today != s["day"]:
        # A new day: only this session credits now (any newer one would have superseded it).
        s["day"], s["day_base"], s["day_seconds"] = today, 0.0, 0.0
    duration = s["duration_seconds"]
    credited = 0.0
    earns = visible and rate <= s["max_rate"] + 1e-9 and not s["presence_pending"]
    if earns:
        # The union of what was played grows by what is new in it, as much as can have been
        # played in the wall-clock time since the last accepted beat at this rate.
        wall = max(0.0, now - s["last_beat_ts"])
        have = json.loads(s["intervals"])
        played = iv.normalize(played, duration)
        new = iv.truncate(iv.subtract(played, have), wall * max(1.0, rate))
        if new:
            have = iv.merge(have, new, duration)
            s["intervals"] = json.dumps([[round(a, 2), round(b, 2)] for a, b in have], separators=(",", ":"))
        # The credit is wall-clock time, whatever the rate: never more than the time since the
        # last accepted beat, nor than the video this beat played, nor than the union holds
        # beyond what is credited already (so time played faster than real time is earned by
        # playing on, at real time), nor past the daily cap. `lesson_seconds` (the credit,
        # which completes the lesson) is thus at most both the union and the time spent.
        credited = max(0.0, min(wall, iv.length(played),
                                min(float(duration), iv.length(have)) - s["lesson_seconds"],
                                s["daily_cap_seconds"] - s["day_base"] - s["day_seconds"]))
        if credited > 0:
            s["lesson_seconds"] += credited
            s["earned_seconds"] += credited
            s["day_seconds"] += credited
    if not s["lesson_complete"] and duration > 0 and s["lesson_seconds"] >= s["coverage_required"] * duration - 1e-6:
        # Written to the row by beat_completion_record once the completion is recorded: until
        # then every beat of the session finds it anew, so a completion that failed is retried.
        s["lesson_complete"] = True
        result.completes = (s["id"], s["teacher_id"], s["lesson_id"], s["course_id"])
    if (s["presence_every_seconds"] and not s["presence_pending"] and s["presence_due"] is not None
            and s["earned_seconds"] >= s["presence_due"] and not s["lesson_complete"]):
        s["presence_pending"] = True
        s["presence_id"] += 1
        s["presence_question"], s["presence_answer"] = _presence_question()
    s["last_seq"], s["last_beat_ts"], s["position"] = seq, now, min(position, float(duration))
    result.answer, result._wrote = _answer(s, credited=credited), True


def _write(changed: list[dict], first_seq: dict[str, int]) -> set[str]:
    """Write the changed rows, each only if nobody else wrote it since it was read; returns the
    tokens of those written. PostgreSQL: one UPDATE from arrays; elsewhere one per row."""
    values = [[s[c] for c in _WRITTEN] + [s["id"], first_seq[s["token"]]] for s in changed]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE_MANY, [list(column) for column in zip(*values, strict=True)])
            ids = {row[0] for row in cursor.fetchall()}
        return {s["token"] for s in changed if s["id"] in ids}
    written = set()  # each row's compare-and-set stands alone: no transaction around them
    with connection.cursor() as cursor:
        for s, row in zip(changed, values, strict=True):
            cursor.execute(_UPDATE_ONE, row)
            if cursor.rowcount:
                written.add(s["token"])
    return written


def beat_completion_record(result: BeatResult) -> None:
    """The beat completed its lesson: record that (and the course's hours when it was the last)."""
    if result.completes is not None and result.error is None:
        session_id, teacher_id, lesson_id, course_id = result.completes
        result.answer["course_complete"] = lesson_complete_record(
            teacher_id=teacher_id, lesson_id=lesson_id, course_id=course_id)
        PlaybackSession.objects.filter(pk=session_id).update(lesson_complete=True)
        result.completes = None


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
    """A course is complete when every lesson is, its quiz (if any) is passed and the teacher
    still has it selected (a playback started without a selection, before starting checked for
    one, earns no hours); only then are its hours credited to the ledger, once (the ledger's
    idempotency key). Call it again after a quiz is passed. Returns whether the course is complete.
    Nothing is credited once learning.crediting stops the course where the teacher is (its
    institution suspended or terminated there, from the effective date)."""
    lesson_ids = set(course.lessons.values_list("id", flat=True))
    if not lesson_ids or not selection_for_playback(teacher, course).exists():
        return False
    if credit_stop(teacher, course):  # its institution is out where the teacher is: no new hours
        return course_credited(teacher, course)
    done = set(LessonCompletion.objects.filter(teacher=teacher, lesson_id__in=lesson_ids)
               .values_list("lesson_id", flat=True))
    if done != lesson_ids or not quiz_passed(teacher, course):
        return False
    # Less what a termination carried over for it elsewhere (learning.crediting.CARRY_OVER).
    if (due := hours_due(teacher.pk, course)) > 0:
        ledger_credit(teacher=teacher, program=course.program, category="online", hours=due,
                      source_kind="course", source_id=str(course.pk), granted_by_system="playback")
    PlaybackSession.objects.filter(teacher=teacher, course=course, course_complete=False).update(course_complete=True)
    return True

"""The heartbeat's lean path through the WSGI server.

A beat is the one request that arrives thousands of times a second in deadline week, and it
needs nothing of Django's request machinery: no URL resolution, no login session or user (it is
authenticated by its playback token and login-session cookie, see services.heartbeat_record),
no templates, messages, locale or CSRF. `HeartbeatFastPath` wraps the WSGI application and
answers `POST <heartbeat path>` itself with `answer_beat`, the same function the Django view
calls, so both paths give the same answers (tests drive both). Every other request goes to
Django untouched. Database connections are managed as Django's handler does (the
request_started / request_finished signals close unusable or obsolete connections).

On a threaded server (granian, as `tisheng serve` runs it) the beats go through `GroupCommit`:
the beats a worker's threads hold at once are recorded and committed together, and each is
answered only after that commit.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time

from django.conf import settings
from django.core import signals
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils import translation

from tisheng.core import jsonsafe, observability_metrics
from tisheng.core.db_unavailable import DATABASE_ERRORS, DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tisheng.playback import services

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a beat carries at most MAX_INTERVALS_PER_BEAT pairs: a few kB
BODY_TOO_LARGE = "The heartbeat is too large."
SERVER_ERROR = "server error"
# How long a request thread waits for its batch before answering 503 (the beat may still be
# credited afterwards: only a 2xx answer promises that it was).
BATCH_WAIT_SECONDS = 30


def answer_beats(requests: list[tuple[bytes, str]]) -> list[tuple[int, dict, services.BeatResult | None]]:
    """(HTTP status, JSON answer, result) for beats that arrived together, each (body, login
    session key): one `services.heartbeats_record` for all of them. A result is returned for
    the caller to finish with `services.beat_completion_record` (a lesson completed)."""
    payloads: list[dict | None] = []
    for body, _key in requests:
        try:
            payload = jsonsafe.loads(body or b"{}")
        except ValueError:  # JSONInputError: deep nesting, NaN, huge numbers, bad UTF-8, not JSON
            payload = None
        payloads.append(payload if isinstance(payload, dict) else None)
    recorded = iter(services.heartbeats_record(
        [(key, payload) for (_body, key), payload in zip(requests, payloads, strict=True) if payload is not None]))
    answers = []
    for payload in payloads:
        result = next(recorded) if payload is not None else None
        if result is None or isinstance(result.error, services.BeatError):
            answers.append((400, {"error": str(services.BEAT_BAD_REQUEST)}, None))
        elif isinstance(result.error, services.SessionNotFound):
            answers.append((404, {"error": str(services.SESSION_NOT_FOUND)}, None))
        elif isinstance(result.error, services.LoginEnded):
            answers.append((401, {"error": str(services.LOGIN_ENDED)}, None))
        elif result.error is not None:
            answers.append((500, {"error": SERVER_ERROR}, None))
        else:
            answers.append((200, result.answer, result))
    return answers


def answer_beat(body: bytes, login_session_key: str) -> tuple[int, dict]:
    """(HTTP status, JSON answer) for one beat: what the view sends (a batch of one)."""
    ((status, answer, result),) = answer_beats([(body, login_session_key)])
    if result is not None:
        services.beat_completion_record(result)
    return status, answer


class GroupCommit:
    """Beats that arrive together in one worker are recorded together (group commit).

    The request threads of a threaded server (granian, gunicorn gthread) hand their beats to one
    thread per worker process, which takes all that are waiting (up to `max_batch`), records them
    with one `answer_beats` (one SELECT and one UPDATE, committed) and only then wakes each
    request thread with its answer: an answer still means the credit is in the database. While a
    batch is written the next one gathers, so under load a beat costs a fraction of two queries,
    and the worker holds one database connection for beats instead of one per thread.

    A failure of the batch answers each of its beats 500, or 503 with Retry-After when it was
    the database (restarting, say), as every other page answers then."""

    def __init__(self, max_batch: int = 256) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid = 0

    def submit(self, body: bytes, login_session_key: str) -> tuple[int, dict, services.BeatResult | None]:
        if self._pid != os.getpid():  # started lazily in each worker (after any fork)
            with self._lock:
                if self._pid != os.getpid():
                    self._queue = queue.SimpleQueue()
                    threading.Thread(target=self._run, args=(self._queue,), name="heartbeat-group-commit",
                                     daemon=True).start()
                    self._pid = os.getpid()
        waiter = _Waiter(body, login_session_key)
        self._queue.put(waiter)
        if not waiter.done.acquire(timeout=BATCH_WAIT_SECONDS):
            return _database_unavailable()
        return waiter.answer

    def _run(self, waiting: queue.SimpleQueue) -> None:
        while True:
            batch = [waiting.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            answers = [(500, {"error": SERVER_ERROR}, None)] * len(batch)
            observability_metrics.observe_heartbeat_batch(len(batch))
            try:
                signals.request_started.send(sender=self.__class__)
                try:
                    with translation.override(settings.LANGUAGE_CODE):
                        answers = answer_beats([(w.body, w.key) for w in batch])
                finally:
                    signals.request_finished.send(sender=self.__class__)
            except BaseException as exc:  # the batch fails, nothing is lost, the thread goes on
                logger.exception("heartbeat batch of %d failed", len(batch))
                if isinstance(exc, DATABASE_ERRORS):
                    answers = [_database_unavailable()] * len(batch)
            for waiter, answer in zip(batch, answers, strict=True):
                waiter.answer = answer
                waiter.done.release()


def _database_unavailable() -> tuple[int, dict, None]:
    with translation.override(settings.LANGUAGE_CODE):
        return 503, {"error": str(DATABASE_UNAVAILABLE)}, None


class _Waiter:
    __slots__ = ("body", "key", "answer", "done")

    def __init__(self, body: bytes, key: str) -> None:
        self.body, self.key, self.answer = body, key, None
        self.done = threading.Lock()
        self.done.acquire()


_REASONS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 404: "404 Not Found",
            413: "413 Content Too Large", 500: "500 Internal Server Error", 503: "503 Service Unavailable"}


class HeartbeatFastPath:
    def __init__(self, app, path: str | None = None) -> None:
        self.app = app
        self.path = path or reverse("playback:heartbeat")
        self.group_commit = GroupCommit()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        started = time.perf_counter()
        try:
            status, answer = self._beat(environ)
        except Exception as exc:  # the answer must still be JSON; the error is logged like Django's
            logger.exception("heartbeat failed")
            status, answer = _database_unavailable()[:2] if isinstance(exc, DATABASE_ERRORS) else (
                500, {"error": SERVER_ERROR})
        body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
        if status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER_SECONDS)))
        start_response(_REASONS[status], headers)
        observability_metrics.observe_request("playback:heartbeat", "POST", status, time.perf_counter() - started)
        return [body]

    def _beat(self, environ) -> tuple[int, dict]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return 413, {"error": BODY_TOO_LARGE}
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(settings.SESSION_COOKIE_NAME, "")
        if environ.get("wsgi.multithread"):
            status, answer, result = self.group_commit.submit(body, cookie)
            if result is None or result.completes is None:
                return status, answer
        else:  # one request at a time in this process (gunicorn sync): nothing to group
            status, answer, result = None, None, None
        # The database from this thread: Django's per-request connection handling applies.
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            if result is not None:
                services.beat_completion_record(result)
                return status, answer
            with translation.override(settings.LANGUAGE_CODE):
                return answer_beat(body, cookie)
        finally:
            signals.request_finished.send(sender=self.__class__)

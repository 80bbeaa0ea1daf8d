"""The lesson page, its video (with HTTP range requests), and the player's JSON endpoints.

CSRF: `start` and `presence` are fetch() calls that send the X-CSRFToken header as usual.
The heartbeat is exempt from Django's CSRF check because navigator.sendBeacon cannot set
headers; it is protected instead by its playback token: 256 random bits, created by `start`
(itself CSRF-protected), known only to the page, and bound to the login session whose cookie
started it (a token with any other cookie is answered 404). A cross-site page can make the
browser send the cookie but cannot know a token, so it cannot forge a beat.

The heartbeat is the hot path, so it neither loads the login session nor the user on every beat
(`idle_timeout_exempt`; it never touches request.user): services.heartbeat_record checks the
cookie against the playback's login session and, every few minutes, that the login session is
still alive (and keeps it alive while the teacher watches).
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.middleware import idle_timeout_exempt
from tisheng.core import jsonsafe, storage_files
from tisheng.learning.crediting import credit_stop_notice
from tisheng.learning.selectors import selection_for_playback
from tisheng.playback import hls, selectors, services
from tisheng.playback.fastpath import BODY_TOO_LARGE, MAX_BODY, answer_beat

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> int:
    return int(getattr(settings, "HEARTBEAT_SECONDS", 20))


def _lesson_or_404(request: HttpRequest, pk: int):
    teacher = selectors.teacher_for_user(request.user)
    lesson = selectors.get_lesson_for_teacher(teacher, pk)
    if lesson is None:
        raise Http404
    return teacher, lesson


@never_cache  # progress pages: the back button must not show yesterday's percentages
@login_required
@require_GET
def my_lessons(request: HttpRequest) -> HttpResponse:
    """The lessons of the teacher's selected courses, with progress: where playing starts."""
    teacher = selectors.teacher_for_user(request.user)
    if teacher is None:
        raise Http404
    return render(request, "playback/my_lessons.html", {"rows": selectors.my_lessons(teacher)})


def _resume_at(row: dict | None, duration: int) -> float:
    """Where the video starts: as services.resume_position, from the progress row (the page
    starts no playback session; the player starts one when the video really plays)."""
    position = float((row or {}).get("position") or 0.0)
    return 0.0 if position >= duration - 1 else round(position, 1)


@never_cache
@login_required
@require_GET
def lesson_page(request: HttpRequest, pk: int) -> HttpResponse:
    teacher, lesson = _lesson_or_404(request, pk)
    if not selection_for_playback(teacher, lesson.course).exists():
        # In the catalogue but not selected: say so, and where to select it; no player.
        query = urlencode({"program": lesson.course.program_id, "q": lesson.course.code})
        return render(request, "playback/lesson.html", {
            "lesson": lesson, "course": lesson.course, "not_selected": services.COURSE_NOT_SELECTED,
            "select_url": f"{reverse('learning:catalogue')}?{query}"})
    if stopped := credit_stop_notice(teacher, lesson.course):
        # Its institution is out where the teacher is: why, and where to go instead; no player.
        return render(request, "playback/lesson.html", {
            "lesson": lesson, "course": lesson.course, "stopped": stopped,
            "course_complete": services.course_credited(teacher, lesson.course)})
    progress = selectors.course_progress(teacher, lesson.course)
    current = next((p for p in progress if p["lesson"].pk == lesson.pk), None)
    video_src = lesson.video_url or (reverse("playback:video", args=[lesson.pk]) if lesson.video_file else "")
    # HLS when the rendition of the uploaded video is ready (hls.js on the same <video>), else the one file.
    hls_src = reverse("playback:hls", args=[lesson.pk]) if lesson.video_file and hls.playable(lesson) else ""
    return render(request, "playback/lesson.html", {
        "lesson": lesson, "course": lesson.course, "progress": progress,
        "course_percent": selectors.percent_text(selectors.course_percent(progress)),
        "course_complete": services.course_credited(teacher, lesson.course),
        "lessons_done": sum(1 for p in progress if p["complete"]), "video_src": video_src, "hls_src": hls_src, "current": current,
        "player_config": {"start": reverse("playback:start", args=[lesson.pk]),
                          "heartbeat": reverse("playback:heartbeat"), "presence": reverse("playback:presence"),
                          "lesson": lesson.pk, "duration": lesson.duration_seconds,
                          "resume_at": _resume_at(current, lesson.duration_seconds),
                          "max_rate": float(lesson.course.program.ruleset.online.max_playback_rate),
                          # Every lesson of the course, so the player updates the course's progress
                          # when this lesson's credit changes, without a reload.
                          "lessons": [{"id": p["lesson"].pk, "duration": p["lesson"].duration_seconds,
                                       "seconds": round(p["seconds"], 1), "complete": p["complete"]}
                                      for p in progress]},
    })


@login_required
@require_POST
def lesson_start(request: HttpRequest, pk: int) -> JsonResponse:
    teacher, lesson = _lesson_or_404(request, pk)
    try:
        session = services.playback_start(user=request.user, teacher=teacher, lesson=lesson,
                                          login_session_key=request.session.session_key)
    except services.CourseNotSelected:
        return JsonResponse({"error": str(services.COURSE_NOT_SELECTED)}, status=403)
    except services.CreditStopped as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    return JsonResponse({"session": session.token, "resume_at": services.resume_position(session),
                         "heartbeat_seconds": heartbeat_seconds(),
                         "lesson_seconds": round(session.lesson_seconds, 1),
                         "coverage": round(min(1.0, session.lesson_seconds / (lesson.duration_seconds or 1)), 4)})


@csrf_exempt  # see the module docstring: the playback token is the CSRF defence
@idle_timeout_exempt
@require_POST
def heartbeat(request: HttpRequest) -> JsonResponse:
    """The production servers answer beats in fastpath.HeartbeatFastPath, before Django; this
    view (runserver, the test client) gives the same answers through the same function."""
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": BODY_TOO_LARGE}, status=413)
    status, answer = answer_beat(request.body, request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""))
    return JsonResponse(answer, status=status)


@login_required
@require_POST
def presence(request: HttpRequest) -> JsonResponse:
    try:
        token, check_id, answer = services.presence_parse(jsonsafe.loads(request.body or b"{}"))
    except (ValueError, services.BeatError):  # JSONInputError is a ValueError
        return JsonResponse({"error": str(services.BEAT_BAD_REQUEST)}, status=400)
    try:
        ok = services.presence_answer(user_id=request.user.pk, token=token, check_id=check_id, answer=answer)
    except services.SessionNotFound:
        return JsonResponse({"error": str(services.SESSION_NOT_FOUND)}, status=404)
    return JsonResponse({"ok": ok, "error": None if ok else str(services.PRESENCE_WRONG)})


@login_required
@require_GET
def lesson_video(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded video, to those who may watch the lesson: from local files with single-range
    requests (206 Partial Content), so the player can seek without downloading everything; from the
    object store through a short-lived signed URL (core/storage_files.py). `serve` finds out whether
    the file is there (one HEAD in the object store) and answers the 404 page that says it is gone."""
    _teacher, lesson = _lesson_or_404(request, pk)
    name = lesson.video_file
    if not name:
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        return storage_files.serve(request, name, content_type=content_type)
    except SuspiciousFileOperation:  # a stored name that leaves the storage
        raise Http404 from None


@login_required
@require_GET
def lesson_hls(request: HttpRequest, pk: int) -> HttpResponse:
    """The lesson's HLS playlist, to those who may watch it (the same check as the video): the stored
    playlist whose segments are short-lived signed URLs (playback/hls.py). A lesson without a ready
    rendition is a 404 (the page then plays the single file)."""
    _teacher, lesson = _lesson_or_404(request, pk)
    rendition = hls.playable(lesson) if lesson.video_file else None
    if rendition is None:
        raise Http404
    try:
        body = hls.signed_playlist(rendition)
    except FileNotFoundError:
        logger.warning("HLS: the playlist %s of lesson %s is not in the store", rendition.playlist, lesson.pk)
        raise Http404 from None
    except storage_files.StorageUnavailable:
        return HttpResponse(str(storage_files.StorageUnavailable().message), status=503,
                            content_type="text/plain; charset=utf-8", headers={"Retry-After": "60"})
    return HttpResponse(body, content_type=hls.PLAYLIST_TYPE, headers={"Cache-Control": "private, no-store"})

"""Viewers for the heartbeat benchmark and the durability test: teachers who are logged in and
each playing a lesson, plus the production server they talk to.

`prepare_viewers(n)` creates, in bulk, one program with a contracted institution, a course of
one long lesson, and n teachers (users, enrollments, course selections) each with a Django
session written straight into the session table (what a login would have stored), so a load
generator only has to send the cookie. `start_playbacks` then calls the player's real
`POST /learn/lessons/<id>/start` for every viewer to get its playback token.

Also a command: `python bench/loadgen.py prepare N` prints the viewers as JSON (used by the
durability test, which runs against its own PostgreSQL cluster), and
`python bench/loadgen.py credited < ids` prints what the database credited per teacher.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
BACKEND = "tisheng.accounts.backends.PhoneOrNationalIdBackend"
# A lesson long enough that no viewer reaches the coverage that completes it during a run.
LESSON_SECONDS = 6 * 3600
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"  # 32 characters, CSRF_SECRET_LENGTH


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
    import django

    django.setup()


def _region(code: str, name: str, level: str, parent):
    from tisheng.orgs.models import Region

    path = code if parent is None else f"{parent.path}/{code}"
    return Region.objects.get_or_create(code=code, defaults=dict(name=name, level=level, parent=parent, path=path))[0]


def prepare_viewers(n: int, *, tag: str = "hb") -> list[dict]:
    """n logged-in teachers enrolled in a program whose one course they have selected.
    Returns [{"teacher": id, "lesson": id, "cookie": "sessionid=…; csrftoken=…"}, …]."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from tisheng.accounts.models import User
    from tisheng.core import idcard
    from tisheng.learning.models import Contract, Course, CourseSelection, Lesson
    from tisheng.orgs.models import Organization, RegionLevel, School
    from tisheng.people.models import Teacher
    from tisheng.programs.models import Enrollment, Program
    from tisheng.programs.rules import MOE_2019

    run = f"{tag}{secrets.token_hex(3)}"
    with transaction.atomic():
        province = _region("35", "福建省", RegionLevel.PROVINCE, None)
        city = _region("3501", "福州市", RegionLevel.CITY, province)
        county = _region("350102", "鼓楼区", RegionLevel.COUNTY, city)
        school = School.objects.filter(county=county).first() or School.objects.create(
            code="3501029998", name="心跳测试学校", county=county, path=f"{county.path}/3501029998", stage="primary")
        program = Program.objects.create(code=f"bench-{run}", name=f"心跳基准 {run}", status="active",
                                         start_date=dt.date(2024, 9, 1), end_date=dt.date(2029, 8, 31),
                                         reference_date=dt.date(2024, 9, 1), rules=MOE_2019)
        institution = Organization.objects.create(code=f"inst-{run}", name=f"基准培训机构 {run}",
                                                  kind="institution", region=province,
                                                  path=f"{province.path}/~inst-{run}")
        Contract.objects.create(program=program, institution=institution, region=county, region_path=county.path)
        course = Course.objects.create(institution=institution, program=program, code=f"c-{run}",
                                       title="信息技术与课堂教学", hours=10, micro_abilities=["A1"],
                                       status=Course.Status.PUBLISHED)
        lesson = Lesson.objects.create(course=course, order=1, title="第一讲", duration_seconds=LESSON_SECONDS,
                                       video_url="https://cdn.example.org/bench.mp4")

        users = User.objects.bulk_create([
            User(phone=f"{run}-{i}", name=f"观看教师{i}", password="!bench")  # never logs in by phone
            for i in range(n)
        ])
        teachers = []
        for i, user in enumerate(users):
            t = Teacher(name=user.name, user=user, school=school, org_path=school.path, stage="primary",
                        subject="语文")
            t.set_national_id(idcard.make("350102", dt.date(1975 + i % 20, 1 + i % 12, 1 + i % 28), i % 1000))
            t.id_hash = f"{run}-{i}-{t.id_hash}"[:64]  # never collides with a real teacher's hash
            teachers.append(t)
        teachers = Teacher.objects.bulk_create(teachers)
        Enrollment.objects.bulk_create([
            Enrollment(program=program, teacher=t, school=school, org_path=t.org_path, state="enrolled")
            for t in teachers
        ])
        CourseSelection.objects.bulk_create([
            CourseSelection(teacher=t, program=program, course=course) for t in teachers
        ])
        # What a login stores, written in bulk. `_last_seen` now: the idle-timeout middleware
        # then leaves the session alone for its first minute, as it would for a fresh login.
        now = int(time.time())
        expire = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        store = SessionStore()
        sessions = [
            Session(session_key=secrets.token_hex(16), expire_date=expire, session_data=store.encode({
                "_auth_user_id": str(u.pk), "_auth_user_backend": BACKEND,
                "_auth_user_hash": u.get_session_auth_hash(), "_last_seen": now}))
            for u in users
        ]
        Session.objects.bulk_create(sessions)
    return [
        {"teacher": t.pk, "lesson": lesson.pk,
         "cookie": f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"}
        for t, s in zip(teachers, sessions, strict=True)
    ]


def credited_seconds(teacher_ids: list[int]) -> dict[int, dict]:
    """What the database holds per teacher: seconds earned by all their playback sessions, and
    the union played of the lesson (the newest session carries it)."""
    from django.db.models import Max, Sum

    from tisheng.playback.models import PlaybackSession

    rows = (PlaybackSession.objects.filter(teacher_id__in=teacher_ids).values("teacher_id")
            .annotate(earned=Sum("earned_seconds"), lesson=Max("lesson_seconds")))
    found = {r["teacher_id"]: {"earned": r["earned"] or 0.0, "lesson_seconds": r["lesson"] or 0.0} for r in rows}
    return {t: found.get(t, {"earned": 0.0, "lesson_seconds": 0.0}) for t in teacher_ids}


def post_json(base: str, path: str, cookie: str, payload: dict, timeout: float = 10) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, data=json.dumps(payload).encode(), method="POST", headers={
        "Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": CSRF_SECRET,
        "Referer": base + "/"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"error": body[:200].decode(errors="replace")}
    except (urllib.error.URLError, OSError) as e:
        return 0, {"error": str(e)}


def start_playbacks(base: str, viewers: list[dict], threads: int = 8) -> None:
    """The player's first call, once per viewer: adds "session" (the playback token)."""

    def start(v: dict) -> None:
        status, body = post_json(base, f"/learn/lessons/{v['lesson']}/start", v["cookie"], {})
        if status != 200 or "session" not in body:
            raise RuntimeError(f"start for teacher {v['teacher']} answered {status}: {body}")
        v["session"] = body["session"]
        v["resume_at"] = body.get("resume_at", 0)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(start, viewers))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(kind: str, port: int, *, workers: int = 2, threads: int = 16, env: dict | None = None,
                 log: Path | None = None) -> subprocess.Popen:
    """granian (WSGI, `threads` per worker) or gunicorn's `sync` workers as `tisheng serve` runs
    them, gunicorn's `gthread` workers, or `runserver`, on 127.0.0.1:port; returns once /healthz
    answers."""
    bind = f"127.0.0.1:{port}"
    if kind == "runserver":
        cmd = [PYTHON, "-m", "django", "runserver", "--noreload", "--nothreading", bind]
    elif kind in ("granian", "sync"):  # exactly what `tisheng serve` runs in production
        sys.path.insert(0, str(ROOT))
        from tisheng.core.management.commands.serve import server_argv

        cmd = server_argv("granian" if kind == "granian" else "gunicorn", bind=bind, workers=workers,
                          threads=threads, access_log=False)
        cmd[0] = PYTHON
    else:
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "tisheng.wsgi:application", "--bind", bind,
               "--workers", str(workers), "--worker-class", kind, "--backlog", "2048", "--timeout", "60"]
        if kind == "gthread":
            cmd += ["--threads", "4"]
    full_env = {"DJANGO_SETTINGS_MODULE": "tisheng.settings", **os.environ, **(env or {})}
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{bind}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not answer /healthz within 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: list[str]) -> int:
    django_setup()
    if argv[:1] in (["prepare"], ["viewers"]):
        # `viewers` is for a database that is migrated already (a copy of a migrated one):
        # `migrate` finding nothing to do still costs seconds of CPU.
        if argv[0] == "prepare":
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        print(json.dumps(prepare_viewers(int(argv[1]), tag="dur")))
        return 0
    if argv[:1] == ["credited"]:
        ids = [int(x) for x in sys.stdin.read().split()]
        print(json.dumps(credited_seconds(ids)))
        return 0
    print("usage: loadgen.py prepare N | viewers N | credited < teacher ids", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

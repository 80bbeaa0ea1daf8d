"""Where one reply's CPU goes, in one process (issue 16): per middleware, per view, and the queries of each.

The same data as bench_communities_replies.py (its `build()`), the same settings as production
(DEBUG off), straight through Django's WSGI handler (no HTTP server, no test client: the test
client adds its own signal handlers and cookie handling). Four requests, each by a teacher with
her own session, N times each, CPU time of this thread:

- `healthz_anon`: GET /healthz without a cookie (the floor: the middleware chain, no database);
- `healthz_authed`: GET /healthz with a session cookie (a session is not loaded for it: nothing reads it);
- `page`: GET /notifications/ (a light page: session, user, context processors, base.html);
- `reply`: POST /communities/threads/<id>/ (a reply, 302 to the thread).

Between every two middleware a probe records the thread's CPU time on the way in and out, and in
process_view, and every query is counted against the layer that ran it. Printed: CPU ms per request
and queries per request by layer, then a cProfile (CPU time) of the replies (BENCH_PROFILE_TARGET=page: of the page) sorted by own
time and by cumulative time; BENCH_PROFILE_DUMP=file keeps it for pstats.

    scripts/pg.sh with .venv/bin/python bench/bench_communities_replies_profile.py [N]
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
from cpu_clock import cluster_cpu, postmaster_pid  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.getenv("BENCH_PROFILE_N", "400"))

_cpu = time.thread_time_ns
_state = {"layer": "-"}
_spent: dict[str, int] = defaultdict(int)  # layer -> ns of CPU, including the layers inside it
_view_spent: dict[str, int] = defaultdict(int)  # middleware -> ns of CPU in its process_view
_queries: Counter = Counter()


def _probe_class(index: int, name: str):
    """A middleware that times everything inside it (placed just before middleware `name`)."""

    class Probe:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            outer = _state["layer"]
            _state["layer"] = name
            started = _cpu()
            try:
                return self.get_response(request)
            finally:
                _spent[f"{index:02d} {name}"] += _cpu() - started
                _state["layer"] = outer
                marks = getattr(request, "_probe_marks", None)
                if index == 0 and marks:  # each middleware's process_view: from its probe's mark to the next
                    for (_i, at_name, at), (_j, _n, nxt) in zip(marks, marks[1:], strict=False):
                        _view_spent[at_name] += nxt - at

        def process_view(self, request, *args):
            if not hasattr(request, "_probe_marks"):
                request._probe_marks = []
            request._probe_marks.append((index, name, _cpu()))
            _state["layer"] = f"{name}.process_view" if name != "view" else "view"

    Probe.__name__ = f"Probe{index}"
    return Probe


def _install_probes() -> list[str]:
    from django.conf import settings

    names = list(settings.MIDDLEWARE)
    chain: list[str] = []
    module = sys.modules[__name__]
    for i, name in enumerate(names):
        probe = _probe_class(i, name.rsplit(".", 1)[-1])
        setattr(module, probe.__name__, probe)
        chain += [f"{__name__}.{probe.__name__}", name]
    last = _probe_class(len(names), "view")
    setattr(module, last.__name__, last)
    chain.append(f"{__name__}.{last.__name__}")
    settings.MIDDLEWARE = chain
    return [n.rsplit(".", 1)[-1] for n in names]


def _count_query(execute, sql, params, many, context):
    _queries[(_state["layer"], sql.split(" ", 1)[0] + " " + _table(sql))] += 1
    return execute(sql, params, many, context)


def _table(sql: str) -> str:
    for word in (" FROM ", "INSERT INTO ", "UPDATE "):
        at = sql.find(word)
        if at >= 0:
            return sql[at + len(word):].split(" ", 1)[0].strip('"')
    return ""


def main() -> int:
    os.environ.setdefault("BENCH_REPLY_POSTERS", "50")
    os.environ.setdefault("BENCH_REPLY_THREADS", "20")
    loadgen.django_setup()
    names = _install_probes()
    import bench_communities_replies as bench
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    posters = bench.build()
    handler = WSGIHandler()
    csrf = loadgen.CSRF_SECRET

    def environ(method: str, path: str, cookie: str | None, body: bytes = b"") -> dict:
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "Mozilla/5.0 profile",
               "HTTP_ACCEPT": "text/html", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
        if cookie:
            env["HTTP_COOKIE"] = cookie
        if body:
            env.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)),
                       HTTP_X_CSRFTOKEN=csrf, HTTP_REFERER="http://127.0.0.1/")
        return env

    statuses: Counter = Counter()

    def call(env: dict) -> None:
        def start(status, headers, exc_info=None):
            statuses[status.split(" ", 1)[0]] += 1

        result = handler(env, start)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()

    sent = [0]

    def healthz_anon(i: int) -> None:
        call(environ("GET", "/healthz", None))

    def healthz_authed(i: int) -> None:
        call(environ("GET", "/healthz", posters[i % len(posters)][0]))

    def page(i: int) -> None:
        call(environ("GET", "/notifications/", posters[i % len(posters)][0]))

    def reply(i: int) -> None:
        cookie, thread = posters[i % len(posters)]
        sent[0] += 1
        call(environ("POST", f"/communities/threads/{thread}/", cookie,
                     f"body={quote('基准回复')}{sent[0]}".encode()))

    postmaster = postmaster_pid(connection)
    runs = [r for r in (healthz_anon, healthz_authed, page, reply)
            if r.__name__ in os.getenv("BENCH_PROFILE_RUNS", "healthz_anon,healthz_authed,page,reply").split(",")]
    with connection.execute_wrapper(_count_query):
        for run in runs:
            for i in range(50):  # warm up: connections, templates, catalogues
                run(i)
            statuses.clear()
            _spent.clear()
            _view_spent.clear()
            _queries.clear()
            started, db_started = _cpu(), cluster_cpu(postmaster)
            for i in range(N):
                run(i)
            total = (_cpu() - started) / N / 1e6
            db = (cluster_cpu(postmaster) - db_started) * 1000 / N
            print(f"\n== {run.__name__}: {total:.2f} ms CPU per request (this thread), {db:.2f} ms of PostgreSQL's "
                  f"(all its processes, one request at a time), statuses {dict(statuses)}")
            layers = sorted(_spent.items())
            for (layer, ns), (_next, inner) in zip(layers, [*layers[1:], ("", 0)], strict=True):
                print(f"   {layer:<45} own {(ns - inner) / N / 1e6:6.2f} ms   (with inner {ns / N / 1e6:6.2f})")
            for layer, ns in _view_spent.items():
                if ns / N > 5000:
                    print(f"   {layer + '.process_view':<45} {ns / N / 1e6:6.2f} ms")
            per = defaultdict(list)
            for (layer, what), count in _queries.items():
                per[layer].append(f"{what}×{count / N:g}")
            print(f"   queries per request: {sum(_queries.values()) / N:g}")
            for layer, items in per.items():
                print(f"     {layer}: {', '.join(sorted(items))}")
    target = {r.__name__: r for r in (healthz_anon, healthz_authed, page, reply)}[
        os.getenv("BENCH_PROFILE_TARGET", "reply")]
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    for i in range(N):
        target(i)
    profile.disable()
    if os.getenv("BENCH_PROFILE_DUMP"):  # for pstats' print_callers
        profile.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(35)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)
    print(out.getvalue())
    del names
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where a heartbeat's server time goes, in one process (no HTTP server, no load generator).

Through Django's request handler (the test client, same middleware as production), on the
database DATABASE_URL names, for N logged-in viewers with playbacks started:

- `trivial`: GET /healthz without a cookie (no database);
- `authed`:  GET /healthz with the viewer's session cookie (the session row and the user row
  are loaded by the idle-timeout middleware: what authentication alone costs);
- `beat`:    POST /learn/heartbeat (authentication + the beat's SELECT and UPDATE).

Prints the CPU milliseconds per request of each, then a cProfile of the beats sorted by
cumulative time. `scripts/pg.sh with .venv/bin/python bench/profile_heartbeat.py`
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402


def main() -> int:
    loadgen.django_setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    viewers = loadgen.prepare_viewers(200, tag="prof")
    client = Client()

    def use(v: dict) -> None:
        client.cookies.clear()
        for part in v["cookie"].split("; "):
            name, value = part.split("=", 1)
            client.cookies[name] = value

    for v in viewers:
        use(v)
        answer = client.post(f"/learn/lessons/{v['lesson']}/start", data=b"{}", content_type="application/json",
                             HTTP_X_CSRFTOKEN=loadgen.CSRF_SECRET)
        v.update(session=answer.json()["session"], seq=0, pos=0)

    def trivial(n: int) -> None:
        client.cookies.clear()
        for _ in range(n):
            client.get("/healthz")

    def authed(n: int) -> None:
        for i in range(n):
            use(viewers[i % len(viewers)])
            client.get("/healthz")

    def beat(n: int) -> None:
        for i in range(n):
            v = viewers[i % len(viewers)]
            use(v)
            v["seq"] += 1
            body = json.dumps({"session": v["session"], "seq": v["seq"], "intervals": [[v["pos"], v["pos"] + 20]],
                               "rate": 1.0, "visible": True, "position": v["pos"] + 20})
            v["pos"] += 20
            assert client.post("/learn/heartbeat", data=body, content_type="application/json").status_code == 200

    n = 1000
    for run in (trivial, authed, beat):
        run(100)  # warm up: connections, prepared statements
        best = min(_cpu(run, n) for _ in range(3))
        print(f"profile_{run.__name__}_cpu_ms={best / n * 1000:.3f}")
    profile = cProfile.Profile()
    profile.enable()
    beat(n)
    profile.disable()
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
    return 0


def _cpu(run, n: int) -> float:
    started = time.process_time()
    run(n)
    return time.process_time() - started


if __name__ == "__main__":
    sys.exit(main())

"""A `tisheng run-jobs` worker in a process of its own, for the tests that kill it or restart
the database under it: `python worker_harness.py setup|enqueue STEPS PAUSE|show ID|work`.

It registers a slow job kind ("tests.slow": STEPS steps of PAUSE seconds, each one query and
a progress report, like a real batch) and builds its tables without migrations
(MIGRATION_MODULES off: a few seconds instead of minutes), on the database DATABASE_URL or
TISHENG_VAR_DIR names."""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402


class _NoMigrations(dict):
    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


settings.MIGRATION_MODULES = _NoMigrations()
django.setup()

from django.core.management import call_command  # noqa: E402

from tisheng.jobs.models import Job  # noqa: E402
from tisheng.jobs.registry import job  # noqa: E402


@job("tests.slow", capability="reports.view")
def slow(job, progress):
    steps = job.args["steps"]
    for i in range(steps):
        time.sleep(job.args["pause"])
        Job.objects.filter(pk=job.pk).exists()
        progress(i + 1, steps)
    return {"steps": steps}


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "setup":
        call_command("migrate", "--run-syncdb", verbosity=0)
    elif command == "enqueue":
        created = Job.objects.create(kind="tests.slow", args={"steps": int(argv[1]), "pause": float(argv[2])})
        print(created.pk)
    elif command == "show":
        j = Job.objects.get(pk=int(argv[1]))
        print(json.dumps({"state": j.state, "attempts": j.attempts, "done": j.done, "total": j.total,
                          "result": j.result, "errors": j.errors}))
    elif command == "work":
        call_command("run_jobs", "--sleep", "0.2")


if __name__ == "__main__":
    main(sys.argv[1:])

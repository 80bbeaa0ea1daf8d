"""A large export run by a real worker while another process logs in, on a database of its own
(issue 13: on SQLite the export failed with "database is locked" in 2 runs of 3).

    python contention_harness.py setup TEACHERS   a county's roster of TEACHERS teachers
    python contention_harness.py export N         queue N exports of the roster (jobs); prints their ids
    python contention_harness.py logins STOP SECS log the county officer in until the file STOP exists

The worker is `worker_harness.py work` or `tisheng run-jobs`. Tables are built without
migrations (MIGRATION_MODULES off), on the database DATABASE_URL or TISHENG_VAR_DIR names."""

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
# The logins should write often (session, last login, audit), not spend their time hashing.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.ALLOWED_HOSTS = ["*"]
django.setup()

from django.core.management import call_command  # noqa: E402

OFFICER_PHONE = "13700000002"
PASSWORD = "Contention@2026"


def setup(teachers: int) -> None:
    from tisheng.accounts.models import RoleAssignment, User
    from tisheng.core.seed.run import schools_create
    from tisheng.core.seed.schools import SchoolSpec
    from tisheng.core.seed.teachers import TeacherRowMaker
    from tisheng.orgs.models import Region, RegionLevel
    from tisheng.people.services.roster import roster_apply, roster_validate

    call_command("migrate", "--run-syncdb", verbosity=0)
    province = Region.objects.create(code="35", name="福建省", level=RegionLevel.PROVINCE, path="35")
    city = Region.objects.create(code="3501", name="福州市", level=RegionLevel.CITY, parent=province, path="35/3501")
    Region.objects.create(code="350102", name="鼓楼区", level=RegionLevel.COUNTY, parent=city, path="35/3501/350102")
    schools = 10
    specs = [SchoolSpec(code=f"35010200{i:02d}", name=f"鼓楼第{i}小学", county_code="350102", stage="primary",
                        is_rural=False, environment="A", planned_teachers=teachers // schools)
             for i in range(1, schools + 1)]
    schools_create(specs)
    rows = list(TeacherRowMaker(seed=1).rows(specs))
    records, errors = roster_validate(rows, actor=None, first_row=2)
    assert not errors, errors[:3]
    roster_apply(records, actor=None, source="seed")
    officer = User.objects.create_user(phone=OFFICER_PHONE, password=PASSWORD, name="鼓楼区工程办")
    RoleAssignment.objects.create(user=officer, role="county_office", region=city.children.get())


def export(count: int) -> list[int]:
    from tisheng.accounts.models import User
    from tisheng.monitoring.services.exports import export_table

    officer = User.objects.get(phone=OFFICER_PHONE)
    return [export_table(actor=officer, table_name="roster", raw_params={}, sync_limit=0).job.pk
            for _ in range(count)]


def logins(stop_file: str, seconds: float) -> None:
    """Log in through the login page, as people do, until `stop_file` exists (or `seconds`
    passed); prints how many logins succeeded and the errors of those that did not."""
    from django.test import Client

    done, errors = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not os.path.exists(stop_file):
        client = Client()
        try:
            response = client.post("/accounts/login/", {"username": OFFICER_PHONE, "password": PASSWORD})
            if response.status_code == 302:
                done += 1
            else:
                errors.append(f"HTTP {response.status_code}")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
            errors.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"logins": done, "errors": errors[:5], "failed": len(errors)}))


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "setup":
        setup(int(argv[1]))
    elif command == "export":
        print(" ".join(str(pk) for pk in export(int(argv[1]))))
    elif command == "logins":
        logins(argv[1], float(argv[2]))


if __name__ == "__main__":
    main(sys.argv[1:])

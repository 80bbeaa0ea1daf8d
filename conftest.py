"""The shared world every test can stand in (healthchecks' alice, bob and charlie).

Fujian (35) → Fuzhou (3501) → Gulou (350102, "county A") with two schools;
Fujian → Xiamen (3502) → Siming (350203, "county B") with one school.
A province officer, a county officer of county A, a principal and teachers in county A,
and an **outsider**: the county officer of county B, who must see none of county A.
"""

import pytest

from tisheng.accounts.models import RoleAssignment
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.tests.factories import OrganizationFactory, SchoolFactory
from tisheng.people.tests.factories import TEST_PASSWORD, TeacherFactory, UserFactory

_MEMORY_TEST_DATABASE: list = []  # keeps the shared in-memory SQLite test database alive for the run


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_use_migrations):
    """Each test database starts as a copy of the run's migrated template
    (tests/browser/conftest.py: `migrated_template`) instead of running a hundred migrations
    again (~50 s of CPU for each xdist worker, on each database). PostgreSQL: Django creates the
    test database with `TEMPLATE`; SQLite: the template is copied into the shared in-memory
    database Django is about to use. `migrate` then finds everything applied."""
    if not django_db_use_migrations:
        return
    import sqlite3

    from django.conf import settings

    from tests.browser.conftest import _migrated_database, _on_postgres, _run_key, migrated_template

    migrated = migrated_template()
    db = settings.DATABASES["default"]
    if _on_postgres():
        db.setdefault("TEST", {})["TEMPLATE"] = _migrated_database(_run_key())
        return
    if db.get("TEST", {}).get("NAME") not in (None, ":memory:"):
        return
    # Django's name for the in-memory test database of the default alias (sqlite3/creation.py).
    memory = sqlite3.connect("file:memorydb_default?mode=memory&cache=shared", uri=True)
    with sqlite3.connect(migrated / "tisheng.sqlite3") as source:
        source.backup(memory)
    _MEMORY_TEST_DATABASE.append(memory)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    path = code if parent is None else f"{parent.path}/{code}"
    return Region.objects.get_or_create(code=code, defaults=dict(name=name, level=level, parent=parent, path=path))[0]


class World:
    pass


@pytest.fixture
def world(db) -> World:
    w = World()
    w.province = _region("35", "福建省", RegionLevel.PROVINCE, None)
    w.city_a = _region("3501", "福州市", RegionLevel.CITY, w.province)
    w.county_a = _region("350102", "鼓楼区", RegionLevel.COUNTY, w.city_a)
    w.city_b = _region("3502", "厦门市", RegionLevel.CITY, w.province)
    w.county_b = _region("350203", "思明区", RegionLevel.COUNTY, w.city_b)
    w.school_a = SchoolFactory(county=w.county_a, code="3501020001", name="福州市鼓楼第一中心小学")
    w.school_a2 = SchoolFactory(county=w.county_a, code="3501020002", name="福州市鼓楼实验幼儿园",
                                stage="kindergarten")
    w.school_b = SchoolFactory(county=w.county_b, code="3502030001", name="厦门市思明实验小学")
    w.college_a = OrganizationFactory(code="TC350102", name="鼓楼区教师进修学校", kind="teacher_college",
                                      region=w.county_a)

    def officer(name: str, phone: str, role: str, **node) -> object:
        user = UserFactory(name=name, phone=phone)
        RoleAssignment.objects.create(user=user, role=role, **node)
        return user

    w.province_officer = officer("省工程办", "13700000001", "province_office", region=w.province)
    w.county_officer = officer("鼓楼区工程办", "13700000002", "county_office", region=w.county_a)
    w.outsider = officer("思明区工程办", "13700000003", "county_office", region=w.county_b)
    w.teachers_a = [TeacherFactory(school=w.school_a, name=n) for n in ("林晓燕", "陈志强", "黄丽华")]
    w.teacher_a2 = TeacherFactory(school=w.school_a2, name="张美玲", stage="kindergarten", subject="学前教育")
    w.teacher_b = TeacherFactory(school=w.school_b, name="王建国",
                                 national_id="350203198001011235")
    w.teacher = w.teachers_a[0]
    w.principal = w.teachers_a[1].user
    RoleAssignment.objects.create(user=w.principal, role="school_admin", school=w.school_a)
    for school in (w.school_a, w.school_a2, w.school_b):
        school.teacher_count = school.teachers.filter(status="active").count()
        school.save()
    return w


def pytest_sessionfinish(session, exitstatus):
    """Record which database this run tested on, so .ci/run can insist that the PostgreSQL
    half really ran (and was not silently skipped)."""
    import json
    import os
    import pathlib

    # The browser tests' demo template belongs to the run: the xdist controller (or the only
    # process) removes it once every worker is done.
    if not hasattr(session.config, "workerinput"):
        from tests.browser.conftest import demo_templates_remove

        demo_templates_remove(os.getpid())

    # Only the Makefile's runs are recorded (not a developer's run of one file), and only by
    # the xdist controller.
    if not os.getenv("TISHENG_RECORD_RUN") or hasattr(session.config, "workerinput"):
        return

    from django.conf import settings

    vendor = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    out = pathlib.Path(__file__).parent / "test-artifacts"
    out.mkdir(exist_ok=True)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    (out / f"run-{vendor}.json").write_text(
        json.dumps({"vendor": vendor, "exitstatus": int(exitstatus), "passed": passed})
    )


@pytest.fixture
def program_2(world):
    """提升工程2.0, active, with the MOE preset's rules (no enrollments yet)."""
    import datetime as dt

    from tisheng.programs.models import Program
    from tisheng.programs.rules import MOE_2019

    return Program.objects.create(code="tisheng-2", name="提升工程2.0", status="active", start_date=dt.date(2024, 9, 1),
                                  end_date=dt.date(2029, 8, 31), reference_date=dt.date(2024, 9, 1), rules=MOE_2019)


@pytest.fixture
def program_1(world):
    """Fujian's 2015–2017 project, with the notice's rules (no enrollments yet)."""
    import datetime as dt

    from tisheng.programs.models import Program
    from tisheng.programs.rules import FUJIAN_2015

    return Program.objects.create(code="fujian-2015", name="福建省中小学教师信息技术应用能力提升工程", status="active",
                                  start_date=dt.date(2015, 9, 1), end_date=dt.date(2017, 12, 31),
                                  reference_date=dt.date(2015, 9, 1), rules=FUJIAN_2015)


@pytest.fixture(autouse=True)
def _forget_process_caches():
    """Caches a process fills after a commit outlive the test's rolled-back transaction, and ids
    are reused after a rollback: a definition remembered by one test would hide the next test's."""
    yield
    from tisheng.xapi import services as xapi_services

    xapi_services._KNOWN_DEFINITIONS.clear()


def _bounded_lock_waits(sender, connection, **kwargs):
    """On PostgreSQL a statement waits for a lock forever; SQLite gives up after its busy
    timeout. A test whose own transaction holds what another of its connections (a thread, the
    live server, a flush at teardown) waits for would hang the whole run: it fails instead,
    naming the lock, after two minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '120s'")


def pytest_configure(config):
    from django.db.backends.signals import connection_created

    connection_created.connect(_bounded_lock_waits, dispatch_uid="tests-bounded-lock-waits")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup` (make test) xdist marks each grouped test's id with its group
    (`…@demo_province`) and keeps the group on one worker. When a pytest release stops that
    from taking effect, nothing fails: the module seeds run on every worker, again and again,
    and the run takes hours. Every test then errors at once with the reason instead."""
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        config.stash[_LOADGROUP_LOST] = (f"--dist loadgroup does not group {lost[0]} (and {len(lost) - 1} more) "
                                         "with this pytest and pytest-xdist: see the pin in pyproject.toml")


_LOADGROUP_LOST = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if lost := item.config.stash.get(_LOADGROUP_LOST, None):
        pytest.fail(lost, pytrace=False)

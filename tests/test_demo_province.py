"""The demo province `tisheng seed --scale demo` makes: a copy of the run's demo seed (the one the
browser tests' servers copy; each test runs in a transaction rolled back on top of it):

- what it holds: its schools, teachers, accounts and scopes;
- words for people, not developers (issue 13 item 9): no page of any role shows an internal
  code, a tool word or English left untranslated. Signed in as every demo account (and no one),
  the scan walks each account's pages by their links (tisheng.core.words_scan.crawl: one page per
  route, 90 per account), in Chinese, scanning the visible text of each. Anything it reports is
  fixed in the page or, if it is a real thing that only looks like a code, allowed below with the
  reason.

One run, one seed: a demo seed costs over a minute on PostgreSQL, so this module reads the browser
tests' seeded template instead of seeding again, and `make test` keeps the module on one xdist
worker (its `xdist_group`) so the copy is made once.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client, override_settings
from django.utils import translation

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap
from tisheng.core.seed import DEMO_PASSWORD, demo_accounts
from tisheng.core.seed.run import SeedError, seed_run
from tisheng.core.seed.schools import DEMO_SCHOOL_CODE
from tisheng.core.words_scan import crawl, findings, plain_routes, visible_text
from tisheng.orgs.models import Organization, Region, School
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher, TeacherPosting

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_province")]

DEMO_ACCOUNTS = [f"138000000{n:02d}" for n in range(1, 13)]
# Real things the scan would otherwise report, with why they are words for people.
ALLOWED = {
    "xAPI", "OpenID", "OAuth",  # the standards an institution's integration staff work with, by their names
}
# (page address prefix, rule): what a page shows on purpose.
ALLOWED_ON = {
    # The statement ids of refused learning records: the province's integration staff quote them
    # to the institution that sent them.
    ("/integration/", "uuid"),
    # The xAPI field an institution's platform must fill (account.homePage), named as the standard does.
    ("/integration/", "CamelCase"),
}
# Pages written for other developers on purpose: the integration guide for institutions' IT staff
# (field names, codes and JSON are its subject).
SKIP = ("/integration/docs/",)




@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The default connection on a copy of the run's demo seed (the one the browser tests'
    servers copy: `tisheng seed --scale demo`, run once per test run) for the module."""
    from tests.browser.conftest import demo_database

    db = connection.settings_dict
    test_name = db["NAME"]
    with django_db_blocker.unblock(), demo_database() as demo:
        # In this order: Django leaves an in-memory SQLite connection open when asked to close it.
        db["NAME"] = demo
        connection.close()
        try:
            yield
        finally:
            connection.close()
            db["NAME"] = test_name


@pytest.fixture
def demo_passwords(settings):
    """The seed hashed the demo passwords with the production hasher (the root conftest's fast
    one cannot check them)."""
    settings.PASSWORD_HASHERS = ["tisheng.accounts.hashers.Argon2idPasswordHasher"]


def test_demo_seed_makes_300_schools_and_about_8000_teachers_through_the_roster_path(demo_world):
    teachers = Teacher.objects.count()
    assert School.objects.count() == 300
    assert 7_500 <= teachers <= 8_500
    # The roster's bulk path made a posting, a login and the teacher role for everyone.
    assert TeacherPosting.objects.filter(source="seed").count() == teachers
    assert RoleAssignment.objects.filter(role="teacher").count() == teachers
    assert not Teacher.objects.filter(user__isnull=True).exists()
    school = School.objects.get(code=DEMO_SCHOOL_CODE)
    assert school.teacher_count == school.teachers.filter(status="active").count() > 0


def test_every_city_has_schools_and_the_demo_county_about_25(demo_world):
    for city in Region.objects.filter(level="city").exclude(code="3590"):
        assert School.objects.filter(path__startswith=city.path + "/").exists(), city.name
    assert School.objects.filter(county__code="350102").count() == 25


def test_every_demo_account_logs_in_with_the_demo_password(demo_world, demo_passwords, client):
    for account in demo_accounts():
        assert client.login(username=account.phone, password=DEMO_PASSWORD), account.phone
        client.logout()


def test_demo_accounts_hold_their_role_at_their_node(demo_world):
    for account in demo_accounts():
        user = User.objects.get(phone=account.phone)
        assignment = user.role_assignments.get(role=account.role)
        assert assignment.node.code == account.node_code
    college = Organization.objects.get(code="TC350102")
    assert (college.name, college.kind, college.region.code) == ("福州市鼓楼区教师进修学校", "teacher_college", "350102")
    assert Organization.objects.filter(kind="teacher_college").count() >= 10
    assert Organization.objects.filter(kind="institution").count() >= 3


def test_the_demo_teacher_is_a_seeded_teacher_of_the_demo_school(demo_world):
    teacher = Teacher.objects.get(user__phone="13800000008")
    assert teacher.school.code == DEMO_SCHOOL_CODE
    assert teacher.phone == "13800000008"
    assert User.objects.get(phone="13800000008").name == teacher.name


def test_the_other_county_office_sees_nothing_of_the_demo_county(demo_world):
    outsider = User.objects.get(phone="13800000012")
    gulou = Teacher.objects.filter(org_path__startswith="35/3501/350102/").first()

    visible = scope_filter(Teacher.objects.all(), outsider, Cap.TEACHERS_VIEW)

    assert visible.exists()
    assert not visible.filter(org_path__startswith="35/3501/").exists()
    with pytest.raises(Http404):
        get_object_for_user(outsider, Teacher, Cap.TEACHERS_VIEW, pk=gulou.pk)
    with pytest.raises(Http404):
        get_object_for_user(outsider, School, Cap.ORGS_VIEW, code=DEMO_SCHOOL_CODE)


def test_the_county_office_sees_exactly_its_countys_teachers(demo_world):
    officer = User.objects.get(phone="13800000003")

    visible = scope_filter(Teacher.objects.all(), officer, Cap.TEACHERS_VIEW)

    assert visible.count() == Teacher.objects.filter(school__county__code="350102").count() > 0


def test_seeding_twice_is_refused_with_a_clear_message(demo_world):
    teachers = Teacher.objects.count()
    with translation.override("en"), pytest.raises(SeedError, match="already has schools or teachers"):
        seed_run(scale="demo")
    assert Teacher.objects.count() == teachers


def scan(client: Client, start: list[str], *, limit: int) -> tuple[list[str], int]:
    problems, pages = [], 0
    for url, status, html in crawl(client, start, limit=limit, per_route=1, skip=SKIP):
        pages += 1
        if status >= 500:
            problems.append(f"{url}: {status}")
        for f in findings(visible_text(html), allowed=ALLOWED):
            if any(url.startswith(prefix) and f.rule == rule for prefix, rule in ALLOWED_ON):
                continue
            problems.append(f"{url}: {f.rule} {f.text!r} in “{f.line}”")
    return problems, pages


def test_the_demo_school_shows_an_approved_plan_evidence_and_graded_results(demo_world):
    # The school-based practice the demo school's teachers and assessors open on (practice/seed.py),
    # read from the demo itself rather than from a second seed of the practice step.
    from tisheng.ledger.models import LedgerEntry
    from tisheng.practice.models import PointResult, SchoolPlan, Submission

    school = School.objects.get(code=DEMO_SCHOOL_CODE)
    assert SchoolPlan.objects.filter(school=school, status="approved").exists()
    submissions = Submission.objects.filter(teacher__school=school)
    assert submissions.filter(kind="video").exists()
    assert submissions.exclude(text="").exists()
    assert PointResult.objects.filter(teacher__school=school, result="excellent", recommended=True).exists()
    assert LedgerEntry.objects.filter(teacher__school=school, source_kind="micro_ability").exists()


@override_settings(ALLOWED_HOSTS=["*"])
def test_no_page_of_any_role_shows_codes_or_untranslated_english(demo_world, demo_passwords):
    problems, pages = [], 0
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    found, n = scan(anonymous, plain_routes(), limit=30)
    problems += [f"(anonymous) {p}" for p in found]
    pages += n
    for phone in DEMO_ACCOUNTS:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
        assert client.login(username=phone, password=DEMO_PASSWORD), phone
        found, n = scan(client, ["/", *plain_routes()], limit=90)
        problems += [f"({phone}) {p}" for p in found]
        pages += n

    assert pages > 200  # the walk really reached the roles' pages
    assert problems == [], "\n".join(sorted(set(problems)))

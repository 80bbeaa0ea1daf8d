"""Three-role separation (等保三级): the security admin manages accounts and cannot read the
audit log; the audit admin reads the log and cannot change accounts; neither reaches training
data. Every GET route of the site is requested as each of them (routes enumerated as
scripts/scope_matrix.py does, parameters filled with the ids and codes of the world's county-A
objects); a route either is public (an anonymous visitor gets the same 2xx), is one of the
few pages the role has, or answers 403/404 (or sends them to log in)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tisheng.accounts.models import RoleAssignment
from tisheng.people.tests.factories import UserFactory

# Pages every signed-in person has (their home, their notifications, their own password).
EVERYONE = ("", "notifications/", "accounts/password", "i18n/")
OWN_PAGES = {
    "security_admin": ("accounts/admin/", "orgs/tree/"),  # accounts, and the org tree to place them
    "audit_admin": ("accounts/audit/",),
}


def _routes() -> list[str]:
    out: list[str] = []

    def walk(patterns, prefix: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                out.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return [r for r in out if not r.startswith(("static/", "media/", "^static", "^media")) and "logout" not in r]


def _fill(route: str, world, program) -> str:
    ints = {"teacher": world.teacher.pk, "school": world.school_a.pk, "program": program.pk}

    def value(match: re.Match) -> str:
        conv, name = match.group(1) or "str", match.group(2)
        if conv == "int":
            for key, pk in ints.items():
                if key in name:
                    return str(pk)
            return str(world.teacher.pk)
        if name in ("table",):
            return "teachers"
        if name in ("fmt",):
            return "pdf"
        if name in ("action",):
            return "rotate"
        return world.school_a.code

    url = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return "/" + url.replace("^", "").replace("$", "")


@pytest.fixture
def admins(world):
    security = UserFactory(name="安全员", phone="13700000098")
    RoleAssignment.objects.create(user=security, role="security_admin", region=world.province)
    auditor = UserFactory(name="审计员", phone="13700000099")
    RoleAssignment.objects.create(user=auditor, role="audit_admin", region=world.province)
    return {"security_admin": security, "audit_admin": auditor}


@pytest.mark.parametrize("role", ["security_admin", "audit_admin"])
def test_each_separated_admin_reaches_only_their_own_pages(client, world, admins, program_2, role):
    from django.test import Client

    anonymous = Client()
    client.force_login(admins[role])
    allowed = EVERYONE + OWN_PAGES[role]
    reached = []
    for route in _routes():
        url = _fill(route, world, program_2)
        response = client.get(url)
        if response.status_code < 300 and not url.lstrip("/").startswith(allowed):
            if anonymous.get(url).status_code < 300:
                continue  # public: the verify page, the LRS's about, the login page
            reached.append(url)
        elif 300 <= response.status_code < 400:
            assert "/accounts/login/" in response.get("Location", "") or url.lstrip("/").startswith(allowed) \
                or anonymous.get(url).status_code < 400, url
    assert reached == []


def test_the_security_admin_cannot_read_the_audit_log_and_the_audit_admin_cannot_manage_accounts(
        client, world, admins):
    client.force_login(admins["security_admin"])
    assert client.get("/accounts/audit/").status_code == 404
    assert client.get("/accounts/audit/export.xlsx").status_code == 404
    client.force_login(admins["audit_admin"])
    assert client.get("/accounts/admin/").status_code == 404
    response = client.post("/accounts/admin/new/", {"name": "x", "phone": "13911117777", "role": "province_office",
                                                    "node": "35"})
    assert response.status_code == 404
    response = client.post(f"/accounts/admin/{world.county_officer.pk}/deactivate")
    assert response.status_code == 404
    world.county_officer.refresh_from_db()
    assert world.county_officer.is_active

"""Words for people, not developers (issue 13 item 9): no page of any role shows an internal
code, a tool word or English left untranslated.

Seeds the demo province once for the module (`tisheng seed --scale demo`, inside a transaction
rolled back at the end, about a minute), then signs in as every demo account and walks its pages
by their links (tisheng.core.words_scan.crawl: one page per route, 60 per account), in Chinese,
scanning the visible text of each. Anything it reports is fixed in the page or, if it is a real
thing that only looks like a code, allowed below with the reason.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import translation

from tisheng.core.words_scan import crawl, findings, plain_routes, visible_text

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "Demo@2026"
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
def demo_province(django_db_setup, django_db_blocker):
    from tisheng.core.seed.run import seed_run

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast), translation.override("en"),
          transaction.atomic()):
        seed_run(scale="demo")
        if connection.vendor == "postgresql":
            # The seed's own VACUUM ANALYZE is skipped inside a transaction; without statistics the
            # planner takes the freshly filled tables for empty and the learning monitor's
            # per-teacher subqueries ran for many minutes.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        yield
        transaction.set_rollback(True)


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


@override_settings(ALLOWED_HOSTS=["*"])
def test_no_page_of_any_role_shows_codes_or_untranslated_english(demo_province):
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

"""What every request pays before and around its view (issue 16): a page asks for the user's roles
once, however many places on the page show them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _role_lookups(ctx) -> list[str]:
    """Queries reading role assignments, through the ORM (quoted table name) or hand-written SQL."""
    return [q["sql"] for q in ctx.captured_queries
            if re.search(r'FROM "?accounts_roleassignment"?\s', q["sql"].split(" WHERE")[0])]


def test_a_page_asks_for_the_users_roles_once_and_still_shows_them_in_the_header(client, world):
    """The header's "role · where" line and the menu's and the page's scope came from two copies of the
    same query on every page."""
    client.force_login(world.principal)
    client.get(reverse("notifications:list"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("notifications:list")).content.decode()
    assert len(_role_lookups(ctx)) == 1, "\n".join(_role_lookups(ctx))
    assert page.count(f" · {world.school_a.name}") == 2  # a teacher and the school's administrator there

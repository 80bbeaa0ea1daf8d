import re

from django.urls import reverse


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def count(page: str, key: str) -> int | None:
    """The number an item shows (0 for a quiet "全部完成" item), None when it is not there."""
    m = re.search(rf'data-testid="todo-{re.escape(key)}-count" data-count="(\d+)"', page)
    return int(m.group(1)) if m else None


def section(page: str, role: str) -> str:
    """The HTML of one role's section ("" when the page has none)."""
    m = re.search(rf'<section class="card home-section" data-testid="section-{role}">(.*?)</section>', page, re.S)
    return m.group(1) if m else ""

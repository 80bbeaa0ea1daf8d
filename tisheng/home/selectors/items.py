"""The shapes a home page is made of: a section per role the user holds, each a list of items.

An item is a count or a line that links to the page where the work is done. A count of zero
stays on the page in a quiet form ("全部完成" style) so that people learn where to look; it
is never dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass
class Item:
    label: str  # what the count counts, or the line itself
    url: str = ""
    count: int | None = None  # None: a line, not a count
    detail: str = ""  # a second line (a reason, a deadline, a bulletin's title)
    done: str = ""  # shown instead of the count when it is zero
    warn: bool = False  # a count that needs attention soon (returned work, a deadline)
    key: str = ""  # a stable name for tests and the browser (data-testid)

    @property
    def is_done(self) -> bool:
        return self.count == 0


@dataclass
class Section:
    role: str
    title: str  # the role's name
    node: str  # where the role is held
    items: list[Item] = field(default_factory=list)
    programs: list = field(default_factory=list)  # the teacher's program cards
    note: str = ""


def url_or_blank(name: str, *args, query: str = "") -> str:
    """A page's address, or "" when the page is not there (a feature another app has not
    shipped yet): the item then shows without a link instead of breaking the home page."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url

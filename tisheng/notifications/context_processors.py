"""The unread count in the header of every page: one bounded COUNT, run only when a template
actually prints it (a page without the header, or an anonymous visitor, costs nothing)."""

from django.utils.functional import SimpleLazyObject

from tisheng.notifications.selectors import BADGE_CAP, unread_count


def _label(n: int) -> str:
    return f"{BADGE_CAP - 1}+" if n >= BADGE_CAP else str(n)


class _Unread:
    def __init__(self, user) -> None:
        self.count = unread_count(user, cap=BADGE_CAP)
        self.label = _label(self.count)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return self.label


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: _Unread(user))}

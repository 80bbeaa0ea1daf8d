"""Template filters of the player's pages."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def duration_text(seconds: int) -> str:
    """A lesson's length as people say it: 12 秒, 45 分钟, 2 小时 30 分钟."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return pgettext("duration", "%(s)s s") % {"s": seconds}
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return pgettext("duration", "%(m)s min") % {"m": minutes}
    if not minutes:
        return pgettext("duration", "%(h)s h") % {"h": hours}
    return pgettext("duration", "%(h)s h %(m)s min") % {"h": hours, "m": minutes}

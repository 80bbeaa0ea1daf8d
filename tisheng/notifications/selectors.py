"""Reads of a person's own notifications. Nobody reads another's: every query starts from the
recipient, and a notification of someone else is simply not found (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tisheng.notifications.models import Notification, NotificationSettings

# The header shows up to this many unread and "99+" beyond: counting stops there, so the query
# on every page costs the same for someone with 5 unread and someone with 50,000.
BADGE_CAP = 100


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user, *, cap: int | None = None) -> int:
    """Unread notifications of the user: one COUNT over the (recipient, read_at) index,
    bounded by `cap` when given."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if cap is not None:
        qs = qs.values("pk")[:cap]
    return qs.count()


def get_notification_for_user(user, pk: int) -> Notification:
    """The user's own notification, or 404 (whether it does not exist or is someone else's)."""
    return get_object_or_404(Notification, pk=pk, recipient=user)


def sms_muted(user) -> bool:
    return NotificationSettings.objects.filter(user=user, sms_muted=True).exists()

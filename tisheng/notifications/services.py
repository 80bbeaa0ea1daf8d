"""Telling people what happened: the ONE way every app notifies someone.

    notify(teacher, kind=Kind.DECLARATION_APPROVED, title=..., body=..., url=...)
    notify_many([Message(to=teacher, kind=..., title=..., body=..., url=...), ...])

`to` is a user, or a teacher record (anything with `user_id`, `user` and `phone`). Each
message goes
- in-app: always, when the person has an account (a row in their inbox, one bulk INSERT for
  all the messages of a call);
- by SMS through `get_sms_backend()`: when a phone is known and the person has not muted SMS
  (one query for the mute settings of a whole call);
- by email: when an address is known (neither users nor teachers hold one yet; a province that
  adds an `email` field gets emails without a change here).
SMS are queued in the deciding transaction and leave after it commits (a decision rolled back
tells no one): a few at once, a large batch through the periodic sender, retried when the
gateway fails (notifications/outbox.py). Email leaves after the commit, all of a call's in one
callback. Every row records the channels that carried it; an SMS the gateway never took, or an
email the server refused, is taken off its row again. So a county's batch of 5,000
certificates costs 2 statements per chunk, not 5,000 round trips.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from tisheng.accounts.services import audit
from tisheng.notifications.models import Channel, Kind, Notification, NotificationSettings
from tisheng.notifications.outbox import sms_queue

logger = logging.getLogger("tisheng.notifications")

# An SMS is kept short: the whole story is on the notifications page.
SMS_MAX_CHARS = 200
SMS_MORE = "…（详见平台“我的通知”）"
CHUNK = 500  # ids per IN (…) when reading the mute settings of a large batch


@dataclass
class Message:
    to: Any  # a User, or a Teacher (with its user loaded when its own phone is empty)
    kind: str
    title: str
    body: str
    url: str = ""


@dataclass
class Delivery:
    """What became of one message: its inbox row (None without an account) and the channels."""

    notification: Notification | None
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Address:
    user_id: int | None
    phone: str
    email: str


def email_for(to: Any) -> str:
    """The person's email address, if their record or account has one. (Neither model holds an
    email field yet; a province that adds one gets emails without a change here.)"""
    user = to if isinstance(to, get_user_model()) else (to.user if getattr(to, "user_id", None) else None)
    return getattr(to, "email", "") or getattr(user, "email", "") or ""


def _address(to: Any) -> _Address:
    if isinstance(to, get_user_model()):
        return _Address(to.pk, to.phone or "", email_for(to))
    user_id = getattr(to, "user_id", None)
    phone = getattr(to, "phone", "") or (to.user.phone if user_id else "") or ""
    return _Address(user_id, phone, email_for(to))


def _muted(user_ids: Sequence[int]) -> set[int]:
    ids = sorted(set(user_ids))
    muted: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        muted.update(NotificationSettings.objects.filter(user_id__in=ids[start:start + CHUNK], sms_muted=True)
                     .values_list("user_id", flat=True))
    return muted


def sms_text(title: str, body: str) -> str:
    text = f"{title}：{body}".replace("\n", " ")
    return text if len(text) <= SMS_MAX_CHARS else text[:SMS_MAX_CHARS - len(SMS_MORE)] + SMS_MORE


def notify_many(messages: Iterable[Message]) -> list[Delivery]:
    """Send each message on every channel its person can be reached on; one Delivery per
    message, in order. Call it inside the transaction that made the decision."""
    messages = list(messages)
    if not messages:
        return []
    addresses = [_address(m.to) for m in messages]
    muted = _muted([a.user_id for a in addresses if a.user_id and a.phone])
    now = timezone.now()
    deliveries: list[Delivery] = []
    rows: list[Notification] = []
    outgoing_sms: list[tuple[Delivery, str, str]] = []  # (delivery, phone, text)
    outgoing_mail: list[tuple[Delivery, EmailMessage]] = []
    for message, address in zip(messages, addresses, strict=True):
        delivery = Delivery(None)
        if address.user_id:
            delivery.channels.append(Channel.IN_APP.value)
        if address.phone and address.user_id not in muted:
            delivery.channels.append(Channel.SMS.value)
            outgoing_sms.append((delivery, address.phone, sms_text(message.title, message.body)))
        if address.email:
            delivery.channels.append(Channel.EMAIL.value)
            outgoing_mail.append((delivery, EmailMessage(message.title, message.body, settings.DEFAULT_FROM_EMAIL,
                                                         [address.email])))
        if address.user_id:
            delivery.notification = Notification(
                recipient_id=address.user_id, kind=message.kind, title=message.title[:128], body=message.body,
                url=message.url[:255], channels=list(delivery.channels), created_at=now)
            rows.append(delivery.notification)
        deliveries.append(delivery)
    Notification.objects.bulk_create(rows, batch_size=CHUNK)
    sms_queue([(phone, text, delivery.notification) for delivery, phone, text in outgoing_sms])
    if outgoing_mail:
        transaction.on_commit(lambda: _send_mail(outgoing_mail))
    return deliveries


def notify(to: Any, kind: str, title: str, body: str, url: str = "") -> Delivery:
    """Tell one person (a user or a teacher) what happened: see the module docstring."""
    return notify_many([Message(to=to, kind=kind, title=title, body=body, url=url)])[0]


def _send_mail(mail: list[tuple[Delivery, EmailMessage]]) -> None:
    """After commit: hand the emails to the mail server. A failure is logged and its channel
    taken off the row; it never undoes the decision."""
    failed: list[tuple[Delivery, str]] = []
    if mail:
        connection = get_connection(fail_silently=False)
        for delivery, email in mail:
            email.connection = connection
            try:
                email.send()
            except Exception:
                logger.exception("email failed")
                failed.append((delivery, Channel.EMAIL.value))
    for delivery, channel in failed:
        if channel in delivery.channels:
            delivery.channels.remove(channel)
        if delivery.notification is not None and delivery.notification.pk:
            Notification.objects.filter(pk=delivery.notification.pk).update(channels=list(delivery.channels))


def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (the caller fetched it for the user)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; how many there were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_settings_update(*, user, sms_muted: bool) -> NotificationSettings:
    with transaction.atomic():
        row, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        changed = row.sms_muted != bool(sms_muted)
        row.sms_muted, row.updated_at = bool(sms_muted), timezone.now()
        row.save()
        if changed:
            audit(actor=user, action="notification_settings", obj=user, sms_muted=row.sms_muted)
    return row


__all__ = ["Delivery", "Kind", "Message", "notification_mark_read", "notification_settings_update", "notify",
           "notify_many", "notifications_mark_all_read", "sms_text"]

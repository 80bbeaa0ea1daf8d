"""SMS leave through an outbox table, not straight from the deciding request.

`sms_queue` writes one SmsOutbox row per message inside the deciding transaction. After the
commit, a small batch (at most SMS_INLINE_MAX, e.g. one approval) is handed to the gateway at
once, so the person is told within seconds; a large one (a county's 5,000 certificates) is left to
`sms_send_pending`, which `tisheng run-periodic` calls every minute. Either way:

- nothing is lost if the process dies between the commit and the gateway: a row sent inline is
  queued with a short grace (INLINE_GRACE) and picked up by the periodic sender when still
  pending after it;
- a gateway that refuses or fails is tried again after 1, 5, 30 and 120 minutes; after
  SMS_MAX_ATTEMPTS the row is marked failed and the SMS channel comes off the notification
  (the in-app one stays, so the person is still told);
- two senders (two app nodes, or the inline send and the periodic one) never send a row twice:
  a sender claims rows by moving their next_attempt_at forward under a row lock (SKIP LOCKED on
  PostgreSQL) before it calls the gateway, and calls it outside any transaction;
- phone numbers do not stay: sent and failed rows older than SMS_OUTBOX_RETENTION_DAYS are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tisheng.notifications.models import Channel, Notification, SmsOutbox, SmsStatus
from tisheng.notifications.sms import get_sms_backend

logger = logging.getLogger("tisheng.notifications")

INLINE_GRACE = dt.timedelta(minutes=2)  # before the periodic sender takes over an inline row
CLAIM = dt.timedelta(minutes=5)  # how long a sender holds the rows it is sending
BACKOFF_MINUTES = (1, 5, 30, 120)
BATCH = 200


def _inline_max() -> int:
    return int(getattr(settings, "SMS_INLINE_MAX", 20))


def _max_attempts() -> int:
    return int(getattr(settings, "SMS_MAX_ATTEMPTS", 5))


def sms_queue(items: Sequence[tuple[str, str, Notification | None]]) -> list[SmsOutbox]:
    """Queue (phone, text, notification) messages in the caller's transaction; see the module
    docstring for when they leave."""
    if not items:
        return []
    now = timezone.now()
    inline = len(items) <= _inline_max()
    rows = SmsOutbox.objects.bulk_create(
        [SmsOutbox(phone=phone[:32], text=text[:255], notification=notification, created_at=now,
                   next_attempt_at=now + INLINE_GRACE if inline else now)
         for phone, text, notification in items], batch_size=500)
    if inline:
        ids = [r.pk for r in rows]
        transaction.on_commit(lambda: _send_claimed(_claim(ids=ids)))
    return rows


def _claim(*, ids: Sequence[int] | None = None, limit: int = BATCH) -> list[SmsOutbox]:
    """Take rows to send: the given pending ones, or up to `limit` due ones, pushing their
    next_attempt_at forward so no other sender takes them meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        pending = SmsOutbox.objects.filter(status=SmsStatus.PENDING)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        else:
            pending = pending.filter(next_attempt_at__lte=now).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        rows = list(pending[:limit] if ids is None else pending)
        if rows:
            SmsOutbox.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + CLAIM,
                                                                         attempts=F("attempts") + 1)
    for r in rows:
        r.attempts += 1
    return rows


def _send_claimed(rows: list[SmsOutbox]) -> int:
    """Hand the claimed rows to the gateway (no transaction is open) and record each outcome."""
    if not rows:
        return 0
    backend = get_sms_backend()
    sent: list[int] = []
    retry: dict[int, list[int]] = {}
    failed: list[SmsOutbox] = []
    for row in rows:
        try:
            accepted = backend.send(row.phone, row.text)
        except Exception:  # a gateway outage must not stop the other messages
            logger.exception("sms gateway failed")
            accepted = False
        if accepted:
            sent.append(row.pk)
        elif row.attempts >= _max_attempts():
            failed.append(row)
        else:
            minutes = BACKOFF_MINUTES[min(row.attempts - 1, len(BACKOFF_MINUTES) - 1)]
            retry.setdefault(minutes, []).append(row.pk)
    now = timezone.now()
    SmsOutbox.objects.filter(pk__in=sent).update(status=SmsStatus.SENT, done_at=now)
    for minutes, ids in retry.items():
        SmsOutbox.objects.filter(pk__in=ids).update(next_attempt_at=now + dt.timedelta(minutes=minutes))
    if failed:
        SmsOutbox.objects.filter(pk__in=[r.pk for r in failed]).update(status=SmsStatus.FAILED, done_at=now)
        _sms_channel_off([r.notification_id for r in failed if r.notification_id])
    return len(sent)


def _sms_channel_off(notification_ids: list[int]) -> None:
    for notification in Notification.objects.filter(pk__in=notification_ids).only("pk", "channels"):
        channels = [c for c in notification.channels if c != Channel.SMS.value]
        Notification.objects.filter(pk=notification.pk).update(channels=channels)


def sms_send_pending(*, seconds: float = 40.0) -> int:
    """For run-periodic: send due rows in batches for at most about `seconds` (the next minute's
    run goes on), then delete old finished rows; how many were sent."""
    started, sent = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        rows = _claim()
        if not rows:
            break
        sent += _send_claimed(rows)
    sms_outbox_purge()
    return sent


def sms_outbox_purge(now: dt.datetime | None = None) -> int:
    days = int(getattr(settings, "SMS_OUTBOX_RETENTION_DAYS", 30))
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = SmsOutbox.objects.filter(done_at__lt=cutoff).exclude(status=SmsStatus.PENDING).delete()
    return deleted

"""Notifications' periodic work: the SMS outbox's due messages (large batches, retries, and any
left behind by a process that stopped) go to the gateway, and old finished rows are deleted."""

from tisheng.jobs.periodic import register
from tisheng.notifications.outbox import sms_send_pending

register("sms_sent", sms_send_pending, before_jobs=True)

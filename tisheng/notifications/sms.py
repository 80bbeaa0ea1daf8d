"""The SMS gateway interface. A province plugs its provider in by naming a class in the
TISHENG_SMS_BACKEND setting; the default only logs, so nothing leaves the machine."""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "tisheng.notifications.sms.LoggingSmsBackend"
# The default backend remembers this many of the latest messages (for tests and the demo); the
# log is the record. A process that runs for months must not grow with every reminder sent.
KEEP_LAST = 100
logger = logging.getLogger("tisheng.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> bool:
        """Send one message; whether the gateway accepted it."""
        ...


class LoggingSmsBackend:
    """Writes each message to the `tisheng.sms` log and keeps the last KEEP_LAST in `sent`
    (for tests and the demo)."""

    sent: deque[tuple[str, str]] = deque(maxlen=KEEP_LAST)

    def send(self, phone: str, text: str) -> bool:
        logger.info("sms to %s: %s", phone, text)
        LoggingSmsBackend.sent.append((phone, text))
        return True


def get_sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND)()

"""How often one client may look certificates up on the public verify page.

    retry_after = verify_throttle(request)   # None: go ahead; else the seconds to wait

One upsert per lookup on a one-row-per-client table (fixed one-minute windows, the same scheme
as the LRS's per-credential limit in integration/auth.py), so every worker process of every
server shares the count. A client is an IPv4 address or an IPv6 /64, behind the trusted
proxies, as the login throttle counts it (`tisheng.core.clientip`). Call it in autocommit (views are not ATOMIC_REQUESTS).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from tisheng.certificates.models import VerifyRateWindow
from tisheng.core.clientip import client_ip
from tisheng.core.clientip import client_network as core_client_network

WINDOW_SECONDS = 60

_UPSERT = (
    "INSERT INTO {t} (client, bucket, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (client) DO UPDATE SET "
    "hits = CASE WHEN {t}.bucket = excluded.bucket THEN {t}.hits + 1 ELSE 1 END, "
    "bucket = excluded.bucket RETURNING hits"
)


def client_network(request: HttpRequest) -> str:
    """The address the limit counts against (see the module docstring)."""
    return core_client_network(client_ip(request)) or "unknown"


def verify_throttle(request: HttpRequest) -> int | None:
    """Count one lookup against the client; the seconds for Retry-After when it is over
    VERIFY_RATE_PER_MINUTE (0: no limit), else None."""
    limit = settings.VERIFY_RATE_PER_MINUTE
    if not limit:
        return None
    now = time.time()
    bucket = int(now // WINDOW_SECONDS)
    table = connection.ops.quote_name(VerifyRateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(t=table), [client_network(request), bucket])
        (hits,) = cursor.fetchone()
    if hits == 1:
        # This client opened a new window: forget the clients that have been quiet since the
        # last one (one indexed DELETE a client a minute keeps the table at a minute's clients).
        VerifyRateWindow.objects.filter(bucket__lt=bucket).delete()
    if hits <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * WINDOW_SECONDS - now))

"""Leases in the database: `lease_acquire("periodic", holder, seconds)` is true for exactly one
holder at a time, across processes and app nodes, until it expires or is released. A holder
that dies simply lets its lease run out, so another takes over within `seconds`."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tisheng.jobs.models import Lease

# This process's name as a holder: host, pid and a random part (a pid is reused after restart).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_acquire(name: str, *, holder: str = HOLDER, seconds: float) -> bool:
    """Take or renew the lease; whether this holder has it now."""
    now = timezone.now()
    expires = now + dt.timedelta(seconds=seconds)
    taken = (Lease.objects.filter(name=name).filter(Q(expires_at__lte=now) | Q(holder=holder))
             .update(holder=holder, expires_at=expires))
    if taken:
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=expires)
    except IntegrityError:  # someone else holds it (or created it a moment ago)
        return False
    return True


def lease_release(name: str, *, holder: str = HOLDER) -> None:
    Lease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())


def lease_holder(name: str) -> str | None:
    """Who holds the lease now, if anyone."""
    lease = Lease.objects.filter(name=name, expires_at__gt=timezone.now()).first()
    return lease.holder if lease else None

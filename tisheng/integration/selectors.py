"""Reads for the integration app: platform ids, rosters and outcomes for an institution."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from tisheng.people.models import Teacher


def _check(pk: int) -> str:
    # Keyed by ID_HASH_KEY (stable for the life of the data; SECRET_KEY may be rotated).
    return hmac.new(("platform-id:" + settings.ID_HASH_KEY).encode(), str(pk).encode(),
                    hashlib.sha256).hexdigest()[:6]


def platform_id(teacher: Teacher | int) -> str:
    """The teacher's id towards institutions (xAPI account name, roster, OpenID `sub`):
    "t<pk>-<6 hex check>". Stable, says nothing about the person (not the national ID), and
    the check makes guessed or mistyped ids fail instead of landing on another teacher."""
    pk = teacher if isinstance(teacher, int) else teacher.pk
    return f"t{pk}-{_check(pk)}"


def parse_platform_id(value: str) -> int | None:
    """The teacher pk a platform id names, or None when it is not a valid one (no query)."""
    if not isinstance(value, str) or not value.startswith("t"):
        return None
    number, _sep, check = value[1:].partition("-")
    if not number.isdigit() or len(number) > 18:
        return None
    pk = int(number)
    return pk if hmac.compare_digest(check, _check(pk)) else None


def teachers_by_platform_id(ids: list[str] | set[str]) -> dict[str, Teacher]:
    """Teachers by platform id, for those ids that name one (one query)."""
    pks = {pid: pk for pid in ids if (pk := parse_platform_id(pid)) is not None}
    if not pks:
        return {}
    teachers = Teacher.objects.in_bulk(set(pks.values()))
    return {pid: teachers[pk] for pid, pk in pks.items() if pk in teachers}

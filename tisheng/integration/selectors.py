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


# Institutions' reads (the integration API) -------------------------------------------------


def contracted_q(institution_id: int, field: str = "org_path"):
    """Q over enrollments (program + `field`) in the regions the institution is contracted for,
    per program (one query for the contracts)."""
    from django.db.models import Q

    from tisheng.learning.models import Contract
    from tisheng.orgs.scope import NOTHING

    q = NOTHING
    for program_id, path in Contract.objects.filter(institution_id=institution_id).values_list(
            "program_id", "region_path"):
        q |= Q(program_id=program_id) & (Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"}))
    return q


def roster_for_institution(institution_id: int, *, program_code: str = "", since=None, after: int = 0):
    """Enrollments of teachers in the institution's contracted regions, per program, in id order
    (keyset paging on `after`); `since`: only those whose teacher or enrollment changed since."""
    from django.db.models import Q

    from tisheng.programs.models import Enrollment

    qs = Enrollment.objects.filter(contracted_q(institution_id)).select_related("teacher", "school", "program")
    if program_code:
        qs = qs.filter(program__code=program_code)
    if since is not None:
        qs = qs.filter(Q(updated_at__gte=since) | Q(teacher__updated_at__gte=since))
    return qs.filter(pk__gt=after).order_by("pk")


def outcomes_for_institution(institution_id: int, *, since=None, after: int = 0, rejected_only: bool = True):
    from tisheng.integration.models import StatementOutcome

    qs = StatementOutcome.objects.filter(institution_id=institution_id)
    if rejected_only:
        qs = qs.exclude(reason="")
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return qs.filter(pk__gt=after).order_by("pk")

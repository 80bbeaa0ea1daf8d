"""Reads for the integration app: platform ids, rosters and outcomes for an institution."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from tisheng.accounts.models import User
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


def user_by_platform_id(value: str) -> User | None:
    """The account of the teacher a platform id names (its check digits make a guessed or
    mistyped id match nobody), or None."""
    pk = parse_platform_id(value)
    return User.objects.filter(teacher__pk=pk).first() if pk else None


def teachers_by_platform_id(ids: list[str] | set[str]) -> dict[str, Teacher]:
    """Teachers by platform id, for those ids that name one (one query)."""
    pks = {pid: pk for pid in ids if (pk := parse_platform_id(pid)) is not None}
    if not pks:
        return {}
    teachers = Teacher.objects.in_bulk(set(pks.values()))
    return {pid: teachers[pk] for pid, pk in pks.items() if pk in teachers}


# Institutions' reads (the integration API) -------------------------------------------------


class ContractMap:
    """Who serves where, by the catalogue's rule (learning.selectors.contracted_institutions_for):
    for a teacher at `org_path` in a program, the contracts at the deepest region above them that
    has any decide (a city's or county's choice replaces the province's selection for its area,
    as in the Fujian notice). Built from one query over the programs' contracts (a few hundred
    rows for a whole province)."""

    def __init__(self, program_ids) -> None:
        """`program_ids`: ids, or a values() queryset (then it is a subquery: still one query)."""
        from django.db.models import QuerySet

        from tisheng.learning.models import Contract

        if not isinstance(program_ids, QuerySet):
            program_ids = list(program_ids)
        self.by_path: dict[tuple[int, str], set[int]] = {}
        for program_id, path, institution_id in Contract.objects.filter(program_id__in=program_ids).values_list(
                "program_id", "region_path", "institution_id"):
            self.by_path.setdefault((program_id, path), set()).add(institution_id)

    def serving(self, program_id: int, org_path: str) -> set[int]:
        """The institutions serving a place in a program (empty when none is contracted above it)."""
        parts = org_path.split("/")
        for n in range(len(parts), 0, -1):
            found = self.by_path.get((program_id, "/".join(parts[:n])))
            if found:
                return found
        return set()

    def serves(self, institution_id: int, program_id: int, org_path: str) -> bool:
        return institution_id in self.serving(program_id, org_path)

    def q(self, institution_id: int, field: str = "org_path"):
        """Q over rows with `program` and `field` (enrollments) that the institution serves: under
        each of its contract regions, minus the deeper regions where any contract decides."""
        from django.db.models import Q

        from tisheng.orgs.scope import NOTHING

        def under(path: str) -> Q:
            return Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})

        q = NOTHING
        for (program_id, path), institutions in sorted(self.by_path.items()):
            if institution_id not in institutions:
                continue
            where = under(path)
            for (other_program, deeper) in self.by_path:
                if other_program == program_id and deeper.startswith(path + "/"):
                    where &= ~under(deeper)
            q |= Q(program_id=program_id) & where
        return q


def contracted_q(institution_id: int, field: str = "org_path"):
    """Q over enrollments (program + `field`) the institution serves (ContractMap's rule): one
    query for the contracts of the institution's programs."""
    from tisheng.learning.models import Contract

    programs = Contract.objects.filter(institution_id=institution_id).values("program_id")
    return ContractMap(programs).q(institution_id, field)


def roster_for_institution(institution_id: int, *, program_code: str = "", since=None, after: int = 0):
    """Enrollments of teachers in the institution's contracted regions, per program, in id order
    (keyset paging on `after`); `since`: only those whose teacher or enrollment changed since."""
    from django.db.models import Q

    from tisheng.programs.models import Enrollment

    qs = Enrollment.objects.filter(contracted_q(institution_id))
    if program_code:
        qs = qs.filter(program__code=program_code)
    if since is not None:
        qs = qs.filter(Q(updated_at__gte=since) | Q(teacher__updated_at__gte=since))
    return qs.filter(pk__gt=after).order_by("pk")


ROSTER_FIELDS = ("pk", "state", "updated_at", "teacher_id", "teacher__name", "teacher__id_encrypted",
                 "teacher__stage", "teacher__subject", "teacher__status", "teacher__updated_at", "school__code",
                 "school__name", "program__code")


def roster_rows(institution_id: int, *, program_code: str = "", since=None, after: int = 0, limit: int = 200):
    """One page of the roster as plain rows (no model instances: a page is read often and in
    bulk), with the platform id and the masked national ID; returns (rows, next_after)."""
    from tisheng.core import crypto, idcard

    raw = list(roster_for_institution(institution_id, program_code=program_code, since=since, after=after)
               .values(*ROSTER_FIELDS)[:limit + 1])
    more = len(raw) > limit
    raw = raw[:limit]
    rows = [{
        "platform_id": platform_id(r["teacher_id"]), "name": r["teacher__name"],
        "national_id_masked": idcard.mask(crypto.decrypt(r["teacher__id_encrypted"])),
        "school_code": r["school__code"], "school_name": r["school__name"], "stage": r["teacher__stage"],
        "subject": r["teacher__subject"], "status": r["teacher__status"], "program": r["program__code"],
        "enrollment_state": r["state"], "updated_at": max(r["updated_at"], r["teacher__updated_at"]),
    } for r in raw]
    return rows, (raw[-1]["pk"] if more else None)


def outcomes_for_institution(institution_id: int, *, since=None, after: int = 0, rejected_only: bool = True):
    from tisheng.integration.models import StatementOutcome

    qs = StatementOutcome.objects.filter(institution_id=institution_id)
    if rejected_only:
        qs = qs.exclude(reason="")
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return qs.filter(pk__gt=after).order_by("pk")


def institutions_serving(teacher: Teacher) -> set[int]:
    """Ids of the institutions serving the teacher in any program they are enrolled in (ContractMap's
    rule): the institutions that may know them. Two queries."""
    from tisheng.programs.models import Enrollment

    enrollments = list(Enrollment.objects.filter(teacher=teacher).values_list("program_id", "org_path"))
    contracts = ContractMap({p for p, _path in enrollments})
    return set().union(*(contracts.serving(p, path) for p, path in enrollments)) if enrollments else set()


# Top-level domains reserved so that no real site ever has them (RFC 2606, RFC 6761): a
# platform registered under one is a stand-in (the demo's), not a site a teacher can reach.
PLACEHOLDER_TLDS = ("example", "invalid")


def is_placeholder_url(url: str) -> bool:
    """Whether `url` names a host under a reserved top-level domain (lms.fjnu.example)."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return host.rsplit(".", 1)[-1] in PLACEHOLDER_TLDS

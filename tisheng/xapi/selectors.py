"""Reading statements: always for one institution, through the indexed columns.

Filters other than time and limit also match statements that target a matching statement by
a StatementRef (recursively, voiding statements included); voided statements are never in a
filtered result."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tisheng.xapi import keys
from tisheng.xapi.models import RelationKind, Statement, StatementRelation

MAX_LIMIT = 500
# How many levels of StatementRef chains are followed (each level is one query).
MAX_REF_DEPTH = 10


@dataclass
class StatementQuery:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 0
    ascending: bool = False
    # Paging cursor: the (stored, seq) of the last statement of the previous page.
    after: tuple[dt.datetime, int] | None = None


def _related_seqs(institution_id: int, kinds: list[int], key: uuid.UUID) -> list[int]:
    return list(StatementRelation.objects.filter(institution_id=institution_id, kind__in=kinds, key=key)
                .values_list("statement_id", flat=True))


def _match_q(institution_id: int, q: StatementQuery) -> Q | None:
    """The non-time filters as one Q (None: no such filter, everything matches)."""
    parts = []
    if q.agent is not None:
        key = keys.agent_key(q.agent)
        agent_q = Q(actor_key=key) | Q(object_agent_key=key)
        kinds = [RelationKind.MEMBER]
        if q.related_agents:
            agent_q |= Q(authority_key=key)
            kinds.append(RelationKind.AGENT)
        # Relation rows are rare (groups, instructors, sub-statements): fetch their statements'
        # seqs first, so the main query stays an OR of index scans.
        seqs = _related_seqs(institution_id, kinds, key)
        if seqs:
            agent_q |= Q(seq__in=seqs)
        parts.append(agent_q)
    if q.verb is not None:
        parts.append(Q(verb_key=keys.iri_key(q.verb)))
    if q.activity is not None:
        key = keys.iri_key(q.activity)
        activity_q = Q(activity_key=key)
        if q.related_activities:
            seqs = _related_seqs(institution_id, [RelationKind.ACTIVITY], key)
            if seqs:
                activity_q |= Q(seq__in=seqs)
        parts.append(activity_q)
    if q.registration is not None:
        parts.append(Q(registration=q.registration.lower()))
    if not parts:
        return None
    match = parts[0]
    for p in parts[1:]:
        match &= p
    return match


def _targeting_seqs(institution_id: int, match: Q) -> list[int]:
    """Statements whose StatementRef object targets a matching statement, at any depth."""
    base = Statement.objects.filter(institution_id=institution_id)
    if not base.filter(object_ref__isnull=False).exists():
        return []
    found: list[int] = []
    # The first level joins in the database (the matching set can be large); the chains that
    # follow are short lists.
    rows = list(base.filter(object_ref__in=base.filter(match).values("statement_id"))
                .values_list("seq", "statement_id"))
    seen: set = set()
    for _depth in range(MAX_REF_DEPTH):
        fresh = [(seq, sid) for seq, sid in rows if sid not in seen]
        if not fresh:
            break
        seen.update(sid for _seq, sid in fresh)
        found += [seq for seq, _sid in fresh]
        rows = list(base.filter(object_ref__in=[sid for _seq, sid in fresh]).values_list("seq", "statement_id"))
    return found


def statement_list(*, institution_id: int, q: StatementQuery) -> tuple[list[Statement], bool]:
    """One page of statements (seq, stored, payload) and whether there are more."""
    qs: QuerySet = Statement.objects.filter(institution_id=institution_id, voided=False)
    match = _match_q(institution_id, q)
    if match is not None:
        targeting = _targeting_seqs(institution_id, match)
        qs = qs.filter(match | Q(seq__in=targeting)) if targeting else qs.filter(match)
    if q.since is not None:
        qs = qs.filter(stored__gt=q.since)
    if q.until is not None:
        qs = qs.filter(stored__lte=q.until)
    if q.after is not None:
        stored, seq = q.after
        if q.ascending:
            qs = qs.filter(Q(stored__gt=stored) | Q(stored=stored, seq__gt=seq))
        else:
            qs = qs.filter(Q(stored__lt=stored) | Q(stored=stored, seq__lt=seq))
    order = ["stored", "seq"] if q.ascending else ["-stored", "-seq"]
    limit = min(q.limit or MAX_LIMIT, MAX_LIMIT)
    rows = list(qs.order_by(*order).only("seq", "stored", "payload")[:limit + 1])
    return rows[:limit], len(rows) > limit


def statement_get(*, institution_id: int, statement_id: str, voided: bool) -> Statement | None:
    return (Statement.objects.filter(institution_id=institution_id, statement_id=statement_id.lower(),
                                     voided=voided)
            .only("seq", "stored", "payload").first())

"""Conflicts of interest in an achievement round: nobody decides on a nomination they have a stake in.

A person has a stake in a nomination when they

- put it forward: its nominator, or the nominator of the lower round's winner it was promoted from;
- wrote it: its first author (the teacher's account), the person who contributed the resource to
  the library, or a co-author — the library keeps co-authors only as the names typed on the
  resource (`Resource.authors`), so a co-author is someone whose account name is one of them. A
  namesake is refused too: one decision too many costs a hand-over to another manager, one too
  few costs the round's fairness;
- belong to the unit that nominated it as one of its nominators (achievements.nominate held *at*
  that unit: the school's administrators, a county's office for a promoted winner) — the same
  people `services.nominating_units` lets nominate for it. An office above that merely covers the
  unit has no stake: it runs the rounds.

The decisions this guards, with the one rule (`stakes`):

- publishing the results sets every nomination's award at once, shared out over one ranking, so a
  stake in any nomination of the round is a stake in its results (`round_stake`): another
  manager of the round, or the office above, publishes (`other_deciders` names them);
- scoring: the panels app asks through its stake registry (`tisheng.panels.stakes`), so an expert
  is never assigned, and cannot score, a nomination they have a stake in (the other items they
  may score, as with a declared 回避).

Cost: two queries for any number of nominations and people (the people's names and their
nominating roles); the nominations' own rows come with what the caller already loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap
from tisheng.achievements.models import Nomination, Round

# Why the person has a stake (the refusal says which, so they know it is not a mistake).
NOMINATED = gettext_noop("you nominated it")
AUTHOR = gettext_noop("you are its author")
CONTRIBUTOR = gettext_noop("you contributed it to the library")
CO_AUTHOR = gettext_noop("you are listed among its authors")
UNIT = gettext_noop("you nominate for %(unit)s, the unit that put it forward")

# The separators people type between co-authors' names.
AUTHOR_SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class Stake:
    nomination: Nomination
    reason: str  # one of the messages above, untranslated
    unit: str = ""

    def __str__(self) -> str:
        return _(self.reason) % {"unit": self.unit} if self.unit else _(self.reason)


@dataclass
class _Person:
    pk: int
    name: str = ""
    unit_paths: set[str] = field(default_factory=set)


def _roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


def _current() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def _people(user_ids: Iterable[int]) -> dict[int, _Person]:
    ids = set(user_ids)
    people = {pk: _Person(pk, name or "") for pk, name in
              get_user_model().objects.filter(pk__in=ids).values_list("pk", "name")}
    for user_id, school_path, region_path in (
            RoleAssignment.objects.filter(_current(), user_id__in=ids, role__in=_roles_with(Cap.ACHIEVEMENTS_NOMINATE))
            .values_list("user_id", "school__path", "region__path")):
        if user_id in people and (school_path or region_path):
            people[user_id].unit_paths.add(school_path or region_path)
    return people


def _authors(nomination: Nomination) -> set[str]:
    return {name for name in AUTHOR_SEPARATORS.split(nomination.resource.authors or "") if name}


def _stake(person: _Person, n: Nomination) -> Stake | None:
    nominators = {n.nominated_by_id}
    source = n.source
    while source is not None:  # a promoted winner: its nominators in the rounds below too
        nominators.add(source.nominated_by_id)
        source = source.source
    if person.pk in nominators:
        return Stake(n, NOMINATED)
    if n.teacher is not None and n.teacher.user_id == person.pk:
        return Stake(n, AUTHOR)
    if n.resource.contributor_id == person.pk:
        return Stake(n, CONTRIBUTOR)
    if person.name and person.name in _authors(n):
        return Stake(n, CO_AUTHOR)
    if n.unit_path in person.unit_paths:
        return Stake(n, UNIT, unit=n.unit_name)
    return None


def stakes(nominations: Iterable[Nomination], user_ids: Iterable[int]) -> dict[tuple[int, int], Stake]:
    """(nomination id, user id) → the stake, for every pair where there is one. The nominations
    come with `teacher`, `resource` and `source` loaded (`with_stake_fields`)."""
    nominations = list(nominations)
    people = _people(user_ids) if nominations else {}
    out: dict[tuple[int, int], Stake] = {}
    for n in nominations:
        for person in people.values():
            stake = _stake(person, n)
            if stake is not None:
                out[n.pk, person.pk] = stake
    return out


def with_stake_fields(nominations):
    """The related rows `stakes` reads (a promoted winner's chain is at most two rounds deep)."""
    return nominations.select_related("teacher", "resource", "source__source")


def round_stake(actor, r: Round) -> Stake | None:
    """The actor's first stake in a nomination of the round (by id), if any: they may not publish
    its results."""
    found = stakes(with_stake_fields(r.nominations.order_by("id")), [actor.pk])
    return min(found.values(), key=lambda s: s.nomination.pk) if found else None


def other_deciders(actor, r: Round, limit: int = 10) -> list:
    """Who may publish the round's results in the actor's place: the holders of
    achievements.manage at the round's region or above it, none with a stake in the round."""
    parts = r.scope_path.split("/")
    above = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    depth: dict[int, int] = {}
    for user_id, path in (RoleAssignment.objects.filter(_current(), region__path__in=above,
                                                        role__in=_roles_with(Cap.ACHIEVEMENTS_MANAGE))
                          .exclude(user_id=actor.pk).values_list("user_id", "region__path")):
        depth[user_id] = max(depth.get(user_id, 0), len(path))
    interested = {user_id for _n, user_id in stakes(with_stake_fields(r.nominations.all()), depth.keys())}
    people = get_user_model().objects.filter(pk__in=set(depth) - interested, is_active=True)
    # The round's own office first (another manager of the round), then the offices above.
    return sorted(people, key=lambda u: (-depth[u.pk], u.name, u.pk))[:limit]


def panel_item_stakes(items: list, user_ids: set[int]) -> set[tuple[int, int]]:
    """The panels app's question (tisheng.panels.stakes), for the items of a round's panel:
    which of these experts has a stake in which nomination."""
    by_nomination = {int(i.key.split(":", 1)[1]): i.pk for i in items if i.key.startswith("nomination:")}
    found = stakes(with_stake_fields(Nomination.objects.filter(pk__in=by_nomination)), user_ids)
    return {(by_nomination[n_pk], user_id) for n_pk, user_id in found}

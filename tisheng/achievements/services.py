"""Achievement rounds' writes: create a round, nominate and withdraw, hand the nominations to an
expert panel, take its scores when it closes, publish the results.

Who nominates for whom is one rule: the units directly below the round's region (a county
round's schools, a city round's counties, the province's cities), each by the people holding
`achievements.nominate` *at* that unit (a school's administrator, a county's office), never an
office above it on the unit's behalf. What they may put forward:

- a school: its resources (the library's, with their files; those from 推优 evidence first);
- a county or city: the winners of its own published rounds (the same resource, promoted).

Nobody decides on a nomination they have a stake in (conflicts.py: its nominator, its authors,
its unit's nominators): a manager with a stake in any of a round's nominations cannot publish
its results (`check_no_stake`), and the panel never lets such an expert score that nomination.

Scoring is the panels app's: `round_start_scoring` creates the panel with the round's rubric and
one item per nomination titled by category and title only (blind: no author, no unit); the
office adds experts and assigns on the panel's own pages; `panel_closed` (receivers.py) copies
each item's weighted total and rank back. Publishing awards, signs a certificate per winner,
enters each winner into the round's level library and tells the nominees and their units.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap
from tisheng.accounts.services import audit
from tisheng.achievements.conflicts import other_deciders, round_stake
from tisheng.achievements.models import Award, Nomination, Round, RoundLevel, RoundState
from tisheng.certificates import codes, signing
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Region
from tisheng.orgs.scope import path_in_scope
from tisheng.panels import services as panels
from tisheng.panels.rubric import rubric_clean
from tisheng.people.models import Teacher
from tisheng.resources.models import Resource, ResourceState
from tisheng.resources.services.library import resource_award_entry

NO_TITLE = gettext_noop("Give the achievement round a title.")
NO_CATEGORIES = gettext_noop("Give at least one category, one a line.")
TOO_MANY_CATEGORIES = gettext_noop("A round has at most 12 categories.")
BAD_WINDOW = gettext_noop("The nomination window must close on or after the day it opens.")
BAD_QUOTA = gettext_noop("The quota per unit must be a whole number from 1 to 50.")
BAD_YEAR = gettext_noop("Give the year as four digits, e.g. 2026.")
BAD_LEVEL = gettext_noop("Achievement rounds are run by a county, city or province office.")
NOT_OPEN = gettext_noop("This round is not taking nominations.")
WINDOW_CLOSED = gettext_noop("The nomination window is %(start)s to %(end)s.")
NOT_YOUR_UNIT = gettext_noop("You cannot nominate for this unit in this round.")
QUOTA_REACHED = gettext_noop("%(unit)s has used its quota of %(quota)s nominations.")
BAD_CATEGORY = gettext_noop("Choose one of the round's categories.")
NOT_A_CANDIDATE = gettext_noop("This achievement is not one your unit can nominate.")
ALREADY_NOMINATED = gettext_noop("This achievement is already nominated in this round.")
NO_NOMINATIONS = gettext_noop("There are no nominations to score.")
NOT_SCORING = gettext_noop("Results can be published once the panel has closed.")
ALREADY_PUBLISHED = gettext_noop("The results are already published.")
BAD_AWARD = gettext_noop("Choose an award from the list (or none).")
NO_WINNERS = gettext_noop("Give at least one award before publishing.")
OWN_NOMINATION = gettext_noop("You may not publish this round's results: you have a stake in 《%(title)s》, one of "
                              "its nominations (%(reason)s), and the awards are shared out over one ranking.")
WHO_CAN_PUBLISH = gettext_noop("Another manager of the round or the office above publishes them: %(names)s.")
NO_OTHER_DECIDER = gettext_noop("No other manager of the round or of the office above is free of a stake in it: "
                                "ask the office above to publish them.")

RESULT_TITLE = gettext_noop("Results of %(round)s")
RESULT_WON = gettext_noop("《%(title)s》 won %(award)s. It enters the %(library)s and counts as a %(level)s open lesson.")
RESULT_NOT_WON = gettext_noop("《%(title)s》 was not among the winners this time. Thank you for taking part.")
COUNTS_AS = {RoundLevel.COUNTY: "视同县级公开课", RoundLevel.CITY: "视同市级公开课", RoundLevel.PROVINCE: "视同省级公开课"}
LEVEL_WORD = {RoundLevel.COUNTY: "县级", RoundLevel.CITY: "市级", RoundLevel.PROVINCE: "省级"}
ROUND_KEY = "achievements.round:%s"
MAX_CATEGORIES = 12
MAX_QUOTA = 50
# The awards the results form proposes from the panel's ranking (the office changes any of them):
# the top 10 % first prize, the next 20 % second, the next 30 % third.
PROPOSAL_SHARES = ((Award.FIRST, 0.10), (Award.SECOND, 0.30), (Award.THIRD, 0.60))


# --- the round ---------------------------------------------------------------------------------

def _level(region: Region) -> str:
    level = {"county": RoundLevel.COUNTY, "city": RoundLevel.CITY, "province": RoundLevel.PROVINCE}.get(region.level)
    if level is None:
        raise ValidationError(_(BAD_LEVEL), code="bad_level")
    return level


def categories_from_lines(text: str) -> list[dict]:
    labels = [ln.strip()[:32] for ln in (text or "").splitlines() if ln.strip()]
    labels = list(dict.fromkeys(labels))
    if not labels:
        raise ValidationError(_(NO_CATEGORIES), code="no_categories")
    if len(labels) > MAX_CATEGORIES:
        raise ValidationError(_(TOO_MANY_CATEGORIES), code="too_many_categories")
    return [{"key": f"k{n}", "label": label} for n, label in enumerate(labels, start=1)]


def round_create(*, actor, region: Region, title: str, year: int, categories: list[dict], rubric: dict,
                 nominate_from: dt.date, nominate_until: dt.date, quota: int, description: str = "") -> Round:
    if not path_in_scope(actor, Cap.ACHIEVEMENTS_MANAGE, region.path):
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise ValidationError(_(NO_TITLE), code="no_title")
    if not 2000 <= year <= 2100:
        raise ValidationError(_(BAD_YEAR), code="bad_year")
    if nominate_until < nominate_from:
        raise ValidationError(_(BAD_WINDOW), code="bad_window")
    if not 1 <= quota <= MAX_QUOTA:
        raise ValidationError(_(BAD_QUOTA), code="bad_quota")
    if not categories:
        raise ValidationError(_(NO_CATEGORIES), code="no_categories")
    with transaction.atomic():
        r = Round(title=title[:128], region=region, scope_path=region.path, level=_level(region), year=year,
                  categories=categories, rubric=rubric_clean(rubric), nominate_from=nominate_from,
                  nominate_until=nominate_until, quota=quota, description=(description or "").strip()[:4000],
                  created_by=actor)
        r.full_clean()
        r.save()
        audit(actor=actor, action="achievements.round_created", obj=r, scope_path=r.scope_path, title=r.title)
    return r


# --- nominating --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    path: str
    name: str


def nominating_units(actor, r: Round) -> list[Unit]:
    """The units directly below the round's region where the actor holds achievements.nominate."""
    depth = len(r.scope_path.split("/")) + 1
    units: list[Unit] = []
    for a in RoleAssignment.objects.filter(user=actor).select_related("region", "school").order_by("id"):
        if Cap.ACHIEVEMENTS_NOMINATE not in ROLE_CAPABILITIES.get(a.role, ()):
            continue
        node = a.school or a.region
        if node is None or not node.path.startswith(r.scope_path + "/") or len(node.path.split("/")) != depth:
            continue
        unit = Unit(node.path, node.name)
        if unit not in units:
            units.append(unit)
    return units


def _unit(actor, r: Round, unit_path: str) -> Unit:
    unit = next((u for u in nominating_units(actor, r) if u.path == unit_path), None)
    if unit is None:
        raise PermissionDenied(_(NOT_YOUR_UNIT))
    return unit


def _subtree(field: str, path: str) -> Q:
    return Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})


def candidate_resources(r: Round, unit_path: str) -> QuerySet[Resource]:
    """A school's resources it may nominate (submitted or published; 推优 evidence first)."""
    return (Resource.objects.filter(_subtree("org_path", unit_path))
            .filter(state__in=[ResourceState.IN_REVIEW, ResourceState.PUBLISHED])
            .exclude(pk__in=Nomination.objects.filter(round=r).values("resource_id"))
            .order_by("-source_recommended", "-quality_score", "-id"))


def candidate_winners(r: Round, unit_path: str) -> QuerySet[Nomination]:
    """A county's or city's winners of its own published rounds, not yet nominated here."""
    return (Nomination.objects.filter(round__scope_path=unit_path, round__state=RoundState.PUBLISHED)
            .exclude(award="")
            .exclude(resource_id__in=Nomination.objects.filter(round=r).values("resource_id"))
            .select_related("round", "teacher").order_by("-round__year", "rank", "id"))


def _author(resource: Resource) -> Teacher | None:
    """The first author: the teacher whose evidence it came from, else the contributor's roster row."""
    if resource.source_submission_id:
        return resource.source_submission.teacher
    return Teacher.objects.filter(user_id=resource.contributor_id).first()


def nomination_create(*, actor, r: Round, unit_path: str, category: str, resource_id: int | None = None,
                      winner_id: int | None = None, summary: str = "") -> Nomination:
    """Put one achievement forward for a unit: a resource (county rounds) or a lower round's
    winner (city and province rounds), within the window and the unit's quota."""
    unit = _unit(actor, r, unit_path)
    if category not in {c["key"] for c in r.categories}:
        raise ValidationError(_(BAD_CATEGORY), code="bad_category")
    today = timezone.localdate()
    with transaction.atomic():
        r = Round.objects.select_for_update().get(pk=r.pk)
        if r.state != RoundState.OPEN:
            raise ValidationError(_(NOT_OPEN), code="not_open")
        if not r.nominate_from <= today <= r.nominate_until:
            raise ValidationError(_(WINDOW_CLOSED) % {"start": r.nominate_from.isoformat(),
                                                        "end": r.nominate_until.isoformat()}, code="window_closed")
        if Nomination.objects.filter(round=r, unit_path=unit.path).count() >= r.quota:
            raise ValidationError(_(QUOTA_REACHED) % {"unit": unit.name, "quota": r.quota}, code="quota_reached")
        source = None
        if winner_id is not None:
            source = candidate_winners(r, unit.path).filter(pk=winner_id).first()
            if source is None:
                raise ValidationError(_(NOT_A_CANDIDATE), code="not_a_candidate")
            resource, teacher, title = source.resource, source.teacher, source.title
            summary = (summary or "").strip() or source.summary
        else:
            resource = candidate_resources(r, unit.path).filter(pk=resource_id).first() if resource_id else None
            if resource is None:
                if Nomination.objects.filter(round=r, resource_id=resource_id).exists():
                    raise ValidationError(_(ALREADY_NOMINATED), code="already_nominated")
                raise ValidationError(_(NOT_A_CANDIDATE), code="not_a_candidate")
            teacher, title = _author(resource), resource.title
            summary = (summary or "").strip() or resource.description
        nomination = Nomination(round=r, category=category, unit_path=unit.path, unit_name=unit.name[:128],
                                resource=resource, teacher=teacher, title=title[:128], summary=summary[:2000],
                                source=source, nominated_by=actor)
        nomination.full_clean(exclude=["round", "resource"])
        try:
            with transaction.atomic():
                nomination.save()
        except IntegrityError:
            raise ValidationError(_(ALREADY_NOMINATED), code="already_nominated") from None
        audit(actor=actor, action="achievements.nominated", obj=nomination, scope_path=unit.path,
              round=r.pk, resource=resource.pk)
    return nomination


def nomination_withdraw(*, actor, nomination: Nomination) -> None:
    """The unit takes a nomination back while the round still takes nominations."""
    r = nomination.round
    _unit(actor, r, nomination.unit_path)
    with transaction.atomic():
        r = Round.objects.select_for_update().get(pk=r.pk)
        if r.state != RoundState.OPEN:
            raise ValidationError(_(NOT_OPEN), code="not_open")
        audit(actor=actor, action="achievements.withdrawn", obj=nomination, scope_path=nomination.unit_path,
              title=nomination.title)
        nomination.delete()


# --- scoring -----------------------------------------------------------------------------------

def _check_manager(actor, r: Round) -> None:
    if not path_in_scope(actor, Cap.ACHIEVEMENTS_MANAGE, r.scope_path):
        raise Http404


def panel_items(r: Round) -> list[panels.ItemSpec]:
    """Blind items: the category and the title, never the author or the unit."""
    return [panels.ItemSpec(key=n.panel_key, title=f"{r.category_label(n.category)} · {n.title}",
                            url=reverse("achievements:item", args=[n.pk]))
            for n in r.nominations.order_by("id")]


def round_start_scoring(*, actor, r: Round, ends_on: dt.date) -> Round:
    """Close nominations and hand them to a new expert panel (the office then adds experts and
    assigns on the panel's page)."""
    _check_manager(actor, r)
    with transaction.atomic():
        r = Round.objects.select_for_update().get(pk=r.pk)
        if r.state != RoundState.OPEN:
            raise ValidationError(_(NOT_OPEN), code="not_open")
        if not r.nominations.exists():
            raise ValidationError(_(NO_NOMINATIONS), code="no_nominations")
        r.panel = panels.panel_create(actor=actor, round_key=ROUND_KEY % r.pk, title=r.title, scope_path=r.scope_path,
                                      rubric=r.rubric, ends_on=ends_on)
        panels.panel_items_set(panel=r.panel, items=panel_items(r))
        r.state = RoundState.SCORING
        r.save(update_fields=["panel", "state"])
        audit(actor=actor, action="achievements.scoring_started", obj=r, scope_path=r.scope_path,
              nominations=r.nominations.count())
    return r


def round_take_scores(r: Round, results: dict) -> None:
    """The panel closed: each nomination's weighted total and rank (receivers.py)."""
    by_key = {row["key"]: row for row in results.get("items", [])}
    rows = list(r.nominations.all())
    for n in rows:
        row = by_key.get(n.panel_key, {})
        n.score = row.get("total")
        n.rank = row.get("rank")
    Nomination.objects.bulk_update(rows, ["score", "rank"])
    r.state = RoundState.SCORED
    r.save(update_fields=["state"])


def proposed_awards(nominations: list[Nomination]) -> dict[int, str]:
    """Awards proposed from the ranking (PROPOSAL_SHARES); the unranked get none."""
    ranked = sorted((n for n in nominations if n.rank), key=lambda n: n.rank)
    out: dict[int, str] = {}
    for i, n in enumerate(ranked, start=1):
        out[n.pk] = next((award for award, share in PROPOSAL_SHARES if i <= math.ceil(share * len(ranked))), "")
    return out


# --- publishing --------------------------------------------------------------------------------

ISSUER_SUFFIX = "中小学教师信息技术应用能力提升工程办公室"


def issuer_name(r: Round) -> str:
    return f"{r.region.name}{ISSUER_SUFFIX}"


def _certificate_number(r: Round, n: int) -> str:
    return f"CG{r.year}-{r.scope_path.rsplit('/', 1)[-1]}-{r.pk:04d}-{n:03d}"


def _sign(r: Round, n: Nomination, number: str, code: str, now: dt.datetime) -> str:
    payload = {"no": number, "kind": "award", "name": r.title, "t": n.title, "aw": n.get_award_display(),
               "who": n.teacher.name if n.teacher else n.unit_name, "u": n.unit_name,
               "d": timezone.localtime(now).date().isoformat(), "iss": issuer_name(r)}
    return signing.sign_payload(payload)


def check_no_stake(actor, r: Round) -> None:
    """The results are the round's managers' decision, but not of one with a stake in any of its
    nominations: the refusal says why and who publishes instead."""
    stake = round_stake(actor, r)
    if stake is None:
        return
    names = "、".join(u.name for u in other_deciders(actor, r))
    message = _(OWN_NOMINATION) % {"title": stake.nomination.title, "reason": str(stake)}
    who = _(WHO_CAN_PUBLISH) % {"names": names} if names else _(NO_OTHER_DECIDER)
    raise ValidationError(f"{message} {who}", code="own_nomination")


def round_publish(*, actor, r: Round, awards: dict[int, str]) -> Round:
    """Publish the results: the awards as given (nomination id → award or ""), a signed
    certificate for each winner, each winner published into the round's level library, and
    every nominee and nominating unit told. Refused, with nothing changed, to a manager with a
    stake in one of the nominations."""
    _check_manager(actor, r)
    valid = {a.value for a in Award} | {""}
    with transaction.atomic():
        r = Round.objects.select_for_update().select_related("region").get(pk=r.pk)
        if r.state == RoundState.PUBLISHED:
            raise ValidationError(_(ALREADY_PUBLISHED), code="already_published")
        if r.state != RoundState.SCORED:
            raise ValidationError(_(NOT_SCORING), code="not_scoring")
        # Before the awards' own checks: one with a stake is told so, whatever they chose.
        check_no_stake(actor, r)
        if any(a not in valid for a in awards.values()):
            raise ValidationError(_(BAD_AWARD), code="bad_award")
        if not any(awards.values()):
            raise ValidationError(_(NO_WINNERS), code="no_winners")
        now = timezone.now()
        nominations = list(r.nominations.select_related("teacher__user", "resource", "nominated_by")
                           .order_by("rank", "id"))
        order = {Award.FIRST: 1, Award.SECOND: 2, Award.THIRD: 3}
        winners = sorted((n for n in nominations if awards.get(n.pk)),
                         key=lambda n: (order[awards[n.pk]], n.rank or 10**6, n.pk))
        for number, n in enumerate(winners, start=1):
            n.award = awards[n.pk]
            n.certificate_number = _certificate_number(r, number)
            n.verify_code = codes.new_code()
            n.awarded_at = now
            n.signed = _sign(r, n, n.certificate_number, n.verify_code, now)
        Nomination.objects.bulk_update(winners, ["award", "certificate_number", "verify_code", "awarded_at", "signed"])
        for n in winners:
            resource_award_entry(actor=actor, resource=n.resource, library_path=r.scope_path)
        r.state, r.published_by, r.published_at = RoundState.PUBLISHED, actor, now
        r.save(update_fields=["state", "published_by", "published_at"])
        audit(actor=actor, action="achievements.published", obj=r, scope_path=r.scope_path,
              winners=len(winners), nominations=len(nominations))
        messages = []
        library = f"{r.region.name}优质资源库"
        for n in nominations:
            body = (_(RESULT_WON) % {"title": n.title, "award": n.get_award_display(), "library": library,
                                     "level": LEVEL_WORD[r.level]}) if n.award else (_(RESULT_NOT_WON) % {"title": n.title})
            url = reverse("achievements:round", args=[r.pk])
            title = (_(RESULT_TITLE) % {"round": r.title})[:128]
            people = {n.nominated_by_id: n.nominated_by}
            if n.teacher is not None and n.teacher.user_id:
                people[n.teacher.user_id] = n.teacher.user
            messages += [Message(to=u, kind=Kind.OTHER, title=title, body=body, url=url) for u in people.values()]
        notify_many(messages)
    return r

"""Writes for tracks: create a track (its program, through the programs service), set the
quota of a subunit, nominate from below, select or decline within the quota, withdraw.

Selection enrolls the selected teachers through `programs.services.enrollment
.enrollment_add_teachers` (the same insert path and retirement rule as a rollout batch) and
tells every nominee the decision. Deciding a page of nominations costs a fixed number of
statements: the quota check is one grouped count over the units involved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import path_in_scope
from tisheng.people.choices import TeacherStatus
from tisheng.people.models import Teacher
from tisheng.practice.models import TeamMember
from tisheng.programs.models import Program, QuotaTarget, RegistryLevel
from tisheng.programs.rules import PRESETS
from tisheng.programs.services.enrollment import enrollment_add_teachers
from tisheng.programs.services.programs import program_create_from_preset, program_update
from tisheng.tracks.models import (
    DEFAULT_PASS_MARK,
    DEFAULT_PLAN_RUBRIC,
    DEFAULT_RULE,
    Nomination,
    ParticipantRule,
    SchoolQuota,
    Track,
    TrackKind,
)

if TYPE_CHECKING:
    from tisheng.accounts.models import User

NOT_AN_OFFICE_LEVEL = gettext_noop("A track is run by a province, city or county office.")
NOT_YOUR_LEVEL = gettext_noop("You may run tracks only for your own office's area.")
FULL_STAFF_IS_DEFAULT = gettext_noop("Full-staff training is every program without a track: choose another kind.")
NAME_REQUIRED = gettext_noop("Give the track a name.")
BAD_HOURS = gettext_noop("Required hours must be a number between 1 and 500.")
UNIT_NOT_IN_TRACK = gettext_noop("%(unit)s is not a subunit of this track.")
NOT_IN_TRACK_AREA = gettext_noop("%(name)s is not in the area this track covers.")
NOT_ACTIVE = gettext_noop("%(name)s is not an active teacher.")
NOT_A_LEADER = gettext_noop("%(name)s is not the school's principal or CIO, whom this track takes.")
ALREADY_NOMINATED = gettext_noop("%(name)s is already nominated for this track.")
NOMINATIONS_CLOSED = gettext_noop("Nominations for this track are closed.")
CHOOSE_SOMEONE = gettext_noop("Choose at least one person.")
QUOTA_EXCEEDED = gettext_noop(
    "%(unit)s has %(target)s places and %(selected)s are taken: select at most %(left)s more there.")
ALREADY_DECIDED = gettext_noop("%(name)s's nomination was already decided.")
BAD_TARGET = gettext_noop("Places must be a whole number from 0 to 100000.")

NOTE = gettext_noop("Note: %(note)s")

TRACK_CREATED = "tracks.created"
QUOTA_SET = "tracks.quota_set"
NOMINATED = "tracks.nominated"
SELECTED = "tracks.selected"
DECLINED = "tracks.declined"
WITHDRAWN = "tracks.withdrawn"

_LEVEL_FOR_REGION = {RegionLevel.PROVINCE: RegistryLevel.PROVINCE, RegionLevel.CITY: RegistryLevel.CITY,
                     RegionLevel.COUNTY: RegistryLevel.COUNTY}


def _require(actor: User, capability: str, path: str, message: str = "") -> None:
    if not path_in_scope(actor, capability, path):
        raise PermissionDenied(_(message) if message else None)


# A track program's code: the track's initials in pinyin, the region and the year (LDL-350102-2026).
# Codes show on the programs list, where an English word would read as untranslated.
CODE_PREFIX = {"full_staff": "QY", "leadership": "LDL", "training_team": "PXTD", "pilot": "LH",
               "cross_disciplinary": "KXK", "backbone": "GG"}


def _code(kind: str, region: Region, year: int) -> str:
    base = f"{CODE_PREFIX.get(kind, 'ZX')}-{region.code}-{year}"[:28]
    taken = set(Program.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def parse_hours(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError({"required_hours": [_(BAD_HOURS)]}) from exc
    if not hours.is_finite() or not Decimal(1) <= hours <= Decimal(500):
        raise ValidationError({"required_hours": [_(BAD_HOURS)]})
    return hours


@transaction.atomic
def track_create(*, actor: User, kind: str, name: str, run_by: Region, start_date: dt.date, end_date: dt.date,
                 preset: str = "moe_2019", required_hours: Decimal | None = None, participant_rule: str = "",
                 description: str = "", nominations_close: dt.date | None = None) -> Track:
    """A track run by `run_by` (the actor's office or an area inside it): its program is created
    from a preset through the programs service, active from `start_date`, with the track's own
    required hours when given; its hours count at the runner's level in the registry."""
    if run_by.level not in _LEVEL_FOR_REGION:
        raise ValidationError({"run_by": [_(NOT_AN_OFFICE_LEVEL)]})
    _require(actor, Cap.TRACKS_MANAGE, run_by.path, NOT_YOUR_LEVEL)
    if kind == TrackKind.FULL_STAFF:
        raise ValidationError({"kind": [_(FULL_STAFF_IS_DEFAULT)]})
    if kind not in TrackKind.values:
        raise ValidationError({"kind": [_("Choose a track.")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_(NAME_REQUIRED)]})
    if preset not in PRESETS:
        preset = "moe_2019"
    # The programs service checks the province's capability when given an actor; here the
    # office's own capability was checked above, and the track's audit row names the actor.
    program = program_create_from_preset(actor=None, preset=preset, code=_code(kind, run_by, start_date.year),
                                         name=name[:128], start_date=start_date, end_date=end_date,
                                         status=Program.Status.ACTIVE)
    if required_hours is not None:
        rules = dict(program.rules, required_hours=str(required_hours))
        program = program_update(actor=None, program=program, rules=rules)
    program.registry_level = _LEVEL_FOR_REGION[run_by.level]
    program.save(update_fields=["registry_level"])
    track = Track(program=program, kind=kind, run_by=run_by, run_by_path=run_by.path,
                  participant_rule=participant_rule or DEFAULT_RULE.get(kind, ParticipantRule.TEACHERS),
                  description=description.strip(), nominations_close=nominations_close, created_by=actor,
                  rubric=DEFAULT_PLAN_RUBRIC if kind == TrackKind.LEADERSHIP else [], pass_mark=DEFAULT_PASS_MARK)
    track.full_clean()
    track.save()
    audit(actor=actor, action=TRACK_CREATED, obj=track, scope_path=run_by.path, kind=kind, program=program.pk)
    return track


def _unit_object(track: Track, unit_path: str) -> Region | School:
    """The region (province/city-run) or school (county-run) at a subunit path of the track."""
    parent = unit_path.rsplit("/", 1)[0] if "/" in unit_path else ""
    if parent != track.run_by_path:
        raise ValidationError(_(UNIT_NOT_IN_TRACK) % {"unit": unit_path})
    if track.run_by.level == RegionLevel.COUNTY:
        unit = School.objects.filter(path=unit_path).first()
    else:
        unit = Region.objects.filter(path=unit_path).first()
    if unit is None:
        raise ValidationError(_(UNIT_NOT_IN_TRACK) % {"unit": unit_path})
    return unit


@transaction.atomic
def track_quota_set(*, actor: User, track: Track, unit_path: str, target: int) -> int:
    """The places of one subunit: a `programs.QuotaTarget` of the track's program for a child
    region, a `SchoolQuota` for a school of a county-run track."""
    _require(actor, Cap.TRACKS_MANAGE, track.run_by_path)
    if not isinstance(target, int) or not 0 <= target <= 100000:
        raise ValidationError({"target": [_(BAD_TARGET)]})
    unit = _unit_object(track, unit_path)
    if isinstance(unit, School):
        SchoolQuota.objects.update_or_create(track=track, school=unit, defaults={"target": target})
    else:
        QuotaTarget.objects.update_or_create(program=track.program, region=unit, kind="",
                                             defaults={"target": target})
    audit(actor=actor, action=QUOTA_SET, obj=track, scope_path=unit.path, unit=unit_path, target=target)
    return target


def nominations_open(track: Track, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (track.program.status == Program.Status.ACTIVE and today <= track.program.end_date
            and (track.nominations_close is None or today <= track.nominations_close))


def school_leader_user_ids(school_ids: Sequence[int]) -> set[int]:
    """Users who lead these schools: school administrators at the school, and the principal and
    CIO on the school's practice team (two queries)."""
    ids = set(RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, school_id__in=list(school_ids))
              .values_list("user_id", flat=True))
    ids |= set(TeamMember.objects.filter(school_id__in=list(school_ids),
                                         role__in=[TeamMember.TeamRole.PRINCIPAL, TeamMember.TeamRole.CIO])
               .values_list("user_id", flat=True))
    return ids


@transaction.atomic
def nominations_create(*, actor: User, track: Track, teachers: Sequence[Teacher], reason: str = "") -> list[Nomination]:
    """Nominate these teachers (a school its principal and CIO, an office its backbone
    teachers). All or none: any teacher outside the actor's area or the track's, inactive,
    outside the participant rule or already nominated stops the whole nomination."""
    if not teachers:
        raise ValidationError(_(CHOOSE_SOMEONE))
    if not nominations_open(track):
        raise ValidationError(_(NOMINATIONS_CLOSED))
    leaders = (school_leader_user_ids([t.school_id for t in teachers])
               if track.participant_rule == ParticipantRule.SCHOOL_LEADERS else set())
    existing = dict(Nomination.objects.filter(track=track, teacher__in=list(teachers)).values_list("teacher_id", "pk"))
    withdrawn = set(Nomination.objects.filter(pk__in=list(existing.values()), state=Nomination.State.WITHDRAWN)
                    .values_list("teacher_id", flat=True))
    errors = []
    for t in teachers:
        _require(actor, Cap.TRACKS_NOMINATE, t.org_path)
        if not (t.org_path == track.run_by_path or t.org_path.startswith(track.run_by_path + "/")):
            errors.append(_(NOT_IN_TRACK_AREA) % {"name": t.name})
        elif t.status != TeacherStatus.ACTIVE:
            errors.append(_(NOT_ACTIVE) % {"name": t.name})
        elif track.participant_rule == ParticipantRule.SCHOOL_LEADERS and t.user_id not in leaders:
            errors.append(_(NOT_A_LEADER) % {"name": t.name})
        elif t.pk in existing and t.pk not in withdrawn:
            errors.append(_(ALREADY_NOMINATED) % {"name": t.name})
    if errors:
        raise ValidationError(errors)
    reason = (reason or "").strip()[:500]
    now = timezone.now()
    Nomination.objects.filter(track=track, teacher_id__in=withdrawn).delete()
    rows = [Nomination(track=track, teacher=t, school_id=t.school_id, org_path=t.org_path,
                       unit_path=track.unit_path(t.org_path), reason=reason, nominated_by=actor, nominated_at=now)
            for t in teachers]
    Nomination.objects.bulk_create(rows)
    audit(actor=actor, action=NOMINATED, obj=track, scope_path=track.run_by_path,
          teachers=[t.pk for t in teachers])
    return rows


def unit_targets(track: Track, unit_paths: Sequence[str] | None = None) -> dict[str, int]:
    """Places per subunit path (units without a quota are absent: not limited)."""
    if track.run_by.level == RegionLevel.COUNTY:
        qs = SchoolQuota.objects.filter(track=track)
        if unit_paths is not None:
            qs = qs.filter(school__path__in=list(unit_paths))
        return dict(qs.values_list("school__path", "target"))
    qs = QuotaTarget.objects.filter(program=track.program, kind="")
    if unit_paths is not None:
        qs = qs.filter(region__path__in=list(unit_paths))
    return dict(qs.values_list("region__path", "target"))


def _check_quotas(track: Track, chosen: list[Nomination]) -> None:
    wanted: dict[str, int] = {}
    for n in chosen:
        wanted[n.unit_path] = wanted.get(n.unit_path, 0) + 1
    targets = unit_targets(track, list(wanted))
    taken = dict(Nomination.objects.filter(track=track, unit_path__in=list(targets),
                                           state=Nomination.State.SELECTED).order_by()
                 .values_list("unit_path").annotate(n=Count("pk")))
    names = _unit_names(track, list(targets))
    errors = []
    for unit, n in sorted(wanted.items()):
        if unit not in targets:
            continue
        left = targets[unit] - taken.get(unit, 0)
        if n > left:
            errors.append(_(QUOTA_EXCEEDED) % {"unit": names.get(unit, unit), "target": targets[unit],
                                               "selected": taken.get(unit, 0), "left": max(left, 0)})
    if errors:
        raise ValidationError(errors)


def _unit_names(track: Track, unit_paths: list[str]) -> dict[str, str]:
    model = School if track.run_by.level == RegionLevel.COUNTY else Region
    return dict(model.objects.filter(path__in=unit_paths).values_list("path", "name"))


@transaction.atomic
def nominations_decide(*, actor: User, track: Track, nominations: Sequence[Nomination], select: bool,
                       note: str = "") -> int:
    """The runner selects (within each subunit's places) or declines these nominations. The
    selected are enrolled in the track's program; every nominee is told. Returns how many."""
    _require(actor, Cap.TRACKS_MANAGE, track.run_by_path)
    if not nominations:
        raise ValidationError(_(CHOOSE_SOMEONE))
    chosen = list(Nomination.objects.select_for_update(of=("self",)).filter(track=track, pk__in=[n.pk for n in nominations])
                  .select_related("teacher__user"))
    decided = [n for n in chosen if n.state != Nomination.State.NOMINATED]
    if decided:
        raise ValidationError([_(ALREADY_DECIDED) % {"name": n.teacher.name} for n in decided])
    if select:
        _check_quotas(track, chosen)
    state = Nomination.State.SELECTED if select else Nomination.State.DECLINED
    now = timezone.now()
    note = (note or "").strip()[:500]
    Nomination.objects.filter(pk__in=[n.pk for n in chosen]).update(state=state, decided_by=actor, decided_at=now,
                                                                    note=note)
    if select:
        enrollment_add_teachers(track.program, [n.teacher_id for n in chosen])
    url = reverse("tracks:detail", args=[track.pk])
    if select:
        title = _("You are selected for %(track)s") % {"track": track.program.name}
        body = _("%(office)s selected you for the track “%(track)s”; you are enrolled in it.") % {
            "office": track.run_by.name, "track": track.program.name}
    else:
        title = _("Not selected for %(track)s") % {"track": track.program.name}
        body = _("%(office)s did not select you for the track “%(track)s” this time.") % {
            "office": track.run_by.name, "track": track.program.name}
    if note:
        body = f"{body}{_(NOTE) % {'note': note}}"
    notify_many([Message(to=n.teacher, kind=Kind.OTHER, title=title[:128], body=body, url=url) for n in chosen])
    audit(actor=actor, action=SELECTED if select else DECLINED, obj=track, scope_path=track.run_by_path,
          nominations=[n.pk for n in chosen])
    return len(chosen)


@transaction.atomic
def nomination_withdraw(*, actor: User, nomination: Nomination) -> Nomination:
    """The nominating side takes back a nomination not yet decided."""
    _require(actor, Cap.TRACKS_NOMINATE, nomination.org_path)
    nomination = Nomination.objects.select_for_update(of=("self",)).select_related("teacher").get(pk=nomination.pk)
    if nomination.state != Nomination.State.NOMINATED:
        raise ValidationError(_(ALREADY_DECIDED) % {"name": nomination.teacher.name})
    nomination.state = Nomination.State.WITHDRAWN
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.save(update_fields=["state", "decided_by", "decided_at"])
    audit(actor=actor, action=WITHDRAWN, obj=nomination.track, scope_path=nomination.org_path,
          nomination=nomination.pk)
    return nomination

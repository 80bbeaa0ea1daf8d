"""The training-team track's trainer pool (培训团队): per county, the teachers selected for a
training-team track, with their own training (hours credited in the track's program, the
enrollment's state) and their guidance load counted from the platform's data — study classes
they tutor (communities), spot-check items they decided (practice checks) and the schools those
reach. Institutions and teacher colleges draw tutors from it: the tutor role at the organization,
so its classes can be given to them.

The pool page costs a fixed number of queries whatever the pool's size: the pool, hours,
enrollments, classes, class schools, spot-check items, draws."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit, role_assign
from tisheng.communities.models import ClassMember, ClassTutor
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Kind
from tisheng.notifications.services import notify
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q
from tisheng.practice.checks.models import SpotCheckItem
from tisheng.programs.models import Enrollment
from tisheng.tracks.models import Nomination, PoolDraw, TrackKind

if TYPE_CHECKING:
    from tisheng.accounts.models import User

NO_ACCOUNT = gettext_noop("%(name)s has no account on the platform yet, so cannot be a tutor.")
NOT_YOUR_ORGANIZATION = gettext_noop("You may draw tutors only for your own institution or college.")
NOT_IN_POOL = gettext_noop("%(name)s is not in a trainer pool you may draw from.")
ALREADY_DRAWN = gettext_noop("%(name)s is already a tutor of %(organization)s.")

POOL_DRAWN = "tracks.pool_drawn"


def pool_counties(actor: User) -> list[Region]:
    """Counties whose pool the actor may read: those inside their scope (a teacher college's
    county, an institution's contract regions, an office's area)."""
    paths = capability_paths(actor, Cap.TRACKS_POOL)
    return list(Region.objects.filter(path_q("path", paths), level=RegionLevel.COUNTY).order_by("path"))


def drawing_organizations(actor: User) -> list[Organization]:
    """The institutions and teacher colleges the actor manages (who may draw tutors)."""
    ids = RoleAssignment.objects.filter(user=actor, role__in=[Role.INSTITUTION, Role.TEACHER_COLLEGE],
                                        organization__isnull=False).values("organization_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


@dataclass
class Trainer:
    nomination: Nomination
    hours: Decimal = Decimal(0)
    state: str = ""
    classes: int = 0
    spot_items: int = 0
    schools: int = 0
    drawn_by: list[str] = field(default_factory=list)


def pool_users(county: Region) -> QuerySet[User]:
    """The accounts of the county's trainers (active ones): the spot checks' reviewer source
    (registered in apps.py; practice reads it without importing tracks)."""
    from tisheng.accounts.models import User

    teachers = (Nomination.objects.filter(track__kind=TrackKind.TRAINING_TEAM, state=Nomination.State.SELECTED)
                .filter(path_q("org_path", [county.path])).values("teacher__user_id"))
    return User.objects.filter(pk__in=teachers, is_active=True).order_by("name", "pk")


def pool(county: Region) -> list[Trainer]:
    """The county's trainers: selected for a training-team track, teaching in the county."""
    nominations = list(Nomination.objects.filter(track__kind=TrackKind.TRAINING_TEAM, state=Nomination.State.SELECTED)
                       .filter(path_q("org_path", [county.path])).select_related("teacher", "school",
                                                                                "track__program")
                       .order_by("school__path", "teacher__name", "pk"))
    rows = [Trainer(nomination=n) for n in nominations]
    if not rows:
        return rows
    teacher_ids = {n.teacher_id for n in nominations}
    program_ids = {n.track.program_id for n in nominations}
    hours = {(t, p): h for t, p, h in LedgerEntry.objects.filter(teacher_id__in=teacher_ids, program_id__in=program_ids)
             .order_by().values_list("teacher_id", "program_id").annotate(h=Sum("hours"))}
    states = {(t, p): s for t, p, s in Enrollment.objects.filter(teacher_id__in=teacher_ids, program_id__in=program_ids)
              .values_list("teacher_id", "program_id", "state")}
    user_ids = {n.teacher.user_id for n in nominations if n.teacher.user_id}
    classes = dict(ClassTutor.objects.filter(user_id__in=user_ids).order_by().values_list("user_id")
                   .annotate(n=Count("study_class_id", distinct=True)))
    schools: dict[int, set[int]] = defaultdict(set)
    for user_id, school_id in (ClassMember.objects.filter(study_class__tutors__user_id__in=user_ids)
                               .values_list("study_class__tutors__user_id", "teacher__school_id").distinct()):
        schools[user_id].add(school_id)
    items: dict[int, int] = defaultdict(int)
    for user_id, school_id, n in (SpotCheckItem.objects.filter(reviewer_id__in=user_ids)
                                  .exclude(outcome=SpotCheckItem.Outcome.PENDING).order_by()
                                  .values_list("reviewer_id", "school_id").annotate(n=Count("pk"))):
        items[user_id] += n
        schools[user_id].add(school_id)
    draws: dict[int, list[str]] = defaultdict(list)
    for nomination_id, name in PoolDraw.objects.filter(nomination__in=nominations).values_list(
            "nomination_id", "organization__name").order_by("drawn_at"):
        draws[nomination_id].append(name)
    for row in rows:
        n = row.nomination
        key = (n.teacher_id, n.track.program_id)
        row.hours = hours.get(key) or Decimal(0)
        row.state = states.get(key, "")
        user_id = n.teacher.user_id
        row.classes = classes.get(user_id, 0)
        row.spot_items = items.get(user_id, 0)
        row.schools = len(schools.get(user_id, ()))
        row.drawn_by = draws.get(n.pk, [])
    return rows


@transaction.atomic
def pool_draw(*, actor: User, nomination: Nomination, organization: Organization) -> PoolDraw:
    """The institution or college makes a pool trainer its tutor (the tutor role at the
    organization) and tells them."""
    if organization not in drawing_organizations(actor):
        raise PermissionDenied(_(NOT_YOUR_ORGANIZATION))
    teacher = nomination.teacher
    if (nomination.state != Nomination.State.SELECTED or nomination.track.kind != TrackKind.TRAINING_TEAM
            or not path_in_scope(actor, Cap.TRACKS_POOL, nomination.org_path)):
        raise ValidationError(_(NOT_IN_POOL) % {"name": teacher.name})
    if teacher.user_id is None:
        raise ValidationError(_(NO_ACCOUNT) % {"name": teacher.name})
    if PoolDraw.objects.filter(nomination=nomination, organization=organization, role=Role.TUTOR).exists():
        raise ValidationError(_(ALREADY_DRAWN) % {"name": teacher.name, "organization": organization.name})
    role_assign(actor=actor, user=teacher.user, role=Role.TUTOR, node=organization)
    draw = PoolDraw.objects.create(nomination=nomination, organization=organization, role=Role.TUTOR, drawn_by=actor)
    notify(teacher, kind=Kind.OTHER,
           title=(_("%(organization)s drew you as a tutor") % {"organization": organization.name})[:128],
           body=_("%(organization)s drew you from %(county)s's trainer pool as a tutor: its study classes may now "
                  "be given to you.") % {"organization": organization.name,
                                         "county": nomination.school.county.name},
           url=reverse("communities:class_list"))
    audit(actor=actor, action=POOL_DRAWN, obj=draw, scope_path=nomination.org_path, teacher=teacher.pk,
          organization=organization.code)
    return draw


def pool_nomination(actor: User, pk: int) -> Nomination:
    """A pool trainer the actor may see (404 otherwise)."""
    nomination = (Nomination.objects.filter(pk=pk, track__kind=TrackKind.TRAINING_TEAM,
                                            state=Nomination.State.SELECTED)
                  .filter(path_q("org_path", capability_paths(actor, Cap.TRACKS_POOL)))
                  .select_related("teacher__user", "track", "school__county").first())
    if nomination is None:
        raise Http404
    return nomination

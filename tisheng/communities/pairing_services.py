"""Writes of pairs (结对帮扶 and 双师): an office pairs a strong school (or an institution) with a
rural school of its area, with a period, goals and a plan; mentoring pairs of teachers; the
activity log with evidence (checked like practice evidence: type by content, size by kind);
assisted-region tags. Audited; the schools' administrators and the teachers concerned are told."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Role
from tisheng.accounts.services import audit
from tisheng.communities import pairing_selectors as ps
from tisheng.communities.models import AssistedRegion, MentorPair, PairActivity, SchoolPair
from tisheng.communities.services_assignments import checked_upload
from tisheng.core import storage_files
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region, School
from tisheng.people.models import Teacher

FOLDER = "pairing"
SCOPE_NOT_YOURS = _("You may pair only schools of your own area.")
SCHOOL_UNKNOWN = _("No school of your area has this code.")
HELPER_REQUIRED = _("Give the helping school's code, or choose the assisting institution.")
SAME_SCHOOL = _("A school cannot be paired with itself.")
PERIOD_INVALID = _("Give the period: a start date and an end date not before it.")
GOALS_REQUIRED = _("Write the pair's goals.")
PAIR_EXISTS = _("These two already have a pair overlapping this period.")
MENTOR_UNKNOWN = _("The mentor must be a teacher of the helping school (or a person of the assisting institution), given by phone.")
MENTEE_UNKNOWN = _("The mentee must be a teacher of the assisted school, given by phone.")
MENTOR_PAIR_EXISTS = _("These two teachers are paired already.")
TITLE_REQUIRED = _("Give the activity a title.")
KIND_UNKNOWN = _("Choose what kind of activity it was.")
DATE_INVALID = _("Give the date it was held (not in the future, within the pair's period).")
REGION_UNKNOWN = _("No county or city has this code.")
TAG_REQUIRED = _("Write the tag.")


def _url(pair: SchoolPair) -> str:
    return reverse("communities:pair_detail", args=[pair.pk])


def _admins(*schools) -> list:
    return list(get_user_model().objects.filter(role_assignments__role=Role.SCHOOL_ADMIN,
                                                 role_assignments__school__in=[s for s in schools if s]).distinct())


def _school_in(code: str, scope_path: str) -> School:
    school = School.objects.filter(code=(code or "").strip()).first()
    if school is None or not school.path.startswith(scope_path + "/"):
        raise ValidationError(SCHOOL_UNKNOWN)
    return school


@transaction.atomic
def pair_create(*, actor, scope_path: str, school_code: str, strong_school_code: str = "",
                organization: Organization | None = None, starts_on: dt.date | None, ends_on: dt.date | None,
                goals: str, plan: str = "") -> SchoolPair:
    if scope_path not in dict(ps.manage_scopes(actor)):
        raise ValidationError(SCOPE_NOT_YOURS)
    school = _school_in(school_code, scope_path)
    strong = _school_in(strong_school_code, scope_path) if (strong_school_code or "").strip() else None
    if strong is None and organization is None:
        raise ValidationError(HELPER_REQUIRED)
    if strong is not None and strong.pk == school.pk:
        raise ValidationError(SAME_SCHOOL)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError(PERIOD_INVALID)
    goals = (goals or "").strip()
    if not goals:
        raise ValidationError(GOALS_REQUIRED)
    helper = Q(strong_school=strong) if strong is not None else Q(organization=organization)
    if SchoolPair.objects.filter(helper, school=school, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ValidationError(PAIR_EXISTS)
    pair = SchoolPair(kind=SchoolPair.Kind.SCHOOLS if strong else SchoolPair.Kind.ASSISTANCE, strong_school=strong,
                      organization=None if strong else organization, school=school, scope_path=scope_path,
                      starts_on=starts_on, ends_on=ends_on, goals=goals, plan=(plan or "").strip(), created_by=actor)
    pair.full_clean(exclude=["created_by"])
    pair.save()
    audit(actor=actor, action="communities.pair_create", obj=pair, name=str(pair))
    people = _admins(school, strong)
    if organization is not None and strong is None:
        people += list(get_user_model().objects.filter(role_assignments__organization=organization,
                                                       role_assignments__role__in=(Role.INSTITUTION,
                                                                                   Role.TEACHER_COLLEGE)).distinct())
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"结对帮扶：{pair.helper_name} → {school.name}",
                         body=f"{actor.name}建立了结对帮扶（{starts_on:%Y年%m月}—{ends_on:%Y年%m月}）。目标：{goals[:150]}",
                         url=_url(pair)) for u in people])
    return pair


def _teacher_by_phone(phone: str, school: School | None) -> Teacher | None:
    phone = (phone or "").strip()
    if not phone or school is None:
        return None
    return Teacher.objects.filter(user__phone=phone, school=school, status="active").select_related("user").first()


@transaction.atomic
def mentor_pair_add(*, actor, pair: SchoolPair, mentor_phone: str, mentee_phone: str) -> MentorPair:
    """A 远程授课教师 (a teacher of the helping school, or a person of the assisting
    organization) and a 乡村教师 of the assisted school. Both are told."""
    mentee = _teacher_by_phone(mentee_phone, pair.school)
    if mentee is None:
        raise ValidationError(MENTEE_UNKNOWN)
    mentor = _teacher_by_phone(mentor_phone, pair.strong_school)
    mentor_user = mentor.user if mentor else None
    if mentor_user is None and pair.organization_id:
        mentor_user = get_user_model().objects.filter(
            phone=(mentor_phone or "").strip(), role_assignments__organization_id=pair.organization_id).first()
    if mentor_user is None:
        raise ValidationError(MENTOR_UNKNOWN)
    try:
        with transaction.atomic():
            link = MentorPair.objects.create(pair=pair, mentor=mentor, mentor_user=mentor_user, mentee=mentee)
    except IntegrityError:
        raise ValidationError(MENTOR_PAIR_EXISTS) from None
    audit(actor=actor, action="communities.mentor_pair_add", obj=pair, mentor=mentor_user.pk, teacher=mentee.pk)
    notify_many([
        Message(to=mentor_user, kind=Kind.OTHER, title=f"您将指导{pair.school.name}的{mentee.name}老师",
                body=f"结对帮扶“{pair}”中，您与{mentee.name}老师结为师徒（双师）。", url=_url(pair)),
        Message(to=mentee, kind=Kind.OTHER, title=f"{mentor_user.name}老师将远程指导您",
                body=f"结对帮扶“{pair}”中，{pair.helper_name}的{mentor_user.name}老师与您结为师徒（双师）。",
                url=_url(pair))])
    return link


def activity_log(*, actor, pair: SchoolPair, kind: str, held_on: dt.date | None, title: str,
                 description: str = "", mentor_pair_id: int | None = None,
                 upload: UploadedFile | None = None) -> PairActivity:
    """Log an activity of the pair with its evidence (one file, optional). The pair's
    `last_activity_on` moves forward, so coverage knows it is not silent."""
    if kind not in PairActivity.Kind.values:
        raise ValidationError(KIND_UNKNOWN)
    title = (title or "").strip()
    if not title:
        raise ValidationError(TITLE_REQUIRED)
    today = timezone.localdate()
    if held_on is None or held_on > today or held_on < pair.starts_on or held_on > pair.ends_on:
        raise ValidationError(DATE_INVALID)
    mentor_pair = MentorPair.objects.filter(pair=pair, pk=mentor_pair_id).first() if mentor_pair_id else None
    tmp, fields = checked_upload(upload, actor, FOLDER) if upload is not None else (None, None)
    try:
        stored = ""
        if tmp is not None:  # stored before the row (a store that is down: a clear message, no row)
            stored = storage_files.save_path(f"{FOLDER}/{pair.pk}/{fields['sha256'][:24]}.{fields['ext']}", tmp,
                                             actor=actor, scope_path=pair.scope_path)
        with storage_files.discarded_on_error(stored) if stored else contextlib.nullcontext(), transaction.atomic():
            activity = PairActivity(pair=pair, mentor_pair=mentor_pair, kind=kind, held_on=held_on, title=title[:100],
                                    description=(description or "").strip(), recorded_by=actor)
            if fields is not None:
                activity.original_name, activity.content_type = fields["original_name"], fields["content_type"]
                activity.size, activity.sha256 = fields["size"], fields["sha256"]
                activity.file_name = stored.removeprefix(f"{FOLDER}/")
            activity.full_clean(exclude=["recorded_by", "mentor_pair"])
            activity.save()
            SchoolPair.objects.filter(pk=pair.pk).filter(
                Q(last_activity_on__isnull=True) | Q(last_activity_on__lt=held_on)).update(last_activity_on=held_on)
            audit(actor=actor, action="communities.pair_activity_log", obj=pair, name=activity.title,
                  kind=kind, count=fields["size"] if fields else 0)
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return activity


def evidence_name(activity: PairActivity) -> str:
    """The activity's evidence in the private file store (core/storage_files.py)."""
    if not activity.file_name or ".." in Path(activity.file_name).parts or activity.file_name.startswith("/"):
        raise FileNotFoundError(activity.file_name)
    return f"{FOLDER}/{activity.file_name}"


@transaction.atomic
def assisted_region_tag(*, actor, region_code: str, tag: str, note: str = "") -> AssistedRegion:
    """Tag a city or county as an assisted region (三区三州-type); a second tag replaces the first;
    an empty tag removes it."""
    region = Region.objects.filter(code=(region_code or "").strip(), level__in=["city", "county"]).first()
    if region is None:
        raise ValidationError(REGION_UNKNOWN)
    tag = (tag or "").strip()[:32]
    if not tag:
        raise ValidationError(TAG_REQUIRED)
    row, _created = AssistedRegion.objects.update_or_create(
        region=region, defaults={"tag": tag, "note": (note or "").strip()[:200], "created_by": actor})
    audit(actor=actor, action="communities.assisted_region_tag", obj=region, name=region.name, tag=tag)
    return row


@transaction.atomic
def assisted_region_untag(*, actor, region_id: int) -> None:
    row = AssistedRegion.objects.filter(region_id=region_id).select_related("region").first()
    if row is not None:
        row.delete()
        audit(actor=actor, action="communities.assisted_region_tag", obj=row.region, name=row.region.name, tag="")



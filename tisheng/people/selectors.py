"""Reads of teachers, always scoped to the actor (`teachers.view`).

`teacher_list` is what the web list, the JSON API and exports start from. It keeps the
model's ordering (org_path, name, id), which the `teacher_list_order` index serves, so a
page is an index range scan, and the school comes along in the same query.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet

from tisheng.accounts.roles import Cap
from tisheng.core import crypto, idcard
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import get_object_for_user, path_q, scope_filter
from tisheng.people.models import Teacher, TeacherPosting

_LAST_DIGITS = re.compile(r"^\d{3}[\dX]$")
_ID_HASH = re.compile(r"^[0-9a-f]{64}$")
_PHONE = re.compile(r"^\+?\d{5,20}$")


def search_kind(q: str) -> str:
    """How the search box reads `q`: "id" (a full valid national ID), "id_hash" (the lookup
    hash of one, which URLs carry instead: see `search_token`), "last4" (the last four
    characters of an ID), "phone" (5+ digits), "name" (anything else) or "" (empty)."""
    if _ID_HASH.match(q.strip()):
        return "id_hash"
    number = idcard.normalize(q)
    if not number:
        return ""
    if len(number) == 18 and idcard.is_valid(number):
        return "id"
    if _LAST_DIGITS.match(number):
        return "last4"
    if _PHONE.match(number):
        return "phone"
    return "name"


def search_token(q: str) -> str:
    """`q` as a URL may carry it: a full national ID becomes its keyed lookup hash (which
    finds the same teacher and means nothing without the key), so the ID never lands in an
    access log, a browser's history or a Referer; anything else stays as it is."""
    if search_kind(q) == "id":
        return crypto.lookup_hash(idcard.normalize(q))
    return q


def _region_path(region: Region | str | None) -> str | None:
    if isinstance(region, Region):
        return region.path
    return Region.objects.filter(code=str(region)).values_list("path", flat=True).first()


def teacher_list(
    actor,
    *,
    q: str = "",
    region: Region | str | None = None,
    school: School | int | str | None = None,
    stage: str | None = None,
    subject: str | None = None,
    status: str | None = None,
) -> QuerySet[Teacher]:
    """Teachers the actor may view, narrowed by the filters, school selected in the same query.

    - `q`: a full 18-character national ID (exact, through its lookup hash) or that hash, the last four
      characters of one, a phone number (exact for 11 digits, else leading digits) or a
      part of a name.
    - `region`: a Region or a division code (city or county): teachers at or below it.
    - `school`: a School, its primary key (int) or its school code (str).
    - `stage`, `subject`, `status`: exact values (see people.choices).

    A filter pointing outside the actor's scope simply finds nothing.
    """
    qs = scope_filter(Teacher.objects.select_related("school"), actor, Cap.TEACHERS_VIEW)
    kind = search_kind(q or "")
    number = idcard.normalize(q or "")
    if kind == "id":
        qs = qs.filter(id_hash=crypto.lookup_hash(number))
    elif kind == "id_hash":
        qs = qs.filter(id_hash=q.strip())
    elif kind == "last4":
        qs = qs.filter(id_last4=number)
    elif kind == "phone":
        qs = qs.filter(phone=number) if len(number) == 11 else qs.filter(phone__startswith=number)
    elif kind == "name":
        qs = qs.filter(name__contains=idcard.normalize_text(q))
    if region:
        region_path = _region_path(region)
        qs = qs.filter(path_q("org_path", [region_path])) if region_path else qs.none()
    if school:
        if isinstance(school, School):
            qs = qs.filter(school=school)
        elif isinstance(school, int):
            qs = qs.filter(school_id=school)
        else:
            qs = qs.filter(school__code=str(school))
    if stage:
        qs = qs.filter(stage=stage)
    if subject:
        qs = qs.filter(subject=subject)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("org_path", "name", "id")


def get_teacher_for_user(actor, pk: int, capability: str = Cap.TEACHERS_VIEW) -> Teacher:
    """One teacher with their school and county: 404 outside the actor's scope, 403 when
    visible but `capability` is not granted there."""
    return get_object_for_user(actor, Teacher.objects.select_related("school__county", "user"), capability, pk=pk)


def teacher_postings(teacher: Teacher) -> QuerySet[TeacherPosting]:
    """The teacher's postings, oldest first, with their schools. The caller has already
    fetched `teacher` through the scope filter."""
    return TeacherPosting.objects.filter(teacher=teacher).select_related("school").order_by("started", "id")


def own_teacher(actor) -> Teacher | None:
    """The teacher record of the signed-in user, if they have one."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Teacher.objects.filter(user=actor).only("id", "name").first()

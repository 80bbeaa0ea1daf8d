"""Each teacher's registration dates (教师资格定期注册): set one at a time by the school (or the
county office) on a page, or for many at once through the roster import's optional column
资格注册有效期至. Every change is a TeacherRegistrationChange row; a school's edit is audited
and tells the teacher; a roster import writes one audit row for all its changes.

The roster column: `people` cannot import the ledger, so the ledger registers the column in
people's registry at start-up (people/roster_columns.py); the import parses it with the other
columns (a bad date is a row error like any other) and hands the committed rows' dates to
`registrations_store` inside its transaction: a fixed number of statements per 1,000 teachers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Role
from tisheng.accounts.services import audit
from tisheng.ledger.models import TeacherRegistration, TeacherRegistrationChange
from tisheng.ledger.registration_windows import WINDOW_YEARS, add_years, valid_until_from, window_start
from tisheng.notifications.models import Kind
from tisheng.notifications.services import notify
from tisheng.orgs.scope import grants_for
from tisheng.people import roster_columns
from tisheng.people.models import Teacher
from tisheng.people.services.bulk import bulk_update, insert_rows
from tisheng.people.services.roster import parse_date

REGISTRATION_DATE_REQUIRED = _("Enter the date the registration is valid until, or the date of the last registration.")
REGISTRATION_DATE_TOO_EARLY = _("The registration date is before 2000; check the year.")
REGISTRATION_DATE_TOO_LATE = _("A registration is valid five years at most: the date is more than five years from today.")
REGISTRATION_LAST_IN_FUTURE = _("The last registration cannot be in the future.")
REGISTRATION_LAST_AFTER_VALID = _("The last registration must be before the date it is valid until.")
REGISTRATION_LONGER_THAN_FIVE = _("A registration is valid five years: the date it is valid until is more than five "
                                  "years after the last registration.")
# Roster import row errors (msgids: the import translates them in the uploader's language).
ROSTER_DATE_BAD = gettext_noop("The registration date is not a date (write it as 2027-08-31)")
ROSTER_DATE_OUT_OF_RANGE = gettext_noop("The registration date must be from 2000 to five years from today")

ROSTER_HEADER = "资格注册有效期至"
ROSTER_ALIASES = ("注册有效期", "注册有效期至", "教师资格注册有效期至", "资格注册有效期", "教师资格证注册有效期至",
                  "定期注册有效期至")
EARLIEST = dt.date(2000, 1, 1)
CHUNK = 1000


def latest_allowed(today: dt.date | None = None) -> dt.date:
    return add_years(today or timezone.localdate(), WINDOW_YEARS)


class RegistrationDateForm(forms.Form):
    valid_until = forms.DateField(label=_("Registration valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last_registered = forms.DateField(label=_("Last registered (or first certified)"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        valid_until, last = data.get("valid_until"), data.get("last_registered")
        today = timezone.localdate()
        if valid_until is None and last is None:
            raise ValidationError(REGISTRATION_DATE_REQUIRED)
        if last is not None:
            if last > today:
                raise ValidationError(REGISTRATION_LAST_IN_FUTURE)
            if last < EARLIEST:
                raise ValidationError(REGISTRATION_DATE_TOO_EARLY)
            if valid_until is None:
                valid_until = data["valid_until"] = valid_until_from(last)
            elif last >= valid_until:
                raise ValidationError(REGISTRATION_LAST_AFTER_VALID)
            elif valid_until > valid_until_from(last):
                raise ValidationError(REGISTRATION_LONGER_THAN_FIVE)
        if valid_until < EARLIEST:
            raise ValidationError(REGISTRATION_DATE_TOO_EARLY)
        if valid_until > latest_allowed(today):
            raise ValidationError(REGISTRATION_DATE_TOO_LATE)
        return data


def source_for(actor) -> str:
    """Who is entering the date: the school, or an office above it."""
    if any(g.role == Role.SCHOOL_ADMIN for g in grants_for(actor)):
        return TeacherRegistration.Source.SCHOOL
    return TeacherRegistration.Source.OFFICE


def registration_of(teacher: Teacher) -> TeacherRegistration | None:
    try:
        return teacher.registration
    except TeacherRegistration.DoesNotExist:
        return None


def registration_set(*, actor, teacher: Teacher, valid_until: dt.date, last_registered: dt.date | None,
                     source: str | None = None) -> TeacherRegistration:
    """Set or correct one teacher's dates (`teacher` fetched through the scope filter by the
    caller): the record, its history row, an audit row, and a notice to the teacher."""
    source = source or source_for(actor)
    with transaction.atomic():
        current = TeacherRegistration.objects.select_for_update().filter(teacher=teacher).first()
        before = current.valid_until if current else None
        if current and (current.valid_until, current.last_registered) == (valid_until, last_registered):
            return current
        record = current or TeacherRegistration(teacher=teacher)
        record.valid_until, record.last_registered, record.source = valid_until, last_registered, source
        record.updated_by = actor if actor is not None and actor.pk else None
        record.updated_at = timezone.now()
        record.full_clean(exclude=["teacher"])
        record.save()
        TeacherRegistrationChange.objects.create(
            teacher=teacher, valid_until_before=before, valid_until=valid_until, last_registered=last_registered,
            source=source, changed_by=record.updated_by, changed_by_name=getattr(actor, "name", "") or "")
        audit(actor=actor, action="ledger.registration_set", obj=teacher, scope_path=teacher.org_path,
              valid_until=f"{valid_until}", before=f"{before or ''}", last_registered=f"{last_registered or ''}",
              source=source)
        if teacher.user_id:
            notify(teacher, Kind.OTHER, gettext("Your registration date is on record"),
                   gettext("Your teacher-qualification registration is recorded as valid until %(date)s. The "
                           "continuing-education hours of the five years before it, from %(start)s, count for "
                           "it.") % {"date": f"{valid_until:%Y-%m-%d}", "start": f"{window_start(valid_until):%Y-%m-%d}"},
                   url=reverse("ledger:my_registry"))
    return record


def registrations_store(values: dict[int, dt.date], *, actor, source: str, scope_path: str = "") -> int:
    """The dates of a committed roster import ({teacher id: valid until}), inside its
    transaction: new records and changed ones in bulk, a history row each, one audit row.
    A blank cell never reaches here (it keeps what is on record). Returns how many changed."""
    if not values:
        return 0
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_name = getattr(actor, "name", "") or ""
    now = timezone.now()
    reference = source[:32]
    changed = 0
    ids = sorted(values)
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset:offset + CHUNK]
        existing = {r.teacher_id: r for r in TeacherRegistration.objects.filter(teacher_id__in=chunk)}
        new_rows, updated, history = [], [], []
        for teacher_id in chunk:
            day = values[teacher_id]
            record = existing.get(teacher_id)
            if record is not None and record.valid_until == day:
                continue
            history.append((teacher_id, record.valid_until if record else None, day, None,
                            TeacherRegistration.Source.ROSTER.value, reference, actor_id, actor_name, now))
            if record is None:
                new_rows.append((teacher_id, day, None, TeacherRegistration.Source.ROSTER.value, actor_id, now))
            else:
                record.valid_until, record.last_registered = day, None
                record.source, record.updated_by_id, record.updated_at = TeacherRegistration.Source.ROSTER, actor_id, now
                updated.append(record)
        insert_rows(TeacherRegistration, ("teacher_id", "valid_until", "last_registered", "source", "updated_by_id",
                                          "updated_at"), new_rows)
        if updated:
            bulk_update(TeacherRegistration, updated, ["valid_until", "last_registered", "source", "updated_by",
                                                       "updated_at"])
        insert_rows(TeacherRegistrationChange, ("teacher_id", "valid_until_before", "valid_until", "last_registered",
                                                "source", "reference", "changed_by_id", "changed_by_name",
                                                "changed_at"), history)
        changed += len(history)
    if changed:
        audit(actor=actor, action="ledger.registration_import", object_type="roster", object_id=reference,
              scope_path=scope_path, teachers=changed)
    return changed


def parse_roster_cell(value: Any) -> dt.date | None:
    """The roster column's cell: None when blank; ValueError(msgid) when not a usable date."""
    try:
        day = parse_date(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError(ROSTER_DATE_BAD) from exc
    if day is not None and not EARLIEST <= day <= latest_allowed():
        raise ValueError(ROSTER_DATE_OUT_OF_RANGE)
    return day


def _store_from_roster(values: dict[int, Any], *, actor, source: str, scope_path: str) -> int:
    return registrations_store(values, actor=actor, source=source, scope_path=scope_path)


def register_roster_column() -> None:
    roster_columns.register(roster_columns.RosterColumn(
        header=ROSTER_HEADER, aliases=ROSTER_ALIASES, example="2027-08-31",
        help=_("Optional. The date the teacher's qualification registration is valid until; the periodic-registration "
               "list measures each teacher's hours over the five years before it. A blank cell keeps the date on record."),
        parse=parse_roster_cell, store=_store_from_roster,
        stored_label=pgettext_lazy("roster counts", "Registration dates")))

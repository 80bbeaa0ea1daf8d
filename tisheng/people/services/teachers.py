"""Single-teacher writes: edit a teacher's fields, transfer a teacher to another school.

The same bookkeeping as the bulk roster import (postings, the teacher role, school counts,
the login account, the audit log), for one teacher at a time from the UI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import AuditAction, RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.core import idcard
from tisheng.orgs.models import School
from tisheng.orgs.scope import forget_grants, get_object_for_user, path_in_scope
from tisheng.people.models import Teacher, TeacherPosting
from tisheng.people.services.roster import (
    PHONE_BAD_FORMAT,
    PHONE_PATTERN,
    PHONE_TAKEN,
    normalize_phone,
    recount_schools,
)
from tisheng.programs.services.enrollment import enrollment_sync_for_schools

if TYPE_CHECKING:
    from tisheng.accounts.models import User as UserType

EDITABLE_FIELDS = ("name", "phone", "stage", "subject", "title", "started_work", "status")
NOT_EDITABLE = gettext_noop("These fields cannot be edited here: %(fields)s")
ALREADY_AT_SCHOOL = gettext_noop("The teacher is already at this school")
REASON_REQUIRED = gettext_noop("Give a reason for the transfer")


def _for_edit(actor: UserType | None, teacher: Teacher) -> Teacher:
    """The teacher, locked, when the actor may edit them: 404 outside their scope, 403 when
    visible but not editable. The system (None) may edit anyone."""
    qs = Teacher.objects.select_for_update()
    if actor is None:
        return qs.get(pk=teacher.pk)
    return get_object_for_user(actor, qs, Cap.TEACHERS_EDIT, pk=teacher.pk)


def _phone_taken(phone: str, teacher: Teacher) -> bool:
    users = User.objects.filter(phone=phone)
    if teacher.user_id:
        users = users.exclude(pk=teacher.user_id)
    return users.exists() or Teacher.objects.filter(phone=phone).exclude(pk=teacher.pk).exists()


@transaction.atomic
def teacher_update(*, actor: UserType | None, teacher: Teacher, **fields: Any) -> Teacher:
    """Change some of EDITABLE_FIELDS; the login account follows name and phone; a status
    change recounts the school. Audited with the names of the changed fields (not values:
    they are personal data)."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(_(NOT_EDITABLE) % {"fields": ", ".join(unknown)})
    teacher = _for_edit(actor, teacher)
    if "name" in fields:
        fields["name"] = idcard.normalize_text(fields["name"])
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    changed = [f for f, value in fields.items() if getattr(teacher, f) != value]
    if not changed:
        return teacher
    for f in changed:
        setattr(teacher, f, fields[f])
    errors: dict[str, list[str]] = {}
    if "phone" in changed and teacher.phone:
        if not PHONE_PATTERN.match(teacher.phone):
            errors["phone"] = [_(PHONE_BAD_FORMAT)]
        elif _phone_taken(teacher.phone, teacher):
            errors["phone"] = [_(PHONE_TAKEN)]
    try:
        teacher.full_clean(exclude=["user", "school", "id_hash", "id_encrypted", "id_last4", "birth_date", "sex"])
    except ValidationError as exc:
        for f, messages in exc.message_dict.items():
            errors.setdefault(f, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    teacher.updated_at = timezone.now()
    teacher.save(update_fields=[*changed, "updated_at"])
    if teacher.user_id and ({"name", "phone"} & set(changed)):
        user = teacher.user
        user.name = teacher.name
        user.phone = teacher.phone or user.phone
        user.save(update_fields=["name", "phone"])
    if "status" in changed:
        recount_schools([teacher.school_id])
        enrollment_sync_for_schools([teacher.school_id])  # back from leave: enrolled like a hire
    audit(actor=actor, action=AuditAction.TEACHER_CHANGED, obj=teacher, fields=changed)
    return teacher


@transaction.atomic
def teacher_transfer(*, actor: UserType | None, teacher: Teacher, school: School, reason: str) -> Teacher:
    """Move a teacher to `school`: the open posting closes, a new one opens, the teacher
    role moves, both schools are recounted. The actor must be able to edit the teacher and
    the destination (a transfer into another county is that county's roster import)."""
    teacher = _for_edit(actor, teacher)
    if actor is not None and not path_in_scope(actor, Cap.TEACHERS_EDIT, school.path):
        raise PermissionDenied
    reason = idcard.normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": [_(REASON_REQUIRED)]})
    if teacher.school_id == school.pk:
        raise ValidationError({"school": [_(ALREADY_AT_SCHOOL)]})
    now = timezone.now()
    old_school = teacher.school_id
    actor_id = actor.pk if actor is not None else None
    TeacherPosting.objects.filter(teacher=teacher, ended__isnull=True).update(ended=now)
    TeacherPosting.objects.create(teacher=teacher, school=school, started=now, source="manual", recorded_by_id=actor_id)
    teacher.school = school
    teacher.org_path = school.path
    teacher.updated_at = now
    teacher.save(update_fields=["school", "org_path", "updated_at"])
    if teacher.user_id:
        RoleAssignment.objects.filter(user_id=teacher.user_id, role=Role.TEACHER).delete()
        RoleAssignment.objects.create(user_id=teacher.user_id, role=Role.TEACHER, school=school, granted_at=now,
                                      granted_by_id=actor_id)
        forget_grants(teacher.user)
    recount_schools([old_school, school.pk])
    enrollment_sync_for_schools([school.pk])  # their enrollments move with them
    audit(actor=actor, action=AuditAction.TEACHER_TRANSFERRED, obj=teacher, from_school=old_school,
          to_school=school.pk, reason=reason, source="manual")
    return teacher

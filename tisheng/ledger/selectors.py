"""Reads of the hours ledger and declarations, always scoped to the actor.

Ledger rows, enrollments and declarations are scoped by the teacher's school path, with the
teacher themselves seeing their own (`teachers.view`, self-scoped for the teacher role).
"""

from __future__ import annotations

from django.db.models import QuerySet

from tisheng.accounts.roles import Cap
from tisheng.ledger.models import ImportedHoursDeclaration, LedgerEntry
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher
from tisheng.programs.models import Enrollment


def enrollments_of(actor, teacher: Teacher) -> QuerySet[Enrollment]:
    """The teacher's enrollments the actor may see, with their programs."""
    return (scope_filter(Enrollment.objects.filter(teacher=teacher), actor, Cap.TEACHERS_VIEW)
            .select_related("program").order_by("-program__start_date", "program_id"))


def get_enrollment_for_user(actor, *, teacher_id: int, program_id: int) -> Enrollment:
    """One enrollment with its teacher, school and program: 404 outside the actor's scope."""
    return get_object_for_user(
        actor, Enrollment.objects.select_related("program", "teacher__school__county", "school"),
        Cap.TEACHERS_VIEW, teacher_id=teacher_id, program_id=program_id)


def ledger_entries(enrollment: Enrollment) -> QuerySet[LedgerEntry]:
    """Every entry of an enrollment the caller already fetched through the scope filter,
    oldest first, with who granted it (one query)."""
    return (LedgerEntry.objects.filter(teacher_id=enrollment.teacher_id, program_id=enrollment.program_id)
            .select_related("granted_by").order_by("at", "id"))


def declarations_of(actor, teacher: Teacher) -> QuerySet[ImportedHoursDeclaration]:
    return (scope_filter(ImportedHoursDeclaration.objects.filter(teacher=teacher), actor, Cap.TEACHERS_VIEW)
            .select_related("program", "decided_by"))


def declaration_queue(actor, *, state: str = ImportedHoursDeclaration.State.PENDING) -> QuerySet[ImportedHoursDeclaration]:
    """Declarations the actor may decide (`hours.approve`: the school), oldest pending first."""
    qs = scope_filter(ImportedHoursDeclaration.objects.filter(state=state), actor, Cap.HOURS_APPROVE)
    order = ("created_at", "id") if state == ImportedHoursDeclaration.State.PENDING else ("-decided_at", "-id")
    return qs.select_related("teacher__school", "program", "decided_by").order_by(*order)


def get_declaration_for_user(actor, pk: int, capability: str = Cap.TEACHERS_VIEW) -> ImportedHoursDeclaration:
    """404 outside the actor's scope, 403 when visible but `capability` is not granted."""
    return get_object_for_user(actor, ImportedHoursDeclaration.objects.select_related("teacher", "program"),
                               capability, pk=pk)

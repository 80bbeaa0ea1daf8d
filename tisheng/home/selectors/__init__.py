"""The home page's reads: one section per role the user holds, in the order of the roles'
daily use (teacher first, administrators last). Each section's items come from the domain
apps' own models and selectors, through the scope filter (see work.py and teacher.py)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from tisheng.accounts.roles import Role
from tisheng.home.selectors import teacher as teacher_selectors
from tisheng.home.selectors import work
from tisheng.home.selectors.items import Item, Section

__all__ = ["Item", "Section", "home_sections", "provided_sections"]

ROLE_ORDER = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.SCHOOL_ASSESSOR, Role.COUNTY_OFFICE, Role.CITY_OFFICE,
              Role.PROVINCE_OFFICE, Role.TEACHER_COLLEGE, Role.INSTITUTION, Role.EVALUATOR, Role.SECURITY_ADMIN,
              Role.AUDIT_ADMIN)


def _assignments(actor) -> list:
    """The actor's live role assignments with their nodes (one query)."""
    from tisheng.accounts.models import RoleAssignment

    return list(RoleAssignment.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                                              user=actor)
                .select_related("region", "school", "organization").order_by("id"))


def home_sections(actor, teacher=None) -> list[Section]:
    """A section per role the actor holds (several nodes of one role make one section)."""
    from tisheng.orgs.scope import grants_for

    by_role: dict[str, list] = {}
    for a in _assignments(actor):
        by_role.setdefault(a.role, []).append(a)
    paths: dict[str, list[str]] = {}
    for g in grants_for(actor):
        paths.setdefault(g.role, []).extend(g.paths)
    sections = []
    for role in ROLE_ORDER:
        assignments = by_role.get(role)
        if not assignments:
            continue
        section = Section(role=role, title=str(Role(role).label),
                          node="、".join(dict.fromkeys(a.node.name for a in assignments if a.node is not None)))
        role_paths = sorted(set(paths.get(role, [])))
        if role == Role.TEACHER:
            if teacher is None:
                continue
            section.programs = teacher_selectors.teacher_cards(actor, teacher)
            section.items = teacher_selectors.teacher_items(actor, teacher)
        elif role == Role.SCHOOL_ADMIN:
            section.items = work.school_admin_items(actor, role_paths)
        elif role == Role.SCHOOL_ASSESSOR:
            section.items = work.school_assessor_items(actor, role_paths)
        elif role in work.OFFICE_LEVEL:
            section.items = work.office_items(actor, role, role_paths)
        elif role == Role.TEACHER_COLLEGE:
            section.items = work.teacher_college_items(actor, role_paths)
        elif role == Role.INSTITUTION:
            section.items = work.institution_items(actor, role_paths)
        elif role == Role.EVALUATOR:
            ends = [a.expires_at for a in assignments if a.expires_at]
            section.items = work.evaluator_items(actor, role_paths, min(ends) if ends else None)
        elif role == Role.SECURITY_ADMIN:
            section.items = work.security_admin_items(actor)
        elif role == Role.AUDIT_ADMIN:
            section.items = work.audit_admin_items(actor)
        sections.append(section)
    return sections + provided_sections(actor)


def provided_sections(actor) -> list[Section]:
    """The sections other apps add through tisheng.home.todos (one per source with rows)."""
    from tisheng.home.todos import SOURCES

    sections = []
    for source in SOURCES.values():
        rows = source.rows(actor)
        if rows:
            sections.append(Section(role=source.key, title=str(source.title), node="",
                                    items=[Item(**row) for row in rows]))
    return sections

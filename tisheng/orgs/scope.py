"""The one scope filter. Every read and write of org-tree data goes through here.

A model opts in by naming the field that holds its materialized path (`scope_path_field`)
and, for records a person owns, the field that points at that person's user
(`scope_owner_field`). An actor's role assignments grant capabilities over subtrees; the
filter turns them into one SQL condition, so nothing is fetched and then filtered in Python.

    teachers = scope_filter(Teacher.objects.all(), actor, Cap.TEACHERS_VIEW)
    teacher = get_object_for_user(actor, Teacher, Cap.TEACHERS_EDIT, pk=pk)  # 404 / 403
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from tisheng.accounts.roles import ROLE_CAPABILITIES, SELF_SCOPED_ROLES

# Q() matching nothing; `Q(pk__in=[])` compiles to a constant false without a query.
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Grant:
    role: str
    paths: tuple[str, ...]
    self_only: bool


def grants_for(actor) -> list[Grant]:
    """The actor's role assignments, loaded once per user object (one query)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, "_scope_grants", None)
    if cached is not None:
        return cached
    assignments = _live_assignments(actor)
    _load_contract_paths([a.organization for a in assignments
                          if a.organization_id and a.organization.kind == "institution"])
    grants = [
        Grant(role=a.role, paths=tuple(a.scope_paths()), self_only=a.role in SELF_SCOPED_ROLES)
        for a in assignments
    ]
    actor._scope_grants = grants
    actor._scope_assignments = assignments  # the header's "role · where" shows these (no second query)
    return grants


_GRANTS_SQL: str | None = None


def _grants_sql() -> str:
    global _GRANTS_SQL
    if _GRANTS_SQL is None:
        from tisheng.accounts.models import RoleAssignment
        from tisheng.orgs.models import Organization, Region, School

        a, r, s, o = (m._meta.db_table for m in (RoleAssignment, Region, School, Organization))
        _GRANTS_SQL = (
            "SELECT a.id, a.user_id, a.role, a.region_id, a.school_id, a.organization_id, r.name, r.path, "
            "s.name, s.path, o.name, o.kind, o.region_id, o.path, orr.name, orr.path "
            f"FROM {a} a LEFT JOIN {r} r ON r.id = a.region_id LEFT JOIN {s} s ON s.id = a.school_id "
            f"LEFT JOIN {o} o ON o.id = a.organization_id LEFT JOIN {r} orr ON orr.id = o.region_id "
            "WHERE a.user_id = %s AND (a.expires_at IS NULL OR a.expires_at > %s) ORDER BY a.id")
    return _GRANTS_SQL


def _partial(model: type[Model], db: str, values: dict):
    """An instance with only `values` loaded; every other field deferred (read if touched)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[n] for n in names])


def _live_assignments(actor) -> list:
    """The actor's role assignments that have not ended (an expired time-limited grant, an
    evaluator's, grants nothing), each with its node (region, school or organization with its
    region) holding the names and paths the scope and the header need: one query, written in SQL
    because it runs on every page and the same read through the ORM's select_related of four
    tables was the largest single cost of a light page (bench_communities_replies_profile)."""
    from django.db import connection
    from django.utils import timezone

    from tisheng.accounts.models import RoleAssignment
    from tisheng.orgs.models import Organization, Region, School

    db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(_grants_sql(), [actor.pk, connection.ops.adapt_datetimefield_value(timezone.now())])
        rows = cursor.fetchall()
    assignments = []
    for (pk, user_id, role, region_id, school_id, org_id, r_name, r_path, s_name, s_path, o_name, o_kind,
         o_region_id, o_path, or_name, or_path) in rows:
        a = _partial(RoleAssignment, db, {"id": pk, "user_id": user_id, "role": role, "region_id": region_id,
                                          "school_id": school_id, "organization_id": org_id})
        a.region = _partial(Region, db, {"id": region_id, "name": r_name, "path": r_path}) if region_id else None
        a.school = _partial(School, db, {"id": school_id, "name": s_name, "path": s_path}) if school_id else None
        org = None
        if org_id:
            org = _partial(Organization, db, {"id": org_id, "name": o_name, "kind": o_kind, "region_id": o_region_id,
                                              "path": o_path})
            org.region = _partial(Region, db, {"id": o_region_id, "name": or_name, "path": or_path})
        a.organization = org
        assignments.append(a)
    return assignments


def _load_contract_paths(institutions: list) -> None:
    """A training institution's scope is the regions of its contracts: one query for all
    of the user's institutions, and none for users who hold no institution role."""
    if not institutions:
        return
    from tisheng.learning.models import Contract

    paths: dict[int, set[str]] = {org.pk: set() for org in institutions}
    for org_id, path in Contract.objects.filter(institution__in=list(paths)).values_list(
            "institution_id", "region_path"):
        paths[org_id].add(path)
    for org in institutions:
        org._contract_paths = sorted(paths[org.pk])


def forget_grants(actor) -> None:
    """Drop the cached grants after the actor's assignments change."""
    if hasattr(actor, "_scope_grants"):
        del actor._scope_grants
    if hasattr(actor, "_scope_assignments"):
        del actor._scope_assignments


def has_capability(actor, capability: str) -> bool:
    """Whether any of the actor's roles grants `capability` somewhere."""
    return any(capability in ROLE_CAPABILITIES.get(g.role, ()) for g in grants_for(actor))


def capability_paths(actor, capability: str) -> list[str]:
    """Subtree roots over which the actor holds `capability`, without nested duplicates."""
    paths = sorted(
        {p for g in grants_for(actor) if not g.self_only and capability in ROLE_CAPABILITIES.get(g.role, ())
         for p in g.paths}
    )
    roots: list[str] = []
    for p in paths:
        if not any(p == r or p.startswith(r + "/") for r in roots):
            roots.append(p)
    return roots


def path_q(field: str, paths: list[str]) -> Q:
    """`field` lies at or below any of `paths`: an indexed prefix match per root."""
    q = NOTHING
    for p in paths:
        q |= Q(**{field: p}) | Q(**{f"{field}__startswith": p + "/"})
    return q


def scope_q(actor, capability: str, model: type[Model]) -> Q:
    path_field = getattr(model, "scope_path_field", None)
    if path_field is None:
        raise TypeError(f"{model.__name__} does not declare scope_path_field")
    q = path_q(path_field, capability_paths(actor, capability))
    owner_field = getattr(model, "scope_owner_field", None)
    if owner_field and any(
        g.self_only and capability in ROLE_CAPABILITIES.get(g.role, ()) for g in grants_for(actor)
    ):
        q |= Q(**{owner_field: actor.pk})
    return q


def scope_filter(qs: QuerySet, actor, capability: str) -> QuerySet:
    """`qs` narrowed to what `actor` may do `capability` to."""
    return qs.filter(scope_q(actor, capability, qs.model))


def is_in_scope(actor, obj: Model, capability: str) -> bool:
    return scope_filter(type(obj)._default_manager.filter(pk=obj.pk), actor, capability).exists()


def get_object_for_user(actor, model_or_qs, capability: str, **lookup):
    """Fetch one object for an action: 404 when the actor cannot see it at all (the same
    answer as "does not exist"), 403 when it is visible but the action is not allowed."""
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    view_capability = qs.model.scope_view_capability
    obj = scope_filter(qs, actor, view_capability).filter(**lookup).first()
    if obj is None:
        raise Http404
    if capability != view_capability and not is_in_scope(actor, obj, capability):
        raise PermissionDenied
    return obj


def path_in_scope(actor, capability: str, path: str) -> bool:
    """Whether a node at `path` is inside the actor's subtree for `capability` (no query
    beyond loading the actor's grants)."""
    return any(path == r or path.startswith(r + "/") for r in capability_paths(actor, capability))

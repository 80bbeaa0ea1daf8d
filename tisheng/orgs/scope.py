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
    from django.utils import timezone

    from tisheng.accounts.models import RoleAssignment

    # An expired time-limited grant (an evaluator's) grants nothing. The cache lives on the user
    # object, which each request loads afresh, so an expiry takes effect at the next request.
    assignments = RoleAssignment.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user=actor).select_related(
        "region", "school", "organization", "organization__region"
    )
    assignments = list(assignments)
    _load_contract_paths([a.organization for a in assignments
                          if a.organization_id and a.organization.kind == "institution"])
    grants = [
        Grant(role=a.role, paths=tuple(a.scope_paths()), self_only=a.role in SELF_SCOPED_ROLES)
        for a in assignments
    ]
    actor._scope_grants = grants
    actor._scope_assignments = assignments  # the header's "role · where" shows these (no second query)
    return grants


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

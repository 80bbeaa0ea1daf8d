"""Institution reads, scoped: the province office sees the rounds and applications under its
institutions.manage scope; an institution sees the rounds (public calls) and only its own
application; an assigned expert reads the application they score; anyone reads a published
result."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.institutions.models import Application, ApplicationStatus, SelectionRound
from tisheng.institutions.services.selection import ROUND_KEY, institution_of
from tisheng.orgs.scope import capability_paths, has_capability, path_q
from tisheng.panels.selectors import expert_may_read


def office_rounds(actor: User) -> QuerySet[SelectionRound]:
    return SelectionRound.objects.filter(path_q("scope_path", capability_paths(actor, Cap.INSTITUTIONS_MANAGE))
                                         ).select_related("program", "panel")


def is_office(actor: User, selection: SelectionRound) -> bool:
    return office_rounds(actor).filter(pk=selection.pk).exists()


def round_list(actor: User) -> QuerySet[SelectionRound]:
    """An office's rounds; for an institution, every round (they are public calls)."""
    if has_capability(actor, Cap.INSTITUTIONS_MANAGE):
        return office_rounds(actor)
    if has_capability(actor, Cap.INSTITUTIONS_APPLY):
        return SelectionRound.objects.select_related("program", "panel")
    return SelectionRound.objects.none()


def get_round_for_user(actor: User, pk: int) -> SelectionRound:
    selection = round_list(actor).filter(pk=pk).first()
    if selection is None:
        raise Http404
    return selection


def own_application(actor: User, selection: SelectionRound) -> Application | None:
    institution = institution_of(actor)
    if institution is None:
        return None
    return Application.objects.filter(round=selection, institution=institution).prefetch_related("files").first()


def applications_for_office(selection: SelectionRound) -> list[Application]:
    """The round's applications with the panel's frozen result for each (`result`)."""
    applications = list(selection.applications.exclude(status=ApplicationStatus.DRAFT)
                        .select_related("institution", "decided_by").prefetch_related("files"))
    results = {}
    if selection.panel_id and selection.panel.results:
        results = {r["key"]: r for r in selection.panel.results.get("items", [])}
    for a in applications:
        a.result = results.get(f"application:{a.pk}")
    applications.sort(key=lambda a: (a.result is None or a.result.get("rank") is None,
                                     (a.result or {}).get("rank") or 0, a.institution.name))
    return applications


def get_application_for_reader(actor: User, pk: int) -> Application:
    """The application page: the office over the round, the institution itself, or an expert
    assigned to score it (without a declared conflict). Anyone else: 404."""
    application = Application.objects.select_related("round", "institution").filter(pk=pk).first()
    if application is None:
        raise Http404
    if is_office(actor, application.round):
        return application
    institution = institution_of(actor)
    if institution is not None and institution.pk == application.institution_id:
        return application
    if expert_may_read(actor, ROUND_KEY % application.round_id, f"application:{application.pk}"):
        return application
    raise Http404


def published_round(pk: int) -> SelectionRound:
    selection = SelectionRound.objects.filter(pk=pk, published_at__isnull=False).select_related("program").first()
    if selection is None:
        raise Http404
    return selection


def selected_applications(selection: SelectionRound) -> list[Application]:
    return list(selection.applications.filter(status=ApplicationStatus.SELECTED).select_related("institution")
                .order_by("institution__name"))

"""Panel writes. The owning app (a selection round, an achievement round) calls:

    panel = panel_create(actor=…, round_key="institutions.selection:3", title=…, scope_path=region.path,
                         rubric={"criteria": [...]}, ends_on=date)
    panel_items_set(panel=panel, items=[ItemSpec(key="application:17", title="某机构", organization=org)])
    expert = panel_expert_add(actor=…, panel=panel, phone="139…", name="…", affiliation="…")
    panel_assign_all(actor=…, panel=panel)        # every expert × every item, conflicts left out
    # experts: scores_submit(actor=expert_user, assignment=…, values={"c1": "80", …})
    #          conflict_declare(actor=expert_user, item=…, reason="…")
    panel_close(actor=…, panel=panel)             # freezes panel.results; sends `panel_closed`

and listens to `panel_closed` (tisheng.panels.signals) for the results. Everything a manager does
needs panels.manage over `panel.scope_path`; an expert acts only on their own assignments while
their grant lasts (role `expert` at the panel's region until the end of `ends_on`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.evaluators import end_of_day, initial_password, today
from tisheng.accounts.models import AuditAction, RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit, check_role_fits_account
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message as Notice
from tisheng.notifications.services import notify, notify_many
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.scope import forget_grants, path_in_scope
from tisheng.panels.models import (
    ConflictDeclaration,
    Panel,
    PanelAssignment,
    PanelExpert,
    PanelItem,
    PanelStatus,
    Score,
)
from tisheng.panels.results import panel_results
from tisheng.panels.rubric import rubric_clean
from tisheng.panels.signals import panel_closed
from tisheng.panels.stakes import stakes

PANEL_CLOSED = _("The panel is closed: scores can no longer change.")
PANEL_HAS_SCORES = _("Experts have started scoring: the rubric can no longer change.")
ENDS_ON_PAST = _("The scoring end date must be today or later.")
ENDS_ON_TOO_FAR = _("A panel's experts are granted at most one year: choose an earlier end date.")
PHONE_INVALID = _("Enter the expert's mobile phone number (11 digits).")
NAME_REQUIRED = _("No account has this phone number: give the expert's name to create one.")
ACCOUNT_DISABLED = _("This account is disabled.")
ALREADY_ON_PANEL = _("This expert is already on the panel.")
GRANT_ENDED = _("Your expert grant for this panel has ended.")
CONFLICT_DECLARED = _("You declared a conflict of interest with this item: you cannot score it.")
ORGANIZATION_CONFLICT = _("%(expert)s holds a role at %(organization)s and cannot score its application.")
STAKE_CONFLICT = _("%(expert)s has a stake in this item (its applicant, an author, or one of the unit that put it "
                   "forward) and cannot score it: assign another expert.")
OWN_STAKE = _("You have a stake in this item (its applicant, an author, or one of the unit that put it forward): "
              "you cannot score it.")
SCORE_MISSING = _("Give a score for every criterion: %(criterion)s is missing.")
SCORE_OUT_OF_RANGE = _("The score for %(criterion)s must be a number from 0 to %(max)s (at most two decimals).")
REASON_REQUIRED = _("Say why (at least 4 characters).")
NO_ITEMS = _("The panel has no items to assign yet.")
NO_EXPERTS = _("Add at least one expert first.")

MAX_DAYS = 366


@dataclass
class ItemSpec:
    key: str
    title: str
    organization: Organization | None = None
    url: str = ""


def _check_manager(actor: User, panel: Panel) -> None:
    if not path_in_scope(actor, Cap.PANELS_MANAGE, panel.scope_path):
        raise Http404


def _check_ends_on(ends_on: dt.date) -> None:
    if ends_on < today():
        raise ValidationError(ENDS_ON_PAST, code="ends_on_past")
    if ends_on > today() + dt.timedelta(days=MAX_DAYS):
        raise ValidationError(ENDS_ON_TOO_FAR, code="ends_on_too_far")


@transaction.atomic
def panel_create(*, actor: User, round_key: str, title: str, scope_path: str, rubric: dict,
                 ends_on: dt.date) -> Panel:
    if not path_in_scope(actor, Cap.PANELS_MANAGE, scope_path):
        raise PermissionDenied
    _check_ends_on(ends_on)
    panel = Panel(round_key=round_key, title=title[:128], scope_path=scope_path, rubric=rubric_clean(rubric),
                  ends_on=ends_on, created_by=actor)
    panel.full_clean()
    panel.save()
    audit(actor=actor, action="panels.created", obj=panel, title=panel.title)
    return panel


@transaction.atomic
def panel_rubric_set(*, actor: User, panel: Panel, rubric: dict) -> Panel:
    """Change the rubric while nobody has scored yet."""
    _check_manager(actor, panel)
    if Score.objects.filter(item__panel=panel).exists():
        raise ValidationError(PANEL_HAS_SCORES, code="panel_has_scores")
    panel.rubric = rubric_clean(rubric)
    panel.save(update_fields=["rubric"])
    audit(actor=actor, action="panels.rubric_changed", obj=panel)
    return panel


def panel_items_set(*, panel: Panel, items: list[ItemSpec]) -> list[PanelItem]:
    """Add the items not yet on the panel and retitle the others (the owning app calls this
    whenever its list changes; items already scored are never removed)."""
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    existing = {i.key: i for i in panel.items.all()}
    out = []
    for spec in items:
        item = existing.get(spec.key)
        if item is None:
            item = PanelItem.objects.create(panel=panel, key=spec.key, title=spec.title[:128],
                                            organization=spec.organization, url=spec.url)
        elif (item.title, item.url) != (spec.title[:128], spec.url):
            item.title, item.url = spec.title[:128], spec.url
            item.save(update_fields=["title", "url"])
        out.append(item)
    return out


def _expert_account(*, actor: User, phone: str, name: str, ip: str | None) -> tuple[User, str | None]:
    import re

    user = User.objects.filter(phone=phone).first() if phone else None
    if user is None:
        if not re.fullmatch(r"1\d{10}", phone):
            raise ValidationError(PHONE_INVALID, code="phone_invalid")
        if not name:
            raise ValidationError(NAME_REQUIRED, code="name_required")
        password = initial_password()
        user = User(phone=phone, name=name[:64], must_change_password=True)
        user.set_password(password)
        user.full_clean()
        user.save()
        audit(actor=actor, action=AuditAction.USER_CREATED, object_type="user", object_id=str(user.pk), ip=ip)
        return user, password
    if not user.is_active:
        raise ValidationError(ACCOUNT_DISABLED, code="account_disabled")
    check_role_fits_account(user, Role.EXPERT)
    return user, None


def _panel_region(panel: Panel) -> Region:
    region = Region.objects.filter(path=panel.scope_path).first()
    if region is None:
        raise Http404
    return region


@transaction.atomic
def panel_expert_add(*, actor: User, panel: Panel, phone: str, name: str = "", affiliation: str = "",
                     ip: str | None = None) -> PanelExpert:
    """Put an expert on the panel: their account (created with a one-time password, returned
    as `initial_password` on the result, when the phone is new) gets the expert role at the
    panel's region until the end of `ends_on`. The expert is told."""
    _check_manager(actor, panel)
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    phone, name, affiliation = phone.strip(), name.strip(), affiliation.strip()
    user, password = _expert_account(actor=actor, phone=phone, name=name, ip=ip)
    if PanelExpert.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(ALREADY_ON_PANEL, code="already_on_panel")
    region = _panel_region(panel)
    until = end_of_day(panel.ends_on)
    grant, created = RoleAssignment.objects.get_or_create(
        user=user, role=Role.EXPERT, region=region, defaults={"granted_by": actor, "expires_at": until})
    if not created and (grant.expires_at is None or grant.expires_at < until):
        grant.expires_at, grant.granted_by, grant.granted_at = until, actor, timezone.now()
        grant.save(update_fields=["expires_at", "granted_by", "granted_at"])
    forget_grants(user)
    expert = PanelExpert.objects.create(panel=panel, user=user, affiliation=affiliation[:128], added_by=actor)
    audit(actor=actor, action="panels.expert_added", obj=panel, ip=ip, user=user.pk,
          until=panel.ends_on.isoformat())
    notify(user, kind=Kind.OTHER, title=gettext("You are an expert on a review panel"),
           body=gettext("%(office)s put you on the panel “%(panel)s”. Declare any conflict of interest and "
                        "score your assignments by %(until)s.") % {
               "office": actor.name, "panel": panel.title, "until": panel.ends_on.isoformat()},
           url=reverse("panels:mine"))
    expert.initial_password = password
    return expert


def _holds_role_at(user_id: int, organization_id: int | None) -> bool:
    return organization_id is not None and RoleAssignment.objects.filter(
        user_id=user_id, organization_id=organization_id).exists()


@transaction.atomic
def panel_assign(*, actor: User, panel: Panel, item: PanelItem, expert: PanelExpert, assigned: bool) -> None:
    """Assign (or unassign) one item to one expert. An expert who holds a role at the item's
    organisation, or has a stake in it (tisheng.panels.stakes), is never assigned it; an
    unassigned expert's scores of it are removed."""
    _check_manager(actor, panel)
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    if item.panel_id != panel.pk or expert.panel_id != panel.pk:
        raise Http404
    if assigned:
        if _holds_role_at(expert.user_id, item.organization_id):
            raise ValidationError(ORGANIZATION_CONFLICT, code="organization_conflict",
                                  params={"expert": expert.user.name, "organization": item.organization.name})
        if ConflictDeclaration.objects.filter(item=item, expert=expert).exists():
            raise ValidationError(CONFLICT_DECLARED, code="conflict_declared")
        if stakes(panel, [item], [expert.user_id]):
            raise ValidationError(STAKE_CONFLICT, code="stake_conflict", params={"expert": expert.user.name})
        PanelAssignment.objects.get_or_create(item=item, expert=expert)
    else:
        PanelAssignment.objects.filter(item=item, expert=expert).delete()
        Score.objects.filter(item=item, expert=expert).delete()
    audit(actor=actor, action="panels.assigned" if assigned else "panels.unassigned", obj=panel,
          item=item.title, user=expert.user_id)


@transaction.atomic
def panel_assign_all(*, actor: User, panel: Panel) -> int:
    """Every expert to every item, except declared conflicts, the experts who hold a role at
    the item's organisation and those with a stake in it (tisheng.panels.stakes). Returns how
    many assignments are new."""
    _check_manager(actor, panel)
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    items = list(panel.items.all())
    experts = list(panel.experts.all())
    if not items:
        raise ValidationError(NO_ITEMS, code="no_items")
    if not experts:
        raise ValidationError(NO_EXPERTS, code="no_experts")
    declared = set(ConflictDeclaration.objects.filter(item__panel=panel).values_list("item_id", "expert_id"))
    existing = set(PanelAssignment.objects.filter(item__panel=panel).values_list("item_id", "expert_id"))
    org_roles = set(RoleAssignment.objects.filter(
        user__in=[e.user_id for e in experts], organization__in=[i.organization_id for i in items if i.organization_id],
    ).values_list("user_id", "organization_id"))
    staked = stakes(panel, items, [e.user_id for e in experts])
    new = [PanelAssignment(item=i, expert=e) for i in items for e in experts
           if (i.pk, e.pk) not in declared | existing and (e.user_id, i.organization_id) not in org_roles
           and (i.pk, e.user_id) not in staked]
    PanelAssignment.objects.bulk_create(new)
    audit(actor=actor, action="panels.assigned_all", obj=panel, count=len(new))
    return len(new)


def _check_expert(actor: User, assignment: PanelAssignment) -> Panel:
    panel = assignment.item.panel
    if assignment.expert.user_id != actor.pk:
        raise Http404
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    if not RoleAssignment.objects.filter(user=actor, role=Role.EXPERT, expires_at__gt=timezone.now()).exists() \
            or panel.ends_on < today():
        raise ValidationError(GRANT_ENDED, code="grant_ended")
    return panel


@transaction.atomic
def scores_submit(*, actor: User, assignment: PanelAssignment, values: dict[str, str], comment: str = "",
                  ip: str | None = None) -> list[Score]:
    """The expert's scores of one item, one per criterion (all of them, each 0…max); they may
    change them while the panel is open. Nobody else sees them until the panel closes."""
    assignment = PanelAssignment.objects.select_for_update().select_related(
        "item__panel", "expert").get(pk=assignment.pk)
    panel = _check_expert(actor, assignment)
    if ConflictDeclaration.objects.filter(item=assignment.item, expert=assignment.expert).exists():
        raise ValidationError(CONFLICT_DECLARED, code="conflict_declared")
    if stakes(panel, [assignment.item], [actor.pk]):
        raise ValidationError(OWN_STAKE, code="own_stake")
    parsed: dict[str, Decimal] = {}
    for c in panel.rubric["criteria"]:
        raw = str(values.get(c["key"], "")).strip()
        if not raw:
            raise ValidationError(SCORE_MISSING, code="score_missing", params={"criterion": c["label"]})
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or not 0 <= value <= c["max"] or value != value.quantize(Decimal("0.01")):
            raise ValidationError(SCORE_OUT_OF_RANGE, code="score_out_of_range",
                                  params={"criterion": c["label"], "max": c["max"]})
        parsed[c["key"]] = value
    now = timezone.now()
    # Replace the expert's scores of the item as a whole: two statements whatever the rubric.
    Score.objects.filter(item=assignment.item, expert=assignment.expert).delete()
    scores = Score.objects.bulk_create([
        Score(item=assignment.item, expert=assignment.expert, criterion=key, value=value,
              comment=comment.strip()[:500], updated_at=now) for key, value in parsed.items()])
    assignment.submitted_at = now
    assignment.save(update_fields=["submitted_at"])
    # No values in the audit row: the scores stay blind until the panel closes.
    audit(actor=actor, action="panels.scored", obj=panel, ip=ip, item=assignment.item.title)
    return scores


@transaction.atomic
def conflict_declare(*, actor: User, assignment: PanelAssignment, reason: str, ip: str | None = None
                     ) -> ConflictDeclaration:
    """回避: the expert will not score this item; scores they gave it are removed."""
    assignment = PanelAssignment.objects.select_related("item__panel", "expert").get(pk=assignment.pk)
    panel = _check_expert(actor, assignment)
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    try:
        with transaction.atomic():
            declaration = ConflictDeclaration.objects.create(item=assignment.item, expert=assignment.expert,
                                                             reason=reason[:255])
    except IntegrityError:
        declaration = ConflictDeclaration.objects.get(item=assignment.item, expert=assignment.expert)
    Score.objects.filter(item=assignment.item, expert=assignment.expert).delete()
    assignment.submitted_at = None
    assignment.save(update_fields=["submitted_at"])
    audit(actor=actor, action="panels.conflict_declared", obj=panel, ip=ip, item=assignment.item.title,
          reason=reason[:255])
    return declaration


@transaction.atomic
def panel_close(*, actor: User, panel: Panel, ip: str | None = None) -> Panel:
    """Freeze the results (see tisheng.panels.results), tell the experts, and let the owning
    app know (`panel_closed`)."""
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    _check_manager(actor, panel)
    if not panel.is_open:
        raise ValidationError(PANEL_CLOSED, code="panel_closed")
    panel.results = panel_results(panel)
    panel.status = PanelStatus.CLOSED
    panel.closed_at = timezone.now()
    panel.save(update_fields=["results", "status", "closed_at"])
    audit(actor=actor, action="panels.closed", obj=panel, ip=ip, missing=panel.results["missing"])
    notify_many([Notice(to=e.user, kind=Kind.OTHER, title=gettext("A review panel has closed"),
                        body=gettext("The panel “%(panel)s” has closed; you can now see its results.")
                        % {"panel": panel.title}, url=reverse("panels:mine"))
                 for e in panel.experts.select_related("user")])
    panel_closed.send(sender=Panel, panel=panel, actor=actor)
    return panel

"""Achievement reads, already scoped.

- A round is seen by the offices over it (achievements.manage), by the units that may nominate
  in it (achievements.nominate at a node below its region), and, once its results are published,
  by every signed-in person of the province (like the published libraries).
- A nomination is seen by the round's office, by its own unit, by its author, and by experts
  assigned to its panel item (blind: the item page leaves out the author and the unit).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.achievements.models import Nomination, Round, RoundState
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q
from tisheng.panels.selectors import expert_may_read
from tisheng.people.models import Teacher


def _parents(paths: list[str]) -> list[str]:
    """The nodes directly above: where the rounds these units nominate in are run."""
    return sorted({p.rsplit("/", 1)[0] for p in paths if "/" in p})


def round_list(actor) -> QuerySet[Round]:
    manage = capability_paths(actor, Cap.ACHIEVEMENTS_MANAGE)
    nominate = capability_paths(actor, Cap.ACHIEVEMENTS_NOMINATE)
    q = Q(state=RoundState.PUBLISHED) | path_q("scope_path", manage)
    above = _parents(nominate)
    if above:
        q |= Q(scope_path__in=above)
    return Round.objects.filter(q).select_related("region")


def get_round(actor, pk: int) -> Round:
    r = round_list(actor).filter(pk=pk).first()
    if r is None:
        raise Http404
    return r


def is_manager(actor, r: Round) -> bool:
    return path_in_scope(actor, Cap.ACHIEVEMENTS_MANAGE, r.scope_path)


def nominations_of_unit(r: Round, unit_paths: list[str]) -> QuerySet[Nomination]:
    return r.nominations.filter(unit_path__in=unit_paths).select_related("resource", "teacher").order_by("id")


def get_nomination_for_reader(actor, pk: int) -> tuple[Nomination, bool]:
    """The nomination and whether the actor reads it blind (an assigned expert who is not also
    its office, unit or author). 404 for anyone else."""
    n = Nomination.objects.filter(pk=pk).select_related("round__region", "resource", "teacher").first()
    if n is None:
        raise Http404
    if is_manager(actor, n.round) or path_in_scope(actor, Cap.ACHIEVEMENTS_NOMINATE, n.unit_path):
        return n, False
    if n.teacher is not None and n.teacher.user_id == actor.pk:
        return n, False
    if n.round.panel_id and expert_may_read(actor, f"achievements.round:{n.round_id}", n.panel_key):
        return n, True
    raise Http404


def get_award_for_reader(actor, pk: int) -> Nomination:
    """A published award's certificate: its author, its unit, the round's office."""
    n, blind = get_nomination_for_reader(actor, pk)
    if blind or not n.award or n.round.state != RoundState.PUBLISHED:
        raise Http404
    return n


def own_teacher(actor) -> Teacher | None:
    return Teacher.objects.filter(user=actor).first()

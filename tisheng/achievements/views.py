"""Achievement rounds' pages: the list, a new round, one round (what the office, a nominating
unit and everyone after publication each see), the blind item page experts score from, the
winners' workbook and the award certificate."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap
from tisheng.accounts.services import audit
from tisheng.achievements import conflicts, selectors, services
from tisheng.achievements.certificate import render_award_pdf
from tisheng.achievements.exports import winners_xlsx
from tisheng.achievements.models import Award, Nomination, RoundState
from tisheng.core import storage_files
from tisheng.orgs.scope import has_capability
from tisheng.panels.rubric import rubric_as_lines, rubric_from_lines
from tisheng.resources.models import ResourceFile
from tisheng.resources.services import library

CREATED = gettext_lazy("The round is open for nominations; the units below can now nominate.")
NOMINATED = gettext_lazy("Nominated. You can withdraw it until nominations close.")
WITHDRAWN = gettext_lazy("The nomination is withdrawn.")
SCORING = gettext_lazy("Nominations are closed and handed to the expert panel: add experts and assign them there.")
PUBLISHED = gettext_lazy("The results are published: certificates issued, winners entered into the library, "
                         "nominees told.")
NOT_SAVED = gettext_lazy("Nothing was saved: %(error)s")
BAD_DATE = gettext_lazy("Give dates as YYYY-MM-DD.")
DEFAULT_CATEGORIES = "典型应用案例\n课例\n微课\n教学设计"
DEFAULT_RUBRIC = "教学设计与创新, 30, 100\n信息技术融合应用, 30, 100\n教学效果, 25, 100\n示范推广价值, 15, 100"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(str(BAD_DATE)) from None


def _int(value: str, default: int = 0) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


def _manage_regions(actor) -> list:
    out = []
    for a in RoleAssignment.objects.filter(user=actor, region__isnull=False).select_related("region").order_by("id"):
        if Cap.ACHIEVEMENTS_MANAGE in ROLE_CAPABILITIES.get(a.role, ()) and a.region not in out:
            out.append(a.region)
    return out


@never_cache
@login_required
@require_GET
def round_list(request):
    rounds = list(selectors.round_list(request.user)[:200])
    return render(request, "achievements/round_list.html", {
        "rounds": rounds, "can_create": has_capability(request.user, Cap.ACHIEVEMENTS_MANAGE)})


@never_cache
@login_required
def round_new(request):
    regions = _manage_regions(request.user)
    if not regions:
        raise PermissionDenied
    today = timezone.localdate()
    form = {"title": f"{today.year}年优秀应用成果评选", "year": today.year, "categories": DEFAULT_CATEGORIES,
            "rubric": DEFAULT_RUBRIC, "from": today.isoformat(), "until": (today + dt.timedelta(days=30)).isoformat(),
            "quota": 3, "description": "", "region": regions[0].pk}
    error, status = "", 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        region = next((r for r in regions if str(r.pk) == form["region"]), None)
        try:
            if region is None:
                raise PermissionDenied
            r = services.round_create(
                actor=request.user, region=region, title=form["title"], year=_int(form["year"]),
                categories=services.categories_from_lines(form["categories"]),
                rubric=rubric_from_lines(form["rubric"]), nominate_from=_date(form["from"]),
                nominate_until=_date(form["until"]), quota=_int(form["quota"]), description=form["description"])
        except ValidationError as e:
            error, status = " ".join(e.messages), 400
        else:
            messages.success(request, CREATED)
            return redirect("achievements:round", r.pk)
    return render(request, "achievements/round_new.html", {"form": form, "regions": regions, "error": error},
                  status=status)


def _results_rows(r, nominations: list[Nomination]) -> list[dict]:
    proposed = services.proposed_awards(nominations)
    return [{"n": n, "category": r.category_label(n.category),
             "award": n.award if r.state == RoundState.PUBLISHED else proposed.get(n.pk, "")}
            for n in sorted(nominations, key=lambda n: (n.rank or 10**6, n.pk))]


@never_cache
@login_required
@require_GET
def round_detail(request, pk: int):
    actor = request.user
    r = selectors.get_round(actor, pk)
    manager = selectors.is_manager(actor, r)
    units = services.nominating_units(actor, r)
    chosen = request.GET.get("unit") or (units[0].path if units else "")
    unit = next((u for u in units if u.path == chosen), units[0] if units else None)
    today = timezone.localdate()
    ctx = {"r": r, "manager": manager, "units": units, "unit": unit, "awards": Award.choices,
           "window_open": r.state == RoundState.OPEN and r.nominate_from <= today <= r.nominate_until,
           "rubric_lines": rubric_as_lines(r.rubric).splitlines(),
           "ends_on": (today + dt.timedelta(days=14)).isoformat()}
    if unit is not None:
        ctx["mine"] = list(selectors.nominations_of_unit(r, [unit.path]))
        ctx["left"] = max(r.quota - len(ctx["mine"]), 0)
        if r.level == "county":
            ctx["resources"] = list(services.candidate_resources(r, unit.path)[:100])
        else:
            ctx["winners"] = list(services.candidate_winners(r, unit.path)[:100])
    if manager or r.state == RoundState.PUBLISHED:
        nominations = list(r.nominations.select_related("teacher", "resource").order_by("id"))
        if manager and r.state != RoundState.PUBLISHED:
            per_unit: dict[str, list] = {}
            for n in nominations:
                per_unit.setdefault(n.unit_name, []).append(n)
            ctx["per_unit"] = sorted(per_unit.items())
            ctx["n_nominations"] = len(nominations)
        if r.state in (RoundState.SCORED, RoundState.PUBLISHED):
            rows = _results_rows(r, nominations)
            ctx["results"] = rows if manager else [row for row in rows if row["award"]]
        if manager and r.state == RoundState.SCORED:
            # A manager with a stake in a nomination is told who publishes instead (services.check_no_stake).
            stake = conflicts.round_stake(actor, r)
            ctx["can_publish"] = stake is None
            if stake is not None:
                deciders = "、".join(u.name for u in conflicts.other_deciders(actor, r))
                ctx.update(stake=stake, stake_reason=str(stake), deciders=deciders)
    return render(request, "achievements/round_detail.html", ctx)


def _back(r, unit_path: str = ""):
    response = redirect("achievements:round", r.pk)
    if unit_path:
        response["Location"] += f"?unit={unit_path}"
    return response


@login_required
@require_POST
def nominate(request, pk: int):
    r = selectors.get_round(request.user, pk)
    unit_path = request.POST.get("unit", "")
    raw = request.POST.get("candidate", "")
    kind, _sep, ident = raw.partition(":")
    try:
        services.nomination_create(
            actor=request.user, r=r, unit_path=unit_path, category=request.POST.get("category", ""),
            resource_id=_int(ident) if kind == "resource" else None,
            winner_id=_int(ident) if kind == "winner" else None, summary=request.POST.get("summary", ""))
    except ValidationError as e:
        messages.error(request, NOT_SAVED % {"error": " ".join(e.messages)})
    except PermissionDenied as e:
        messages.error(request, NOT_SAVED % {"error": str(e) or services.NOT_YOUR_UNIT})
    else:
        messages.success(request, NOMINATED)
    return _back(r, unit_path)


@login_required
@require_POST
def withdraw(request, pk: int, nomination_id: int):
    r = selectors.get_round(request.user, pk)
    n = r.nominations.filter(pk=nomination_id).first()
    if n is None or not services.nominating_units(request.user, r):
        raise Http404
    try:
        services.nomination_withdraw(actor=request.user, nomination=n)
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
    else:
        messages.success(request, WITHDRAWN)
    return _back(r, n.unit_path)


@login_required
@require_POST
def start_scoring(request, pk: int):
    r = selectors.get_round(request.user, pk)
    try:
        r = services.round_start_scoring(actor=request.user, r=r, ends_on=_date(request.POST.get("ends_on", "")))
    except ValidationError as e:
        messages.error(request, NOT_SAVED % {"error": " ".join(e.messages)})
        return _back(r)
    messages.success(request, SCORING)
    return redirect("panels:detail", r.panel_id)


@login_required
@require_POST
def publish(request, pk: int):
    r = selectors.get_round(request.user, pk)
    if not selectors.is_manager(request.user, r):
        raise Http404
    awards = {n.pk: request.POST.get(f"award_{n.pk}", "") for n in r.nominations.only("pk")}
    try:
        services.round_publish(actor=request.user, r=r, awards=awards)
    except ValidationError as e:
        messages.error(request, NOT_SAVED % {"error": " ".join(e.messages)})
    else:
        messages.success(request, PUBLISHED)
    return _back(r)


@login_required
@require_GET
def export(request, pk: int):
    r = selectors.get_round(request.user, pk)
    if not selectors.is_manager(request.user, r) or r.state != RoundState.PUBLISHED:
        raise Http404
    content = winners_xlsx(r)
    audit(actor=request.user, action="achievements.exported", obj=r, scope_path=r.scope_path)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{r.title}-获奖名单.xlsx")
    return response


@never_cache
@login_required
@require_GET
def item(request, pk: int):
    """One nomination's materials. An expert reads it blind: no author, no unit."""
    n, blind = selectors.get_nomination_for_reader(request.user, pk)
    return render(request, "achievements/item.html", {
        "n": n, "blind": blind, "category": n.round.category_label(n.category),
        "files": list(n.resource.files.all()), "text": n.resource.text[:3000]})


@login_required
@require_GET
def item_file(request, pk: int, file_id: int):
    n, _blind = selectors.get_nomination_for_reader(request.user, pk)
    f = ResourceFile.objects.filter(pk=file_id, resource_id=n.resource_id).first()
    if f is None:
        raise Http404
    # Blind: the download is named by the nomination, not by the file the author uploaded.
    ext = f.original_name.rsplit(".", 1)[-1] if "." in f.original_name else "bin"
    response = storage_files.serve(request, library.file_name(f), content_type=f.content_type,
                                   filename=f"成果{n.pk}-{f.pk}.{ext}", as_attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def certificate(request, pk: int):
    n = selectors.get_award_for_reader(request.user, pk)
    response = HttpResponse(render_award_pdf(n), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"获奖证书-{n.certificate_number}.pdf")
    return response

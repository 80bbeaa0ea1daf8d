"""Pages: the province office's credentials and operations pages, the mapping rules for
institutions, and a teacher's links to the institutions' platforms (single sign-on)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from oauth2_provider.settings import oauth2_settings

from tisheng.accounts.roles import Cap
from tisheng.integration import services
from tisheng.integration.auth import RATE_WINDOW_SECONDS
from tisheng.integration.hooks import reason_message
from tisheng.integration.models import (
    ApiCredential,
    InstitutionApplication,
    InstitutionDay,
    RateWindow,
    Reason,
    StatementOutcome,
)
from tisheng.integration.selectors import institutions_serving, is_placeholder_url, platform_id
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import capability_paths, has_capability, path_q
from tisheng.people.selectors import own_teacher

CREDENTIAL_ROTATED = _("New secret issued; the old one no longer works.")
CREDENTIAL_REVOKED = _("Credential revoked.")
RATE_LIMIT_SAVED = _("Rate limit saved.")
APPLICATION_REVOKED = _("Application revoked; its tokens no longer work.")
PLATFORM_IS_PLACEHOLDER = _("This institution's platform is registered with a placeholder address (demo data), so "
                            "there is no site to sign you in to yet. Once the institution registers its real "
                            "platform, this button signs you in there.")
OPS_DAYS = 7


def _require(request: HttpRequest) -> None:
    if not has_capability(request.user, Cap.INTEGRATION_MANAGE):
        raise PermissionDenied


def _institutions(actor):
    """Training institutions under the actor's INTEGRATION_MANAGE subtrees."""
    return Organization.objects.filter(path_q("path", capability_paths(actor, Cap.INTEGRATION_MANAGE)),
                                       kind="institution").order_by("code")


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


@login_required
def credentials(request: HttpRequest) -> HttpResponse:
    """Every institution with its Basic credentials and OAuth2 applications; issuing shows the
    secret once, on the page the POST returns (never stored, never redirected with it)."""
    _require(request)
    institutions = list(_institutions(request.user))
    issued = None
    if request.method == "POST":
        institution = next((i for i in institutions if str(i.pk) == request.POST.get("institution")), None)
        if institution is None:
            raise Http404
        kind = request.POST.get("kind", "basic")
        try:
            if kind == "basic":
                credential, secret = services.credential_issue(
                    actor=request.user, institution=institution, name=request.POST.get("name", ""),
                    rate_limit=request.POST.get("rate_limit") or None)
                issued = {"kind": "basic", "institution": institution, "id": credential.key, "secret": secret}
            else:
                link, secret = services.application_create(
                    actor=request.user, institution=institution, name=request.POST.get("name", ""),
                    sso=kind == "sso", redirect_uri=request.POST.get("redirect_uri", ""),
                    login_url=request.POST.get("login_url", ""), rate_limit=request.POST.get("rate_limit") or None)
                issued = {"kind": kind, "institution": institution, "id": link.application.client_id,
                          "secret": secret}
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    ids = [i.pk for i in institutions]
    creds: dict[int, list] = {}
    for c in ApiCredential.objects.filter(institution_id__in=ids).order_by("revoked_at", "-created_at"):
        creds.setdefault(c.institution_id, []).append(c)
    apps: dict[int, list] = {}
    for a in (InstitutionApplication.objects.filter(institution_id__in=ids).select_related("application")
              .order_by("revoked_at", "-created_at")):
        apps.setdefault(a.institution_id, []).append(a)
    # The rate limiter's row says when each credential last made a request (to the minute), free.
    keys = [c.key for cs in creds.values() for c in cs] + [a.application.client_id for aps in apps.values()
                                                           for a in aps]
    last = {key: dt.datetime.fromtimestamp(bucket * RATE_WINDOW_SECONDS, tz=dt.UTC) for key, bucket in
            RateWindow.objects.filter(credential_key__in=keys).values_list("credential_key", "bucket")}
    for c in [c for cs in creds.values() for c in cs]:
        c.last_request = last.get(c.key)
    for a in [a for aps in apps.values() for a in aps]:
        a.last_request = last.get(a.application.client_id)
    rows = [{"institution": i, "credentials": creds.get(i.pk, []), "applications": apps.get(i.pk, [])}
            for i in institutions]
    response = render(request, "integration/credentials.html", {
        "rows": rows, "issued": issued, "token_url": request.build_absolute_uri("/o/token/"),
        "issuer": oauth2_settings.oidc_issuer(request),
    })
    if issued:
        response["Cache-Control"] = "no-store"
    return response


def _credential_for(request: HttpRequest, pk: int) -> ApiCredential:
    credential = (ApiCredential.objects.select_related("institution")
                  .filter(pk=pk, institution__in=_institutions(request.user)).first())
    if credential is None:
        raise Http404
    return credential


@login_required
@require_POST
def credential_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require(request)
    credential = _credential_for(request, pk)
    try:
        if action == "rotate":
            secret = services.credential_rotate(actor=request.user, credential=credential)
            messages.success(request, CREDENTIAL_ROTATED)
            response = render(request, "integration/secret_once.html", {
                "institution": credential.institution, "id": credential.key, "secret": secret, "kind": "basic"})
            response["Cache-Control"] = "no-store"
            return response
        if action == "revoke":
            services.credential_revoke(actor=request.user, credential=credential)
            messages.success(request, CREDENTIAL_REVOKED)
        elif action == "rate":
            services.credential_set_rate_limit(actor=request.user, credential=credential,
                                               rate_limit=request.POST.get("rate_limit", ""))
            messages.success(request, RATE_LIMIT_SAVED)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("integration:credentials")


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require(request)
    link = (InstitutionApplication.objects.select_related("institution", "application")
            .filter(pk=pk, institution__in=_institutions(request.user)).first())
    if link is None:
        raise Http404
    try:
        if action == "rotate":
            secret = services.application_rotate(actor=request.user, link=link)
            response = render(request, "integration/secret_once.html", {
                "institution": link.institution, "id": link.application.client_id, "secret": secret,
                "kind": "sso" if link.sso else "oauth"})
            response["Cache-Control"] = "no-store"
            return response
        if action == "revoke":
            services.application_revoke(actor=request.user, link=link)
            messages.success(request, APPLICATION_REVOKED)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("integration:credentials")


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    """Per institution: statements per day (last OPS_DAYS days), credited hours, rejected
    completions by reason, and the latest rejections. A fixed number of queries."""
    _require(request)
    institutions = list(_institutions(request.user))
    ids = [i.pk for i in institutions]
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(OPS_DAYS - 1, -1, -1)]
    per_day: dict[int, dict] = {}
    for row in InstitutionDay.objects.filter(institution_id__in=ids, day__gte=days[0]).values(
            "institution_id", "day", "statements"):
        per_day.setdefault(row["institution_id"], {})[row["day"]] = row["statements"]
    totals = {row["institution_id"]: row for row in StatementOutcome.objects.filter(institution_id__in=ids)
              .values("institution_id").annotate(
                  credited=Count("pk", filter=Q(entry__isnull=False, voided_at__isnull=True)),
                  hours=Sum("hours", filter=Q(entry__isnull=False, voided_at__isnull=True)),
                  rejected=Count("pk", filter=~Q(reason="")),
                  voided=Count("pk", filter=Q(voided_at__isnull=False)))}
    reasons: dict[int, list] = {}
    for row in (StatementOutcome.objects.filter(institution_id__in=ids).exclude(reason="")
                .values("institution_id", "reason").annotate(n=Count("pk")).order_by("institution_id", "-n")):
        reasons.setdefault(row["institution_id"], []).append({"label": Reason(row["reason"]).label, "n": row["n"]})
    rows = []
    for i in institutions:
        counts = [per_day.get(i.pk, {}).get(d, 0) for d in days]
        t = totals.get(i.pk, {})
        rows.append({"institution": i, "days": counts, "week": sum(counts[-7:]), "credited": t.get("credited", 0),
                     "hours": t.get("hours") or 0, "rejected": t.get("rejected", 0), "voided": t.get("voided", 0),
                     "reasons": reasons.get(i.pk, [])})
    latest = (StatementOutcome.objects.filter(institution_id__in=ids).exclude(reason="")
              .select_related("institution").order_by("-stored_at", "-pk")[:50])
    return render(request, "integration/operations.html", {
        "rows": rows, "days": days, "latest": latest, "reason_choices": Reason.choices})


def docs(request: HttpRequest) -> HttpResponse:
    """The mapping rules for institutions' platforms: public, like the xAPI about resource."""
    from django.conf import settings

    return render(request, "integration/docs.html", {
        "site_url": settings.SITE_URL, "reasons": [(code, reason_message(code)) for code in Reason.values],
        "token_url": request.build_absolute_uri("/o/token/"), "lrs_url": request.build_absolute_uri("/xapi/"),
        "issuer": oauth2_settings.oidc_issuer(request),
        "perms_ops": request.user.is_authenticated and has_capability(request.user, Cap.INTEGRATION_MANAGE),
    })


def _sso_links_for(teacher):
    """SSO applications of the institutions contracted where the teacher is enrolled."""
    return (InstitutionApplication.objects.filter(institution_id__in=institutions_serving(teacher),
                                                  revoked_at__isnull=True,
                                                  application__authorization_grant_type="authorization-code")
            .select_related("institution", "application").order_by("institution__name"))


@login_required
def platforms(request: HttpRequest) -> HttpResponse:
    """A teacher's links to the platforms of the institutions that train them."""
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    links = list(_sso_links_for(teacher))
    for link in links:
        link.placeholder = _is_placeholder(link)
    return render(request, "integration/platforms.html", {
        "links": links, "platform_id": platform_id(teacher), "placeholder_text": PLATFORM_IS_PLACEHOLDER})


def _is_placeholder(link: InstitutionApplication) -> bool:
    return is_placeholder_url(link.login_url or link.application.redirect_uris.split()[0])


@login_required
def platform_go(request: HttpRequest, pk: int) -> HttpResponse:
    """Sends the teacher to the platform's login URL (OIDC third-party initiated login: the
    platform then starts the authorization-code flow with its own state, nonce and PKCE, and
    tisheng signs the teacher in without asking again). Without a login URL: the platform's
    site (the origin of its redirect URI)."""
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    link = _sso_links_for(teacher).filter(pk=pk).first()
    if link is None:
        raise Http404
    if _is_placeholder(link):
        # Nowhere to send the teacher: say why on the page they came from.
        messages.info(request, PLATFORM_IS_PLACEHOLDER)
        return redirect("integration:platforms")
    if link.login_url:
        sep = "&" if "?" in link.login_url else "?"
        return redirect(link.login_url + sep + urlencode({"iss": oauth2_settings.oidc_issuer(request)}))
    uri = urlsplit(link.application.redirect_uris.split()[0])
    return redirect(f"{uri.scheme}://{uri.netloc}/")


ACTIVITY_ID_SAVED = _("Activity id saved.")


@login_required
def institution_courses(request: HttpRequest) -> HttpResponse:
    """An institution's own page: the xAPI activity id of each of its courses (what its
    platform's completion statements must name) and its latest rejected completions."""
    from tisheng.learning.models import Course
    from tisheng.learning.selectors import institutions_of

    institutions = list(institutions_of(request.user))
    if not institutions:
        raise PermissionDenied
    ids = [i.pk for i in institutions]
    courses = Course.objects.filter(institution_id__in=ids).select_related("institution", "program").order_by(
        "institution__code", "code")
    if request.method == "POST":
        course = courses.filter(pk=request.POST.get("course") or 0).first()
        if course is None:
            raise Http404
        try:
            services.course_activity_id_set(actor=request.user, course=course,
                                            activity_id=request.POST.get("activity_id", ""))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, ACTIVITY_ID_SAVED)
        return redirect("integration:institution_courses")
    rejected = (StatementOutcome.objects.filter(institution_id__in=ids).exclude(reason="")
                .order_by("-stored_at", "-pk")[:20])
    from django.conf import settings

    return render(request, "integration/institution_courses.html", {
        "courses": courses, "rejected": rejected, "site_url": settings.SITE_URL})

"""The identity platform's pages: start (redirect to the platform), callback (check what it
sent, sign in or ask for the link), the link page, logout through the platform, and the
security admin's list of links."""

from __future__ import annotations

import logging
from importlib import import_module
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from joserfc.errors import JoseError
from lxml import etree

from tisheng.accounts import account_admin
from tisheng.accounts.federation import cas_client, oidc, services
from tisheng.accounts.federation.models import CasSession, IdentityLink, Protocol
from tisheng.accounts.lockout import LoginRefused
from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.orgs.scope import has_capability

log = logging.getLogger(__name__)

PLATFORM_UNREACHABLE = gettext_lazy("The province identity platform did not answer. Try again later, or log in "
                                    "with your phone number or national ID.")
SIGN_IN_FAILED = gettext_lazy("The sign-in from the province identity platform could not be checked, so you are "
                              "not signed in. Start again from the login page.")
LINK_EXPIRED = gettext_lazy("The sign-in from the platform has expired. Start again from the login page.")
SIGNED_IN = gettext_lazy("Signed in through the province education resource public service platform.")
LINKED = gettext_lazy("Your platform identity is now linked to this account: next time the platform signs you "
                      "in directly.")
UNLINKED = gettext_lazy("The link to the platform identity was removed: it can no longer sign in as %(name)s.")

PENDING = "federation_pending"
LOGOUT = "federation_logout"
BACKEND = "tisheng.accounts.backends.PhoneOrNationalIdBackend"


def _failed(request: HttpRequest, message, status: int, **detail) -> HttpResponse:
    audit(actor=None, action="federation.failed", object_type="identity", ip=client_ip(request), **detail)
    return render(request, "federation/failed.html", {"message": message}, status=status)


def _finish(request: HttpRequest, identity: services.Identity, config: dict, logout_data: dict) -> HttpResponse:
    try:
        user = services.identity_sign_in(identity=identity, link_by=config["LINK_BY"], claim=config["LINK_CLAIM"],
                                         ip=client_ip(request))
    except services.SignInRefused as e:
        return render(request, "federation/failed.html", {"message": e.message}, status=403)
    if user is None:
        # Only what it takes to link later: never the platform's attributes (they may hold the ID).
        request.session[PENDING] = {"protocol": identity.protocol, "issuer": identity.issuer,
                                    "subject": identity.subject, "logout": logout_data}
        return redirect("federation:link")
    login(request, user, backend=BACKEND)
    request.session[LOGOUT] = logout_data
    _remember_cas_session(request)
    messages.success(request, SIGNED_IN)
    return redirect("home")


# --- OpenID Connect -------------------------------------------------------------------------


def oidc_start(request: HttpRequest) -> HttpResponse:
    if not oidc.configured():
        raise Http404
    try:
        return oidc.client().authorize_redirect(request, request.build_absolute_uri(reverse("federation:oidc_callback")))
    except (requests.RequestException, AuthlibBaseError, ValueError, RuntimeError):
        log.warning("identity platform discovery failed", exc_info=True)
        return render(request, "federation/failed.html", {"message": PLATFORM_UNREACHABLE}, status=502)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc.configured():
        raise Http404
    client = oidc.client()
    try:
        token = client.authorize_access_token(request, leeway=60)
    except requests.RequestException:
        log.warning("identity platform token request failed", exc_info=True)
        return _failed(request, PLATFORM_UNREACHABLE, 502, protocol="oidc", reason="unreachable")
    except (AuthlibBaseError, JoseError, ValueError, KeyError, RuntimeError) as e:
        return _failed(request, SIGN_IN_FAILED, 400, protocol="oidc", reason=type(e).__name__)
    claims = token.get("userinfo")
    if not token.get("id_token") or not claims or not claims.get("sub"):
        return _failed(request, SIGN_IN_FAILED, 400, protocol="oidc", reason="no_id_token")
    identity = services.Identity(protocol=Protocol.OIDC, issuer=str(claims["iss"]), subject=str(claims["sub"]),
                                 attributes=dict(claims))
    return _finish(request, identity, settings.FEDERATION_OIDC,
                   {"protocol": "oidc", "id_token": token["id_token"]})


# --- CAS ------------------------------------------------------------------------------------


def _cas_service(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("federation:cas_callback"))


def cas_start(request: HttpRequest) -> HttpResponse:
    if not cas_client.configured():
        raise Http404
    return redirect(cas_client.client(_cas_service(request)).get_login_url())


@csrf_exempt  # the CAS server's single-logout POST carries no CSRF token; GETs change nothing else
def cas_callback(request: HttpRequest) -> HttpResponse:
    if not cas_client.configured():
        raise Http404
    if request.method == "POST":
        return _cas_single_logout(request)
    ticket = request.GET.get("ticket", "")
    if not ticket.startswith("ST-") or len(ticket) > 256:
        return _failed(request, SIGN_IN_FAILED, 400, protocol="cas", reason="no_ticket")
    try:
        user, attributes, _pgtiou = cas_client.client(_cas_service(request)).verify_ticket(ticket)
    except requests.RequestException:
        log.warning("CAS ticket validation failed", exc_info=True)
        return _failed(request, PLATFORM_UNREACHABLE, 502, protocol="cas", reason="unreachable")
    except Exception as e:  # python-cas parses the server's XML: anything malformed is a refusal
        return _failed(request, SIGN_IN_FAILED, 400, protocol="cas", reason=type(e).__name__)
    if not user:
        return _failed(request, SIGN_IN_FAILED, 400, protocol="cas", reason="ticket_refused")
    identity = services.Identity(protocol=Protocol.CAS, issuer=cas_client.server_url(), subject=str(user),
                                 attributes=attributes or {})
    return _finish(request, identity, settings.FEDERATION_CAS, {"protocol": "cas", "ticket": ticket})


def _remember_cas_session(request: HttpRequest) -> None:
    ticket = (request.session.get(LOGOUT) or {}).get("ticket")
    if ticket:
        request.session.save()
        CasSession.objects.update_or_create(ticket=ticket, defaults={"session_key": request.session.session_key})


_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def _cas_single_logout(request: HttpRequest) -> HttpResponse:
    """The CAS server's back-channel single logout: a SAML LogoutRequest naming the service
    ticket of a session; that session ends. Parsed without entities or network (the request is
    unauthenticated; only someone who holds the ticket can name the session)."""
    try:
        root = etree.fromstring(request.POST.get("logoutRequest", "")[:8192].encode(), parser=_SAFE_XML)
        ticket = root.findtext(f".//{{{SAMLP}}}SessionIndex") or ""
    except etree.XMLSyntaxError:
        return HttpResponse(status=400)
    found = CasSession.objects.filter(ticket=ticket.strip()).first()
    if found is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=found.session_key)
        user_id = store.get("_auth_user_id")
        store.delete()
        found.delete()
        audit(actor=None, action=AuditAction.LOGOUT, object_type="user", object_id=str(user_id or ""),
              ip=client_ip(request), via="federation_cas_single_logout")
    return HttpResponse(status=200)


# --- linking by password --------------------------------------------------------------------


def link(request: HttpRequest) -> HttpResponse:
    """An identity the platform vouched for that matches no account: the person may link it to
    their tisheng account by proving its password (same lockout as the login page); tisheng
    never creates an account for it."""
    pending = request.session.get(PENDING)
    if not pending:
        messages.error(request, LINK_EXPIRED)
        return redirect("accounts:login")
    identity = services.Identity(protocol=pending["protocol"], issuer=pending["issuer"],
                                 subject=pending["subject"], attributes={})
    error = None
    if request.method == "POST":
        try:
            user = services.identity_link_by_password(
                identity=identity, login=request.POST.get("username", "")[:64],
                password=request.POST.get("password", "")[:256], ip=client_ip(request))
        except LoginRefused as e:
            error = str(e)
        except services.SignInRefused as e:
            error = e.message
        else:
            logout_data = pending.get("logout", {})
            login(request, user, backend=BACKEND)
            request.session[LOGOUT] = logout_data
            _remember_cas_session(request)
            messages.success(request, LINKED)
            return redirect("home")
    return render(request, "federation/link.html", {"error": error, "protocol": pending["protocol"]},
                  status=400 if error else 200)


def logout_url(request: HttpRequest) -> str | None:
    """Where tisheng's logout sends someone who signed in through the platform, so the
    platform's session ends too (single logout): the OIDC end_session_endpoint with the
    id_token as hint, or the CAS server's /logout. None when there is nowhere to go. Call
    before logout() (the session holds what it needs)."""
    data = request.session.get(LOGOUT) or {}
    back = request.build_absolute_uri(reverse("accounts:login"))
    if data.get("protocol") == "oidc" and oidc.configured():
        try:
            metadata = oidc.client().load_server_metadata()
        except (requests.RequestException, AuthlibBaseError, ValueError):
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"id_token_hint": data.get("id_token", ""), "post_logout_redirect_uri": back,
                 "client_id": settings.FEDERATION_OIDC["CLIENT_ID"]}
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
    if data.get("protocol") == "cas" and cas_client.configured():
        return cas_client.client(back).get_logout_url(back)
    return None


# --- the security admin's links -------------------------------------------------------------


def link_list(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Cap.ACCOUNTS_MANAGE):
        raise Http404
    q = request.GET.get("q", "").strip()[:64]
    accounts = account_admin.account_list(request.user, q=q)
    links = (IdentityLink.objects.filter(user__in=accounts.values("pk")).select_related("user")
             .order_by("-created_at", "-pk"))
    page = Paginator(links, 50).get_page(request.GET.get("page"))
    return render(request, "federation/links.html", {"page": page, "q": q})


@require_POST
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_capability(request.user, Cap.ACCOUNTS_MANAGE):
        raise Http404
    found = get_object_or_404(IdentityLink.objects.select_related("user"), pk=pk)
    account_admin.get_account_for_user(request.user, found.user_id)  # 404 outside the actor's scope
    services.identity_link_remove(actor=request.user, link=found, ip=client_ip(request))
    messages.success(request, str(UNLINKED) % {"name": found.user.name})
    return redirect("federation:links")


def entry() -> str | None:
    """The login page's "通过省教育资源公共服务平台登录" link: OpenID Connect when configured,
    else CAS, else none."""
    if oidc.configured():
        return reverse("federation:oidc_start")
    if cas_client.configured():
        return reverse("federation:cas_start")
    return None

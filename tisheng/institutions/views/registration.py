"""Registration pages: the public form a new training institution fills in (no account yet), the
page it lands on, and the province's check queue (read the licence, approve or reject)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tisheng.accounts.roles import Cap
from tisheng.core import storage_files
from tisheng.core.clientip import client_ip, client_network
from tisheng.institutions.models import InstitutionRegistration, RegistrationStatus
from tisheng.institutions.services import registration as svc
from tisheng.orgs.scope import capability_paths, has_capability, path_q


def register(request: HttpRequest) -> HttpResponse:
    """The public registration form; what was typed comes back with each field's problem."""
    form, errors, general, status = svc.RegistrationForm(), {}, [], 200
    if request.method == "POST":
        form = svc.RegistrationForm.from_post(request.POST)
        try:
            registration = svc.registration_submit(form=form, licence=request.FILES.get("licence"),
                                                   network=client_network(client_ip(request)) or "")
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            else:
                general = exc.messages
            status = 429 if getattr(exc, "code", "") == "too_many" else 400
            messages.error(request, _("The registration was not sent: correct what is marked below."))
        else:
            messages.success(request, _("Registration sent: the province office checks it, and you get an SMS at "
                                        "%(phone)s when it is decided.") % {"phone": registration.phone})
            return redirect("institutions:register_sent")
    form.password = form.password2 = ""  # never echoed back
    return render(request, "institutions/register.html", {"form": form, "errors": errors, "general_errors": general},
                  status=status)


@require_GET
def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "institutions/register_sent.html")


def _queue(request: HttpRequest):
    if not has_capability(request.user, Cap.INSTITUTIONS_MANAGE):
        raise Http404
    return InstitutionRegistration.objects.filter(
        path_q("scope_path", capability_paths(request.user, Cap.INSTITUTIONS_MANAGE)))


@login_required
@require_GET
def registration_list(request: HttpRequest) -> HttpResponse:
    queue = _queue(request)
    pending = list(queue.filter(status=RegistrationStatus.PENDING).order_by("created_at", "pk"))
    decided = Paginator(queue.exclude(status=RegistrationStatus.PENDING).select_related("decided_by")
                        .order_by("-decided_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "institutions/registrations.html", {"pending": pending, "decided": decided})


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _queue(request).select_related("decided_by", "organization").filter(pk=pk).first()
    if registration is None:
        raise Http404
    reason, status = "", 200
    if request.method == "POST":
        decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")[:2000]
        ip = client_ip(request)
        try:
            if decision == "approve":
                svc.registration_approve(actor=request.user, pk=registration.pk, ip=ip)
                messages.success(request, _("%(name)s is registered: its account is open and %(contact)s was told.")
                                 % {"name": registration.name, "contact": registration.contact_name})
            elif decision == "reject":
                svc.registration_reject(actor=request.user, pk=registration.pk, reason=reason, ip=ip)
                messages.success(request, _("The registration of %(name)s is rejected; %(contact)s was told why.")
                                 % {"name": registration.name, "contact": registration.contact_name})
            else:
                raise Http404
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 400
        else:
            return redirect("institutions:registrations")
    return render(request, "institutions/registration.html", {"r": registration, "reason": reason}, status=status)


@login_required
@require_GET
def registration_licence(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _queue(request).filter(pk=pk).first()
    if registration is None:
        raise Http404
    return storage_files.serve(request, registration.licence_path, content_type=registration.licence_type, as_attachment=True,
                               filename=registration.licence_name)

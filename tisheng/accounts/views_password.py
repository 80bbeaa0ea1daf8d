"""The password pages: change your own (also the forced change after a reset or for a new
account), forgotten password by SMS code (also a roster-imported teacher's first password), and
a school administrator's reset of a teacher's password. The work is in services_password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from tisheng.accounts import services_password
from tisheng.accounts.forms_password import PasswordChangeForm, ResetConfirmForm, ResetRequestForm
from tisheng.accounts.roles import Cap
from tisheng.accounts.services_password import RESET_CODE_MINUTES, ResetRefused
from tisheng.accounts.sessions import session_record
from tisheng.core.clientip import client_ip
from tisheng.orgs.scope import capability_paths, get_object_for_user, has_capability, scope_filter

RESET_PHONE_KEY = "password_reset_phone"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return ""
    return target


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = services_password.password_change(user=user, new_password=form.cleaned_data["new_password1"],
                                                  ip=client_ip(request), keep_session=request.session.session_key)
        update_session_auth_hash(request, user)  # this session stays signed in (under a new key)
        session_record(user, request.session.session_key)
        if ended:
            messages.success(request, _("Your password is changed. Your %(count)d other sessions were signed out.")
                             % {"count": ended})
        else:
            messages.success(request, _("Your password is changed."))
        return redirect(_next(request) or "home")
    return render(request, "accounts/password_change.html", {
        "form": form, "next": _next(request), "forced": user.must_change_password})


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request):
    form = ResetRequestForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services_password.reset_code_request(phone=phone, ip=client_ip(request))
        except ResetRefused as refused:
            form.add_error("phone", refused.message)
        else:
            request.session[RESET_PHONE_KEY] = phone
            messages.success(request, services_password.CODE_SENT % {"phone": phone, "minutes": RESET_CODE_MINUTES})
            return redirect("passwords:forgot_code")
    return render(request, "accounts/password_forgot.html", {"form": form})


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot_code(request):
    phone = request.session.get(RESET_PHONE_KEY, "")
    form = ResetConfirmForm(data=request.POST or None, initial={"phone": phone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_password.password_reset_with_code(phone=data["phone"], code=data["code"],
                                                       new_password=data["new_password1"], ip=client_ip(request))
        except ResetRefused as refused:
            form.add_error("code", refused.message)
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            request.session.pop(RESET_PHONE_KEY, None)
            messages.success(request, _("Your password is set. Log in with it now."))
            return redirect("accounts:login")
    return render(request, "accounts/password_forgot_code.html", {"form": form, "minutes": RESET_CODE_MINUTES})


def _teachers(request):
    from tisheng.people.models import Teacher

    if not has_capability(request.user, Cap.TEACHERS_PASSWORD_RESET):
        raise Http404
    return scope_filter(Teacher.objects.filter(status="active", user__isnull=False), request.user,
                        Cap.TEACHERS_PASSWORD_RESET)


@login_required
def school_teachers(request):
    """A school administrator's teachers with the state of their login: never logged in (no
    password yet), must change the temporary password, or in use; a reset button each."""
    query = (request.GET.get("q") or "").strip()[:32]
    teachers = _teachers(request).select_related("user", "school").order_by("name", "pk")
    if query:
        teachers = teachers.filter(Q(name__contains=query) | Q(user__phone__contains=query))
    page = Paginator(teachers, 50).get_page(request.GET.get("page"))
    several_schools = len(capability_paths(request.user, Cap.TEACHERS_PASSWORD_RESET)) > 1
    return render(request, "accounts/school_teachers.html", {"page": page, "q": query,
                                                             "several_schools": several_schools})


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def teacher_password_reset(request, pk: int):
    from tisheng.people.models import Teacher

    if not has_capability(request.user, Cap.TEACHERS_PASSWORD_RESET):
        raise Http404
    teacher = get_object_for_user(request.user, Teacher.objects.select_related("user", "school"),
                                  Cap.TEACHERS_PASSWORD_RESET, pk=pk)
    if request.method == "POST":
        try:
            issued = services_password.password_reset_by_school(actor=request.user, teacher=teacher,
                                                                ip=client_ip(request))
        except ResetRefused as refused:
            messages.error(request, refused.message)
            return redirect("passwords:school_teachers")
        messages.success(request, _("The password of %(name)s is reset. The temporary password is shown below "
                                    "once.") % {"name": teacher.name})
        return render(request, "accounts/teacher_password_reset_done.html", {"teacher": teacher, "issued": issued})
    return render(request, "accounts/teacher_password_reset.html", {"teacher": teacher})

from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tisheng.accounts import services
from tisheng.accounts.federation.views import entry as federation_entry
from tisheng.accounts.federation.views import logout_url as federation_logout_url
from tisheng.accounts.forms import LoginForm
from tisheng.accounts.models import AuditAction
from tisheng.core.clientip import client_ip


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)  # password_login has audited it
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        return redirect(target or "home")
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", ""),
                                                   "federation": federation_entry()})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.audit(actor=request.user, action=AuditAction.LOGOUT, object_type="user",
                       object_id=str(request.user.pk), ip=client_ip(request))
    target = federation_logout_url(request)  # signed in through the platform: end its session too
    logout(request)
    return redirect(target or "accounts:login")


"""A person's own notifications: the list (newest first, unread ones marked, read ones greyed),
opening one (marks it read and goes to its page), marking one or all read, and the
notification settings (mute SMS; in-app notifications cannot be muted)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tisheng.notifications import selectors, services

PAGE_SIZE = 20
MARKED_ONE = _("The notification is marked as read.")
MARKED_ALL = _("%(n)d notifications marked as read.")
NOTHING_UNREAD = _("There are no unread notifications.")
SETTINGS_SAVED_MUTED = _("Settings saved: no more SMS notifications; you are still notified here on the site.")
SETTINGS_SAVED_SMS = _("Settings saved: notifications are also sent by SMS to your phone.")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "unread": selectors.unread_count(request.user),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    })


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page of the list the person was on."""
    page = request.POST.get("page", "")
    target = "notifications:list"
    return redirect(f"{redirect(target).url}?page={page}" if page.isdigit() else target)


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go to the page it is about."""
    notification = selectors.get_notification_for_user(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure()):
        return redirect(notification.url)
    return _back(request)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.get_notification_for_user(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    messages.success(request, MARKED_ONE)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_mark_all_read(user=request.user)
    if n:
        messages.success(request, str(MARKED_ALL) % {"n": n})
    else:
        messages.info(request, NOTHING_UNREAD)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        muted = request.POST.get("sms_muted") == "on"
        services.notification_settings_update(user=request.user, sms_muted=muted)
        messages.success(request, SETTINGS_SAVED_MUTED if muted else SETTINGS_SAVED_SMS)
        return redirect("notifications:settings")
    phone = request.user.phone or ""
    return render(request, "notifications/settings.html", {
        "sms_muted": selectors.sms_muted(request.user),
        "phone_masked": f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone,
    })

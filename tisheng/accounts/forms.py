from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts import services
from tisheng.accounts.backends import find_user_by_login

INVALID_LOGIN = _("Wrong account or password. Use your phone number or national ID.")
ACCOUNT_LOCKED = _("Too many failed logins: the account is locked. Try again in %(minutes)d minutes.")
ACCOUNT_INACTIVE = _("This account is disabled.")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Phone number or national ID"), max_length=64,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not login or not password:
            return self.cleaned_data
        known = find_user_by_login(login)
        if known is not None and services.is_locked(known):
            raise forms.ValidationError(ACCOUNT_LOCKED, params={"minutes": _minutes_left(known)}, code="locked")
        user = authenticate(self.request, username=login, password=password)
        if user is None:
            if known is not None and not known.is_active:
                raise forms.ValidationError(ACCOUNT_INACTIVE, code="inactive")
            if known is not None and services.login_failed(user=known, ip=client_ip(self.request)):
                raise forms.ValidationError(ACCOUNT_LOCKED, params={"minutes": _minutes_left(known)},
                                            code="locked")
            raise forms.ValidationError(INVALID_LOGIN, code="invalid_login")
        self.user = user
        return self.cleaned_data


def _minutes_left(user) -> int:
    seconds = (user.locked_until - timezone.now()).total_seconds()
    return max(1, int(seconds + 59) // 60)

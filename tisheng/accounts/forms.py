from django import forms
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.lockout import (  # noqa: F401 (the messages, for views and tests)
    ACCOUNT_INACTIVE,
    ACCOUNT_LOCKED,
    INVALID_LOGIN,
    NETWORK_THROTTLED,
    LoginRefused,
    password_login,
)
from tisheng.core.clientip import client_ip


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
        try:
            self.user = password_login(login=login, password=password, ip=client_ip(self.request))
        except LoginRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code, params=refused.params) from None
        return self.cleaned_data

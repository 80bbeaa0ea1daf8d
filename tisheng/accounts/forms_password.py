"""Forms of the password pages (views_password). The new password is typed twice and checked by
every AUTH_PASSWORD_VALIDATORS rule; Django's SetPasswordMixin does both, in Django's words."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.lockout import LoginRefused, password_confirm
from tisheng.accounts.services_password import PHONE_INVALID, PHONE_PATTERN, SAME_PASSWORD, normalize_phone
from tisheng.core.clientip import client_ip

CURRENT_PASSWORD_WRONG = _("The current password is wrong.")


def _new_password_fields() -> tuple[forms.CharField, forms.CharField]:
    return SetPasswordMixin.create_password_fields(label1=pgettext_lazy("passwords", "New password"),
                                                   label2=pgettext_lazy("passwords", "New password again"))


class PasswordChangeForm(SetPasswordMixin, forms.Form):
    old_password = forms.CharField(label=pgettext_lazy("passwords", "Current password"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password", "autofocus": True}))
    new_password1, new_password2 = _new_password_fields()

    def __init__(self, user, request, *args, **kwargs) -> None:
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        try:
            password_confirm(user=self.user, password=old, ip=client_ip(self.request), via="password_change")
        except LoginRefused as refused:
            if refused.code == "invalid_login":
                raise forms.ValidationError(CURRENT_PASSWORD_WRONG, code="password_incorrect") from None
            raise forms.ValidationError(refused.message, code=refused.code, params=refused.params) from None
        return old

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        new = self.cleaned_data.get("new_password1")
        if new and "old_password" in self.cleaned_data and new == self.cleaned_data["old_password"]:
            self.add_error("new_password1", forms.ValidationError(SAME_PASSWORD, code="password_unchanged"))
        return super().clean()


class ResetRequestForm(forms.Form):
    phone = forms.CharField(label=pgettext_lazy("passwords", "Mobile number"), max_length=32, widget=forms.TextInput(
        attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}))

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(PHONE_INVALID, code="phone_invalid")
        return phone


class ResetConfirmForm(SetPasswordMixin, forms.Form):
    phone = forms.CharField(label=pgettext_lazy("passwords", "Mobile number"), max_length=32, widget=forms.TextInput(
        attrs={"autocomplete": "tel", "inputmode": "tel"}))
    code = forms.CharField(label=pgettext_lazy("passwords", "SMS code"), max_length=12, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))
    new_password1, new_password2 = _new_password_fields()

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(PHONE_INVALID, code="phone_invalid")
        return phone

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        # The rules that need no account here (the same answer whether or not the phone is one);
        # the service checks the rest once the code has shown whose account it is.
        new = self.cleaned_data.get("new_password1")
        if new:
            try:
                validate_password(new, None)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return super().clean()

from django.contrib.auth.backends import ModelBackend

from tisheng.accounts.lockout import LoginRefused, password_login
from tisheng.core.clientip import client_ip


class PhoneOrNationalIdBackend(ModelBackend):
    """Phone number or national ID and password, through `lockout.password_login` (lockout,
    throttle and audit), so Django's `authenticate()` is one more door to the same check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            return password_login(login=username, password=password, ip=client_ip(request), via="authenticate")
        except LoginRefused:
            return None

from django.contrib.auth.backends import ModelBackend

from tisheng.accounts.models import User
from tisheng.core import crypto, idcard


def find_user_by_login(login: str) -> User | None:
    """The user a login name means: a phone number, or a national ID (through the teacher
    profile, looked up by its keyed hash)."""
    login = idcard.normalize(login)
    if not login:
        return None
    if idcard.is_valid(login):
        return User.objects.filter(teacher__id_hash=crypto.lookup_hash(login)).first()
    return User.objects.filter(phone=login).first()


class PhoneOrNationalIdBackend(ModelBackend):
    """Password check only; lockout and auditing live in the login form, which sees the
    request and can tell the user why."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user_by_login(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

"""The demo seed hashes the shared demo password once, not once per account (issue 13: each
PBKDF2 hash is about half a second of CPU at Django's default work factor), and only while the
demo accounts are made."""

from django.contrib.auth import hashers

from tisheng.accounts.models import User
from tisheng.core.seed.accounts import DEMO_PASSWORD, _each_password_hashed_once


class CountedPBKDF2(hashers.PBKDF2PasswordHasher):
    """PBKDF2 (salted, unlike the tests' MD5) at a test's work factor, counting its hashes."""

    iterations = 1000
    calls: list[int] = []

    def encode(self, password, salt, iterations=None):
        self.calls.append(1)
        return super().encode(password, salt, iterations)


def test_demo_accounts_share_one_hash_of_the_demo_password_that_checks(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountedPBKDF2"]
    calls = CountedPBKDF2.calls
    calls.clear()
    a, b, c = User(phone="1"), User(phone="2"), User(phone="3")

    with _each_password_hashed_once():
        a.set_password(DEMO_PASSWORD)
        b.set_password(DEMO_PASSWORD)
    c.set_password(DEMO_PASSWORD)

    assert len(calls) == 2  # once for the demo accounts, once for the account made after
    assert a.password == b.password != c.password
    assert all(u.check_password(DEMO_PASSWORD) for u in (a, b, c))

"""Logins per second per core through the real login view, for each password hasher.

A province sees tens of thousands of logins an hour at deadline week; the hasher is almost all
of a login's cost. For each hasher (Django 5.2's default PBKDF2 at 1,000,000 iterations, the
Argon2id we use at OWASP's parameters, see tisheng/accounts/hashers.py) this makes a bench
account whose password is stored with it, then posts the login form BENCH_LOGINS times in one
process through Django's full stack (middleware, form, lockout bookkeeping, audit row, session),
and reports logins/s of wall time and per CPU-second of this process (the per-core figure; the
machine may be shared, which slows the wall figure but not the CPU one).

Prints `login_hasher=<name> logins=<n> per_s_wall=… per_core_s=… ms_per_login=…`.
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from tisheng.accounts.models import LoginThrottle, User  # noqa: E402

PASSWORD = "Bench@2026login"
HASHERS = [
    ("pbkdf2_django_default", "django.contrib.auth.hashers.PBKDF2PasswordHasher"),
    ("argon2id_owasp", "tisheng.accounts.hashers.Argon2idPasswordHasher"),
]


def measure(name: str, hasher: str, logins: int) -> str:
    phone = f"1990000{HASHERS.index((name, hasher)):04d}"
    # Only this hasher: a hash of another algorithm would be rehashed at the first login.
    with override_settings(PASSWORD_HASHERS=[hasher], ALLOWED_HOSTS=["*"]):
        user = User.objects.filter(phone=phone).first() or User(phone=phone, name="登录基准账号")
        user.set_password(PASSWORD)
        user.must_change_password = False
        user.is_active = True
        user.save()
        LoginThrottle.objects.filter(key=f"account:{user.pk}").delete()
        url = reverse("accounts:login")
        client = Client()
        client.post(url, {"username": phone, "password": PASSWORD})  # warm up (imports, first queries)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(logins):
            client = Client()
            response = client.post(url, {"username": phone, "password": PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"bench_login: {name}: the login was refused ({response.status_code})")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (f"login_hasher={name} logins={logins} per_s_wall={logins / wall:.1f} per_core_s={logins / cpu:.1f} "
            f"ms_per_login={1000 * cpu / logins:.0f}")


def main() -> int:
    logins = int(os.getenv("BENCH_LOGINS", "20"))
    call_command("migrate", verbosity=0)  # nothing to do after `seed`; lets the step run alone
    print(f"bench_login: {logins} logins per hasher; in use: {settings.PASSWORD_HASHERS[0]}", flush=True)
    for name, hasher in HASHERS:
        print(measure(name, hasher, logins), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

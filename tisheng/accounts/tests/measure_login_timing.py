"""Not collected (name): run `pytest -q -p no:xdist -s tisheng/accounts/tests/measure_login_timing.py`
to print how long a wrong password takes for an account and for an unknown name with the
production hasher (PBKDF2)."""

import statistics
import time

from django.test import Client

from tisheng.accounts.models import LoginThrottle


def test_measure(world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = world.teacher.user
    user.set_password("Right@2026x")
    user.save()
    client = Client()
    times = {"account": [], "unknown": []}
    for n in range(8):
        for kind, login in (("account", user.phone), ("unknown", f"1390000{n:04d}")):
            t = time.perf_counter()
            client.post("/accounts/login/", {"username": login, "password": "Wrong@2026"},
                        REMOTE_ADDR=f"10.9.{n}.{1 if kind == 'account' else 2}")
            times[kind].append(time.perf_counter() - t)
        if n == 3:  # stay below the lockout, which answers without hashing
            LoginThrottle.objects.all().delete()
    for kind, values in times.items():
        print(f"{kind}: median {statistics.median(values):.3f} s, min {min(values):.3f}, max {max(values):.3f}")

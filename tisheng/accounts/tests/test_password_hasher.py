"""The production hashers: Argon2id at OWASP's parameters first, PBKDF2 kept so that the
hashes stored before the change still log in (and are rehashed to Argon2id when they do)."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher
from django.urls import reverse

from tisheng.accounts.models import User

PRODUCTION_HASHERS = list(django_settings.PASSWORD_HASHERS)  # before the test fixture swaps in MD5


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def test_new_passwords_are_stored_with_argon2id_at_owasps_parameters(production_hashers, world, password):
    user = world.teacher.user
    user.set_password(password)
    user.save()
    assert identify_hasher(user.password).algorithm == "argon2"
    # OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 degree of parallelism.
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_from_before_logs_in_and_is_rehashed_to_argon2id(production_hashers, client, world, password):
    user = world.teacher.user
    # A hash as the site stored them before (fewer iterations only to keep the test fast).
    user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    user.save(update_fields=["password"])

    response = client.post(reverse("accounts:login"), {"username": user.phone, "password": password})

    assert response.status_code == 302
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    client.logout()
    assert client.post(reverse("accounts:login"), {"username": user.phone, "password": password}).status_code == 302

"""Protecting the national ID at rest: encrypted for display, keyed hash for lookups."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet
from django.conf import settings


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(plain: str) -> str:
    return _fernet(settings.ID_ENCRYPTION_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.ID_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def lookup_hash(plain: str) -> str:
    """HMAC-SHA256 under its own key: equal IDs give equal hashes, a dump gives nothing."""
    return hmac.new(settings.ID_HASH_KEY.encode(), plain.encode(), hashlib.sha256).hexdigest()

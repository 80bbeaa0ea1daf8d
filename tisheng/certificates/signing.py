"""The certificate signature: a compact Ed25519-signed payload anyone can check offline.

The verification string in the QR code and in the PDF's metadata is

    {SITE_URL}/verify/{number}/{code}#{base64url(payload JSON)}.{base64url(signature)}

where {code} is the certificate's random verification code (codes.py; certificates printed
before it existed carry `/verify/{number}#…`, which still verifies). The signature is over the ASCII of the encoded payload (as in JWS), so changing any
character of it, even one that would decode to the same bytes, breaks the signature. The
payload repeats the number, so the URL in front cannot be swapped for another certificate's.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

# Finds the verification string wherever it is (QR text, PDF metadata, a pasted line).
TOKEN_RE = re.compile(r"(https?://[^\s()#]*?)?/verify/([A-Za-z0-9-]{1,40})(/[0-9A-Za-z]{16})?"
                      r"#([A-Za-z0-9_-]{8,2000})\.([A-Za-z0-9_-]{80,90})")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _private_key(encoded: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))


def private_key() -> Ed25519PrivateKey:
    return _private_key(settings.CERT_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_key_base64(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as PEM or as base64 of the raw 32 bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def sign_payload(payload: dict) -> str:
    """`{payload}.{signature}`, both base64url."""
    body = b64url(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{b64url(private_key().sign(body.encode('ascii')))}"


def verification_string(verify_url: str, signed: str) -> str:
    """What the QR code holds: the certificate's verify address, "#", the signed payload."""
    return f"{verify_url}#{signed}"


@dataclass(frozen=True)
class Verified:
    valid: bool
    number: str
    payload: dict
    url: str = ""
    reason: str = ""


def verify_text(text: str, key: Ed25519PublicKey | None = None) -> Verified | None:
    """Check the first verification string found in `text` (None when there is none)."""
    match = TOKEN_RE.search(text)
    if match is None:
        return None
    site, number, code, body, signature = match.groups()
    url = f"{site or ''}/verify/{number}{code or ''}"
    key = key or public_key()
    try:
        payload = json.loads(b64url_decode(body))
    except (ValueError, binascii.Error):
        return Verified(False, number, {}, url, "payload")
    try:
        key.verify(b64url_decode(signature), body.encode("ascii"))
    except (InvalidSignature, ValueError, binascii.Error):
        return Verified(False, number, payload if isinstance(payload, dict) else {}, url, "signature")
    if not isinstance(payload, dict) or payload.get("no") != number:
        return Verified(False, number, payload if isinstance(payload, dict) else {}, url, "number")
    return Verified(True, number, payload, url)

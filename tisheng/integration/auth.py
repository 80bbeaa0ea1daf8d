"""Who is calling the LRS: the one entry point `xapi_authenticate`.

The xapi app asks this module for the client of a request and never looks at credentials
itself. A client is an institution (through an HTTP Basic key/secret, or an OAuth2
client-credentials bearer token); `authority` is the xAPI Agent the LRS stamps on what it stores."""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest

from tisheng.integration.models import ApiCredential


@dataclass(frozen=True)
class XapiClient:
    institution_id: int
    name: str
    credential_key: str  # the Basic key or the OAuth2 client id: what rate limits count against
    authority: dict = field(default_factory=dict)


def secret_hash(secret: str) -> str:
    """Secrets are random 32-byte tokens, so one keyed hash is enough (no slow KDF needed)."""
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def authority_for(credential_key: str, name: str) -> dict:
    return {"objectType": "Agent", "name": name,
            "account": {"homePage": settings.SITE_URL + "/clients", "name": credential_key}}


def _basic(header: str) -> XapiClient | None:
    try:
        key, _sep, secret = base64.b64decode(header, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    credential = (ApiCredential.objects.select_related("institution")
                  .filter(key=key, revoked_at__isnull=True).first())
    if credential is None or not hmac.compare_digest(credential.secret_hash, secret_hash(secret)):
        return None
    return XapiClient(institution_id=credential.institution_id, name=credential.institution.name,
                      credential_key=credential.key,
                      authority=authority_for(credential.key, credential.institution.name))


def xapi_authenticate(request: HttpRequest) -> XapiClient | None:
    """The client a request authenticates as, or None (the LRS answers 401)."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        return _basic(value.strip())
    return None

"""Who is calling the LRS: the one entry point `xapi_authenticate`, and `xapi_throttle`.

The xapi app asks this module for the client of a request and never looks at credentials
itself. A client is an institution (through an HTTP Basic key/secret, or an OAuth2
client-credentials bearer token); `authority` is the xAPI Agent the LRS stamps on what it stores."""

import base64
import binascii
import hashlib
import hmac
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from tisheng.integration.models import ApiCredential, RateWindow

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class XapiClient:
    institution_id: int
    name: str
    credential_key: str  # the Basic key or the OAuth2 client id: what rate limits count against
    authority: dict = field(default_factory=dict)
    # Requests per minute (0: unlimited); from the credential, set by the province office.
    rate_limit: int = 600


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
    if "\x00" in key:  # no key holds one, and PostgreSQL cannot even compare text with it
        return None
    credential = (ApiCredential.objects.select_related("institution")
                  .filter(key=key, revoked_at__isnull=True).first())
    if credential is None or not hmac.compare_digest(credential.secret_hash, secret_hash(secret)):
        return None
    return XapiClient(institution_id=credential.institution_id, name=credential.institution.name,
                      credential_key=credential.key,
                      authority=authority_for(credential.key, credential.institution.name),
                      rate_limit=credential.rate_limit)


def _bearer(token: str) -> XapiClient | None:
    """A client-credentials access token of an application linked to an institution.

    Expired or revoked tokens (django-oauth-toolkit deletes revoked ones), tokens of
    applications not linked to an institution (or whose link is revoked) and single sign-on
    tokens (authorization-code applications act for a teacher, not for the institution)
    give None."""
    if not token:
        return None
    access = (get_access_token_model().objects
              .select_related("application__institution_link__institution")
              .filter(token_checksum=hashlib.sha256(token.encode()).hexdigest(),
                      expires__gt=timezone.now(),
                      application__authorization_grant_type=get_application_model().GRANT_CLIENT_CREDENTIALS,
                      # isnull=False first: a LEFT JOIN to no link also has a NULL revoked_at.
                      application__institution_link__isnull=False,
                      application__institution_link__revoked_at__isnull=True)
              .first())
    if access is None or access.application is None:
        return None
    link = access.application.institution_link
    client_id = access.application.client_id
    return XapiClient(institution_id=link.institution_id, name=link.institution.name,
                      credential_key=client_id, authority=authority_for(client_id, link.institution.name),
                      rate_limit=link.rate_limit)


def xapi_authenticate(request: HttpRequest) -> XapiClient | None:
    """The client a request authenticates as, or None (the LRS answers 401)."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        return _basic(value.strip())
    if scheme.lower() == "bearer":
        return _bearer(value.strip())
    return None


_UPSERT = (
    "INSERT INTO {t} (credential_key, bucket, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (credential_key) DO UPDATE SET "
    "hits = CASE WHEN {t}.bucket = excluded.bucket THEN {t}.hits + 1 ELSE 1 END, "
    "bucket = excluded.bucket RETURNING hits"
)


def xapi_throttle(client: XapiClient) -> int | None:
    """Count one request against the client's credential; the seconds to put in Retry-After
    when it is over its per-minute limit, else None.

    One upsert on a one-row-per-credential table (fixed one-minute windows), so every worker
    of every server shares the count. Call it in autocommit, before opening the transaction
    that stores the request's data: inside a transaction the row lock would serialise all
    requests of that credential until the commit."""
    if not client.rate_limit:
        return None
    now = time.time()
    bucket = int(now // RATE_WINDOW_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(t=connection.ops.quote_name(RateWindow._meta.db_table)),
                       [client.credential_key, bucket])
        (hits,) = cursor.fetchone()
    if hits <= client.rate_limit:
        return None
    return max(1, math.ceil((bucket + 1) * RATE_WINDOW_SECONDS - now))

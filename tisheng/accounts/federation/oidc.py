"""The OpenID Connect relying party, on authlib: discovery (the provider's metadata, cached with
its JWKS for the life of the process; a token signed with a key id not seen yet fetches the JWKS
again, so the platform can rotate keys), authorization code with PKCE (S256), state and nonce
kept in the session, and the id_token checked by authlib (signature against the JWKS, `iss`
equal to the discovery issuer, `aud` containing our client id, `exp`/`iat` with 60 s of leeway,
`nonce` equal to the one we sent). A token response without an id_token is refused: tisheng
never signs anyone in on an access token alone."""

from __future__ import annotations

import threading

from authlib.integrations.django_client import OAuth
from django.conf import settings

_lock = threading.Lock()
_clients: dict[tuple, object] = {}


def configured() -> bool:
    c = settings.FEDERATION_OIDC
    return bool(c["DISCOVERY_URL"] and c["CLIENT_ID"])


def client():
    """The authlib client for the configured provider: one per configuration per process, so
    the discovery document and the JWKS are fetched once, not at every sign-in."""
    c = settings.FEDERATION_OIDC
    key = (c["DISCOVERY_URL"], c["CLIENT_ID"], c["CLIENT_SECRET"], c["SCOPE"])
    with _lock:
        found = _clients.get(key)
        if found is None:
            oauth = OAuth()
            found = oauth.register(
                name="province", client_id=c["CLIENT_ID"], client_secret=c["CLIENT_SECRET"],
                server_metadata_url=c["DISCOVERY_URL"],
                client_kwargs={"scope": c["SCOPE"], "code_challenge_method": "S256", "default_timeout": 10})
            _clients[key] = found
        return found

"""The identity platform in the test process.

OpenID Connect: tisheng's own provider (django-oauth-toolkit under /o/) plays the province
platform, with an SSO application registered for an institution that serves the teachers; the
relying party's server-to-server calls (discovery, JWKS, token) go through `requests` as in
production, carried by a transport adapter into the same WSGI application instead of a socket.
The person's browser at the platform is a second test client, signed in there.

CAS: a small CAS 2.0/3.0 server (`CasServer`) answering /login, /p3/serviceValidate,
/serviceValidate and /logout with the protocol's rules: a service ticket is used once, only for
the service it was issued to, and expires."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import pytest
import requests
from django.test import Client
from requests.structures import CaseInsensitiveDict

from tisheng.integration import services as integration
from tisheng.learning.tests.factories import contract, enroll, institution

CALLBACK = "http://testserver/accounts/federation/oidc/callback/"
CAS_URL = "http://cas.test/cas/"


def _response(request, status: int, body: bytes, headers: dict) -> requests.Response:
    r = requests.Response()
    r.status_code, r._content, r.url, r.request = status, body, request.url, request
    r.headers = CaseInsensitiveDict(headers)
    r.encoding = "utf-8"
    return r


class WsgiTransport(requests.adapters.BaseAdapter):
    """requests → this process's tisheng (the upstream provider); `tamper(path, body)` may
    change a response on the way, as an attacker between the two would."""

    def __init__(self) -> None:
        super().__init__()
        self.tamper = None
        self.calls: list[str] = []

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        self.calls.append(url.path)
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                   if k.lower() not in ("content-type", "content-length", "host")}
        body = request.body or b""
        response = Client().generic(request.method, url.path + (f"?{url.query}" if url.query else ""),
                                    data=body.encode() if isinstance(body, str) else body,
                                    content_type=request.headers.get("Content-Type", ""), **headers)
        content = response.content
        if self.tamper is not None:
            content = self.tamper(url.path, content)
        return _response(request, response.status_code, content, dict(response.items()))

    def close(self) -> None:
        pass


class CasServer(requests.adapters.BaseAdapter):
    """A CAS server: `login(person, service)` is the person signing in at it (returns the
    redirect back to the service with a ticket); validation answers CAS 2.0/3.0 XML."""

    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[str, tuple[str, str, dict, float]] = {}
        self.people: dict[str, dict] = {}

    def login(self, location: str, user: str) -> str:
        service = parse_qs(urlsplit(location).query)["service"][0]
        ticket = f"ST-{secrets.token_urlsafe(24)}"
        self.tickets[ticket] = (user, service, self.people.get(user, {}), time.monotonic() + 10)
        return f"{service}{'&' if '?' in service else '?'}{urlencode({'ticket': ticket})}"

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.endswith(("/serviceValidate", "/p3/serviceValidate")):
            found = self.tickets.pop(q.get("ticket", ""), None)
            ns = 'xmlns:cas="http://www.yale.edu/tp/cas"'
            if found is None or found[1] != q.get("service") or found[3] < time.monotonic():
                body = (f'<cas:serviceResponse {ns}><cas:authenticationFailure code="INVALID_TICKET">'
                        f'unknown ticket</cas:authenticationFailure></cas:serviceResponse>')
            else:
                user, _service, attributes, _ = found
                attrs = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in attributes.items())
                extra = f"<cas:attributes>{attrs}</cas:attributes>" if "/p3/" in url.path else ""
                body = (f"<cas:serviceResponse {ns}><cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>"
                        f"{extra}</cas:authenticationSuccess></cas:serviceResponse>")
            return _response(request, 200, body.encode(), {"Content-Type": "text/xml"})
        return _response(request, 404, b"", {})

    def close(self) -> None:
        pass


@pytest.fixture
def transport(monkeypatch):
    wsgi, cas = WsgiTransport(), CasServer()
    original = requests.Session.get_adapter

    def get_adapter(self, url):
        if url.startswith("http://testserver/"):
            return wsgi
        if url.startswith("http://cas.test/"):
            return cas
        return original(self, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    wsgi.cas = cas
    return wsgi


@pytest.fixture
def platform(world, program_2, settings, transport):
    """The province platform as an OIDC provider: an SSO application of an institution that
    serves county A; tisheng configured as its relying party, linking by tisheng's teacher id."""
    # A development setting (the platform's callback over http, as tisheng's tests are served).
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    inst, _user = institution(world, "PLATFORM", "省教育资源公共服务平台", "13800000109")
    contract(program_2, inst, world.county_a)
    enroll(program_2, *world.teachers_a)
    link, secret = integration.application_create(actor=world.province_officer, institution=inst,
                                                  name="统一身份认证", sso=True, redirect_uri=CALLBACK,
                                                  login_url="http://testserver/accounts/login/")
    settings.FEDERATION_OIDC = {
        "DISCOVERY_URL": "http://testserver/o/.well-known/openid-configuration",
        "CLIENT_ID": link.application.client_id, "CLIENT_SECRET": secret, "SCOPE": "openid profile",
        "LINK_BY": "tisheng_id", "LINK_CLAIM": "sub"}
    return link


@pytest.fixture
def cas(world, settings, transport):
    settings.FEDERATION_OIDC = {**settings.FEDERATION_OIDC, "DISCOVERY_URL": ""}
    settings.FEDERATION_CAS = {"SERVER_URL": CAS_URL, "VERSION": "3", "LINK_BY": "national_id",
                               "LINK_CLAIM": "id_card"}
    return transport.cas


def sign_in_through_platform(rp: Client, person) -> object:
    """The whole OIDC journey: tisheng's login button, the platform (where `person` is signed
    in), back to tisheng's callback. Returns the callback's response."""
    start = rp.get("/accounts/federation/oidc/login/")
    assert start.status_code == 302, start.content
    at_platform = Client()
    at_platform.force_login(person)
    back = at_platform.get(start["Location"].removeprefix("http://testserver"))
    assert back.status_code == 302, back.content
    assert back["Location"].startswith(CALLBACK)
    return rp.get(back["Location"].removeprefix("http://testserver"))


def tamper_id_token(path: str, body: bytes) -> bytes:
    """Change one character of the id_token's payload (the claims), keeping its signature."""
    if not path.endswith("/token/"):
        return body
    tokens = json.loads(body)
    header, payload, signature = tokens["id_token"].split(".")
    payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    tokens["id_token"] = ".".join((header, payload, signature))
    return json.dumps(tokens).encode()

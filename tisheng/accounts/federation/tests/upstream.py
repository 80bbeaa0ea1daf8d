"""A small OpenID Connect provider for the browser test: the province platform, served over
HTTP from the test process (wsgiref in a thread) so that tisheng's demo server, a separate
process, talks to it as it would to the real one. JOSE by jwcrypto (RS256 id_tokens, the JWKS);
the rest is the protocol itself: discovery, a sign-in form at /authorize, one-use codes bound
to the client, redirect URI and PKCE challenge, client_secret_basic at /token, and an
end_session_endpoint (RP-initiated logout)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from jwcrypto import jwk, jwt

CLIENT_ID = "tisheng-demo"
CLIENT_SECRET = "demo-platform-secret"  # noqa: S105 - the test platform's, nobody else's


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    # A browser opens connections ahead of need and leaves them idle: one thread each, or an idle
    # one would hold every other request.
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Provider:
    def __init__(self, port: int, people: dict[str, dict]) -> None:
        self.port, self.people = port, people
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = jwk.JWK.generate(kty="RSA", size=2048, kid="platform-1")
        self.codes: dict[str, dict] = {}
        self.sessions: set[str] = set()
        self.logged_out = 0
        self._server = make_server("127.0.0.1", port, self, server_class=_ThreadingServer,
                                   handler_class=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _json(self, start, body: dict, status: str = "200 OK"):
        start(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def __call__(self, environ, start):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {}
        if method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        if path == "/.well-known/openid-configuration":
            return self._json(start, {
                "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]})
        if path == "/jwks":
            return self._json(start, {"keys": [json.loads(self.key.export_public())]})
        if path == "/authorize" and method == "GET":
            if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                return self._json(start, {"error": "invalid_request"}, "400 Bad Request")
            fields = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in query.items())
            page = (f'<html><body><h1>省教育资源公共服务平台 统一身份认证</h1><form method="post">{fields}'
                    '<label>平台账号 <input name="account"></label><button type="submit">登录</button>'
                    "</form></body></html>")
            start("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page.encode()]
        if path == "/authorize" and method == "POST":
            person = self.people.get(form.get("account", ""))
            if person is None:
                start("200 OK", [("Content-Type", "text/html; charset=utf-8")])
                return ["<p>账号不存在</p>".encode()]
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"sub": form["account"], "nonce": form.get("nonce"),
                                "challenge": form["code_challenge"], "redirect_uri": form["redirect_uri"],
                                "claims": person, "expires": time.monotonic() + 60}
            back = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form['state']})}"
            start("302 Found", [("Location", back)])
            return [b""]
        if path == "/token" and method == "POST":
            basic = base64.b64decode(environ.get("HTTP_AUTHORIZATION", "Basic ").split(" ", 1)[1] or b"").decode()
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (basic != f"{CLIENT_ID}:{CLIENT_SECRET}" or grant is None or grant["expires"] < time.monotonic()
                    or grant["redirect_uri"] != form.get("redirect_uri") or grant["challenge"] != challenge):
                return self._json(start, {"error": "invalid_grant"}, "400 Bad Request")
            now = int(time.time())
            claims = {"iss": self.issuer, "sub": grant["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"], **grant["claims"]}
            token = jwt.JWT(header={"alg": "RS256", "kid": "platform-1"}, claims=claims)
            token.make_signed_token(self.key)
            return self._json(start, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                                      "expires_in": 300, "id_token": token.serialize()})
        if path == "/logout":
            self.logged_out += 1
            start("302 Found", [("Location", query.get("post_logout_redirect_uri", self.issuer))])
            return [b""]
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

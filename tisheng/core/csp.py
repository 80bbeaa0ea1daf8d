"""Content-Security-Policy on every HTML answer (issue 12).

Django 5.2 has no CSP support (6.0 adds it) and the policy is one fixed header, so a dozen
lines here rather than a dependency (django-csp's nonces and per-view decorators would go
unused: no page has an inline script or style; they all live in static files). The policy is
settings.CONTENT_SECURITY_POLICY (TISHENG_CSP overrides it): scripts and styles from this site
only, so an injected <script> or on…= attribute does not run."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and HEADER not in response and response.get("Content-Type", "").startswith("text/html"):
            response[HEADER] = self.policy
        return response

"""The JSON API at /api/v1/: one NinjaAPI, one router per app.

Every error body is `{"detail": "<message>"}` in the request's language: 401 without a
session, 403 for a capability the caller does not hold, 404 for an object outside the
caller's scope (the same answer as for one that does not exist), 422 for a malformed
parameter (with the field errors under "errors"), 400 for a body that is not acceptable JSON
(read by `tisheng.core.jsonsafe`, like every JSON from outside) and for text no database can
hold (`tisheng.core.input_guard`, before the API sees the request).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from tisheng.certificates.api import router as certificates_router
from tisheng.certificates.views_indicators import router as indicators_router
from tisheng.core import jsonsafe
from tisheng.core.input_guard import json_reason
from tisheng.integration.api import router as integration_router
from tisheng.learning.api import router as learning_router
from tisheng.orgs.api import router as orgs_router
from tisheng.people.api import router as people_router
from tisheng.practice.api import router as practice_router
from tisheng.programs.api import router as programs_router

NOT_AUTHENTICATED = _("Authentication required: sign in first.")
PERMISSION_DENIED = _("You do not have permission to do this.")
NOT_FOUND = _("Not found.")
INVALID_PARAMETERS = _("Invalid request parameters.")
BAD_JSON = _("The body is not acceptable JSON: %(why)s.")


class JsonSafeParser(Parser):
    """Request bodies through `jsonsafe.loads` (depth, NaN/Infinity, 64-bit ints, NUL, lone
    surrogates), like every other JSON the platform reads from outside."""

    def parse_body(self, request: HttpRequest):
        return jsonsafe.loads(request.body)


api = NinjaAPI(
    title="tisheng API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    parser=JsonSafeParser(),
)


def _error(request: HttpRequest, message, status: int, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": str(message), **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, NOT_AUTHENTICATED, 401)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, PERMISSION_DENIED, 403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, NOT_FOUND, 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the parser raised in a 400 "Cannot parse request body": say why.
    if isinstance(exc.__cause__, jsonsafe.JSONInputError):
        return _error(request, BAD_JSON % {"why": json_reason(exc.__cause__)}, 400)
    return _error(request, exc.message, exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors
    ]
    fields = ", ".join(e["loc"][-1] for e in errors if e["loc"])
    message = f"{INVALID_PARAMETERS} ({fields})" if fields else str(INVALID_PARAMETERS)
    return _error(request, message, 422, errors=errors)


api.add_router("/", orgs_router, tags=["orgs"])
api.add_router("/", people_router, tags=["people"])
api.add_router("/", programs_router, tags=["programs"])
api.add_router("/", certificates_router, tags=["certificates"])
api.add_router("/", indicators_router, tags=["school indicators"])
api.add_router("/", learning_router, tags=["learning"])
api.add_router("/", practice_router, tags=["practice"])
api.add_router("/integration", integration_router)

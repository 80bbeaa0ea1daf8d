"""Every answer under /xapi/ is the LRS's, errors included.

`lrs_view` shapes what the LRS itself answers (a JSON `{"error": …}`, the
X-Experience-API-Version header, CORS). What reaches a client without passing through it — a
path the URLconf does not know (Django's 404 page), an unexpected exception (Django's 500
page, after Django has logged it), a request Django refuses before any view (too many query
parameters, the input guard's 400) — would be HTML without the header, which an LRS client
cannot read and a browser client cannot even see under CORS. This middleware, placed outside
everything that can answer for /xapi/ (the database-unavailable 503 included), gives those
answers the same shape; an answer that already is LRS-shaped JSON (`{"error": …}`, as the
503 is) keeps its body and headers (Retry-After) and gets the version and CORS headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from tisheng.xapi.http import LRS_VERSION, error_response, finish
from tisheng.xapi.validation import XapiError

PREFIX = "/xapi/"
NO_SUCH_RESOURCE = _("This LRS has no such resource: it serves statements, activities, activities/state, "
                     "activities/profile, agents, agents/profile and about under /xapi/.")
SERVER_ERROR = _("The LRS failed on this request; the failure has been recorded. Retry later, or tell the "
                 "province office if it persists.")
BAD_REQUEST = _("The request is malformed.")


def _is_lrs_error(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json") or response.streaming:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str)


def _message(response: HttpResponse) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            detail = json.loads(response.content).get("detail")
        except (ValueError, AttributeError):
            detail = None
        if isinstance(detail, str) and detail:
            return detail
    if response.status_code == 404:
        return str(NO_SUCH_RESOURCE)
    if response.status_code >= 500:
        return str(SERVER_ERROR)
    return str(BAD_REQUEST)


class LrsResponseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path_info
        if not (path.startswith(PREFIX) or path == PREFIX.rstrip("/")):
            return response
        if response.get("X-Experience-API-Version") == LRS_VERSION:
            return response
        if response.status_code < 400 or _is_lrs_error(response):
            return finish(response)
        return finish(error_response(XapiError(_message(response), status=response.status_code)))

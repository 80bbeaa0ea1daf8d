"""Text no database can hold is refused at the door, with a 400, wherever it is in the request.

PostgreSQL refuses NUL in every text value (the driver raises before the query is sent) and a
lone UTF-16 surrogate cannot be encoded as UTF-8 at all, so either one in a value that reaches
a query is a 500, far from the request, and on SQLite a silently odd row instead. Rather than
guard every lookup, `UnstorableTextMiddleware` looks once at everything a request carries as
text before any view runs:

- the path (`/verify/CERT%00` is `CERT\\x00` to the view), the query string's names and values,
  the cookies (`"\\000…"` is unquoted to a NUL) and the header values, Content-Type included;
- the form fields and uploaded file names of a POST, in `process_view`, except for views marked
  `reads_own_body` (the LRS authenticates before it reads a body of up to 64 MB, and checks what
  it parses itself). CsrfViewMiddleware parses the form of every other POST anyway, so looking
  at it costs nothing more.

JSON bodies are the other half: every parser of JSON from outside uses `tisheng.core.jsonsafe`,
and `json_reason` below words its refusals for the caller.

The refusal is `{"detail": …}` under /api/ (the API's error shape; the LRS reshapes it under
/xapi/) and a short page elsewhere. One regular-expression search over the joined text: a
few microseconds for a typical request (see the report of issue 12).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from tisheng.core import jsonsafe

UNSTORABLE_TEXT = _("The request contains a NUL character or an unpaired surrogate, which no text can hold.")

JSON_REASONS = {
    jsonsafe.NOT_JSON: _("not valid JSON"),
    jsonsafe.NOT_FINITE: _("NaN and Infinity are not JSON numbers"),
    jsonsafe.INT_RANGE: _("a number outside the range of a 64-bit integer"),
    jsonsafe.BAD_TEXT: _("text containing NUL or an unpaired surrogate"),
    jsonsafe.NOT_UTF8: _("not UTF-8"),
}
TOO_DEEP = _("JSON nested deeper than %(depth)s levels")

JSON_PATHS = ("/api/", "/xapi/")
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def json_reason(error: jsonsafe.JSONInputError) -> str:
    """Why `jsonsafe.loads` refused, in the request's language."""
    text = str(error)
    if text in JSON_REASONS:
        return str(JSON_REASONS[text])
    depth = re.search(r"\d+", text)
    if text.startswith(jsonsafe.TOO_DEEP.split("{")[0]) and depth:
        return str(TOO_DEEP) % {"depth": depth.group()}
    return text


def reads_own_body(view: Callable) -> Callable:
    """Mark a view that reads and checks its request body itself: the guard leaves it unread."""
    view.reads_own_body = True
    return view


def _has_bad_text(*values: str) -> bool:
    return any(_BAD_CHAR.search(v) for v in values)


def _refusal(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(JSON_PATHS):
        return JsonResponse({"detail": str(UNSTORABLE_TEXT)}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    # A page of its own, not base.html: that would load the session, whose key may be the bad text.
    return HttpResponse(render_to_string("core/bad_input.html", {"message": UNSTORABLE_TEXT}), status=400)


class UnstorableTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # One search over everything joined. A name or value of request.GET holds a NUL exactly
        # when the raw query string holds "%00" or a NUL (invalid UTF-8 decodes to U+FFFD, never
        # to a surrogate), so the query is not parsed here; the path is already decoded; Django
        # unquotes cookies (a quoted value's octal escape "\000" is a NUL).
        meta = request.META
        query = meta.get("QUERY_STRING", "")
        text = "\n".join((
            request.path_info,
            query,
            *request.COOKIES.keys(),
            *request.COOKIES.values(),
            meta.get("CONTENT_TYPE", ""),
            *(v for k, v in meta.items() if k.startswith("HTTP_") and isinstance(v, str)),
        ))
        if "%00" in query or _BAD_CHAR.search(text):
            return _refusal(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        if request.method != "POST" or getattr(view, "reads_own_body", False):
            return None
        if not request.content_type.startswith(_FORM_TYPES):
            return None
        if any(_has_bad_text(k, *request.POST.getlist(k)) for k in request.POST) or any(
            _has_bad_text(k, *(f.name or "" for f in files)) for k, files in request.FILES.lists()
        ):
            return _refusal(request)
        return None

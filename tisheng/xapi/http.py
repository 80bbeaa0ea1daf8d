"""What every LRS resource shares: the version header, authentication and rate limits, CORS,
the alternate request syntax (a POST with ?method=… and the request in a form body), errors
as 400/401/404/409/412/429 with a message, and multipart/mixed in and out.

The credentials are checked before the body is read: a body may be up to
`XAPI_MAX_BODY_BYTES` (64 MB), and a caller without a credential gets its 401 for the price of
the headers. The one exception is the alternate syntax with the credentials inside the form,
which has to be read to be authenticated; it is held to Django's form limit
(`DATA_UPLOAD_MAX_MEMORY_SIZE`) instead.

Every JSON the LRS reads from a client (bodies, multipart statement parts, `agent=`) goes
through `tisheng.core.jsonsafe`, and `tisheng.xapi.middleware` gives every /xapi/ answer that
did not come from here (an unknown path, an unexpected exception) the LRS's shape."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from tisheng.accounts.middleware import idle_timeout_exempt
from tisheng.core import jsonsafe
from tisheng.core.input_guard import UNSTORABLE_TEXT, json_reason, reads_own_body
from tisheng.integration.auth import XapiClient, xapi_authenticate, xapi_throttle
from tisheng.xapi.validation import VERSION_RE, XapiError, fail

LRS_VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]

VERSION_MISSING = _("The X-Experience-API-Version header is missing.")
VERSION_UNSUPPORTED = _("X-Experience-API-Version %(version)s is not supported; this LRS speaks 1.0.x.")
NOT_AUTHENTICATED = _("Authentication is required: HTTP Basic with the institution's key and secret, "
                      "or an OAuth2 bearer token.")
RATE_LIMITED = _("Too many requests for this credential; retry after %(seconds)s seconds.")
METHOD_NOT_ALLOWED = _("Method %(method)s is not allowed on this resource.")
ALTERNATE_EXTRA_PARAMS = _("A request using the method parameter may have no other query parameters.")
ALTERNATE_NOT_FORM = _("A request using the method parameter must have a form (application/x-www-form-urlencoded) body.")
ALTERNATE_BAD_METHOD = _("The method parameter must be GET, PUT, POST or DELETE.")
UNKNOWN_PARAMETER = _("Unknown parameter “%(name)s”.")
MISSING_PARAMETER = _("The parameter “%(name)s” is required.")
BAD_JSON = _("The body is not acceptable JSON: %(why)s.")
BAD_FORM_ENCODING = _("The form body is not in the character set its Content-Type names.")
TOO_LARGE = _("The request is larger than this LRS accepts (%(limit)s bytes).")
BAD_MULTIPART = _("The multipart/mixed body is malformed: %(why)s.")

HEADER_FIELDS = {"authorization": "HTTP_AUTHORIZATION", "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
                 "content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH", "if-match": "HTTP_IF_MATCH",
                 "if-none-match": "HTTP_IF_NONE_MATCH", "accept-language": "HTTP_ACCEPT_LANGUAGE"}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, PUT, POST, DELETE, OPTIONS, HEAD",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                                    "If-None-Match, Accept-Language, X-Requested-With",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through, Retry-After, Content-Type",
    "Access-Control-Max-Age": "86400",
}


@dataclass
class XRequest:
    """A request to the LRS, the same whether it came plainly or in the alternate syntax."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    content_type: str
    client: XapiClient | None = None
    django: HttpRequest | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def only(self, allowed: set[str]) -> None:
        for name in self.params:
            if name not in allowed:
                raise fail(UNKNOWN_PARAMETER, name=name)

    def required(self, name: str) -> str:
        if name not in self.params:
            raise fail(MISSING_PARAMETER, name=name)
        return self.params[name]

    def json(self):
        return loads(self.body)


def loads(data: bytes | str, message=BAD_JSON, **params):
    """The LRS's one JSON reader: `jsonsafe.loads`, its refusal a 400 that says why."""
    try:
        return jsonsafe.loads(data)
    except jsonsafe.JSONInputError as error:
        raise fail(message, **params, why=json_reason(error)) from None


def error_response(error: XapiError) -> HttpResponse:
    return JsonResponse({"error": error.message}, status=error.status, json_dumps_params={"ensure_ascii": False})


def read_body(request: HttpRequest, limit: int | None = None) -> bytes:
    """The request body, up to the LRS's own limit (413 above it) rather than Django's form
    limit: statements with attachments are larger than any form."""
    limit = limit or settings.XAPI_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise XapiError(str(TOO_LARGE) % {"limit": limit}, status=413)
    if hasattr(request, "_body"):
        return request._body
    body = request.read(limit + 1)
    if len(body) > limit:
        raise XapiError(str(TOO_LARGE) % {"limit": limit}, status=413)
    request._body = body  # what request.body would have cached
    return body


def _plain(request: HttpRequest) -> XRequest:
    """The request without its body, which is read once the caller is known (`lrs_view`)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    params = {k: v for k, v in request.GET.items()}
    return XRequest(method=request.method, params=params, headers=headers, body=b"",
                    content_type=request.content_type or "", django=request)


def _alternate(request: HttpRequest, *, limit: int | None) -> XRequest:
    """The spec's alternate request syntax: POST ?method=X, headers and content in the form."""
    method = request.GET["method"].upper()
    if len(request.GET) > 1:
        raise fail(ALTERNATE_EXTRA_PARAMS)
    if method not in ("GET", "PUT", "POST", "DELETE"):
        raise fail(ALTERNATE_BAD_METHOD)
    if request.content_type != "application/x-www-form-urlencoded":
        raise fail(ALTERNATE_NOT_FORM)
    try:
        text = read_body(request, limit).decode(request.encoding or "utf-8")
    except UnicodeDecodeError:
        raise fail(BAD_FORM_ENCODING) from None
    form = dict(parse_qsl(text, keep_blank_values=True))
    # The form is the request's query string and headers: held to what the guard holds those to.
    try:
        for name, value in form.items():
            jsonsafe.check_text(name)
            jsonsafe.check_text(value)
    except jsonsafe.JSONInputError:
        raise fail(UNSTORABLE_TEXT) from None
    headers = {k.lower(): v for k, v in request.headers.items()}
    params = {}
    for name, value in form.items():
        if name.lower() in HEADER_FIELDS:
            headers[name.lower()] = value
        elif name != "content":
            params[name] = value
    body = form.get("content", "").encode()
    content_type = headers.get("content-type", "application/json")
    if content_type.startswith("application/x-www-form-urlencoded"):
        content_type = "application/json"
    headers["content-type"] = content_type
    # The authentication module reads the Django request: put the form's credentials there.
    if "authorization" in headers:
        request.META["HTTP_AUTHORIZATION"] = headers["authorization"]
        request.__dict__.pop("headers", None)
    return XRequest(method=method, params=params, headers=headers, body=body,
                    content_type=content_type.split(";")[0].strip().lower(), django=request)


def _authenticate(request: HttpRequest) -> XapiClient:
    client = xapi_authenticate(request)
    if client is None:
        raise XapiError(str(NOT_AUTHENTICATED), status=401)
    return client


def iso_now() -> str:
    return timezone.now().astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def finish(response: HttpResponse) -> HttpResponse:
    response["X-Experience-API-Version"] = LRS_VERSION
    for k, v in CORS_HEADERS.items():
        response[k] = v
    return response


def lrs_view(handlers: dict[str, Callable[[XRequest], HttpResponse]], *, versioned: bool = True,
             authenticated: bool = True, consistent_through: bool = False):
    """A Django view for one LRS resource: {"GET": handler, …}; each handler gets an XRequest.

    No session and no CSRF: clients authenticate every request with their credential."""

    @csrf_exempt
    @idle_timeout_exempt
    @reads_own_body
    def view(request: HttpRequest) -> HttpResponse:
        response = _view(request)
        if consistent_through:
            # On every response of the statements resource (Communication 2.1.3).
            response["X-Experience-API-Consistent-Through"] = iso_now()
        return finish(response)

    def _view(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            return HttpResponse(status=200)
        try:
            client = None
            alternate = request.method == "POST" and "method" in request.GET
            if alternate:
                # Credentials in the header are checked before the form is read; credentials
                # inside the form cost a read, held to Django's form limit.
                form_limit = None
                if authenticated and "HTTP_AUTHORIZATION" in request.META:
                    client = _authenticate(request)
                elif authenticated:
                    form_limit = min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.XAPI_MAX_BODY_BYTES)
                xreq = _alternate(request, limit=form_limit)
            else:
                xreq = _plain(request)
            method = "GET" if xreq.method == "HEAD" else xreq.method
            if versioned:
                version = xreq.header("x-experience-api-version")
                if version is None:
                    raise fail(VERSION_MISSING)
                if not VERSION_RE.match(version.strip()):
                    raise fail(VERSION_UNSUPPORTED, version=version)
            if authenticated:
                xreq.client = client or _authenticate(request)
                retry_after = xapi_throttle(xreq.client)
                if retry_after is not None:
                    response = error_response(XapiError(str(RATE_LIMITED) % {"seconds": retry_after}, 429))
                    response["Retry-After"] = str(retry_after)
                    return response
            handler = handlers.get(method)
            if handler is None:
                raise XapiError(str(METHOD_NOT_ALLOWED) % {"method": xreq.method}, status=405)
            if not alternate:
                xreq.body = read_body(request)  # only now that the caller is known
            response = handler(xreq)
            if request.method == "HEAD":
                response.content = b""
        except XapiError as error:
            response = error_response(error)
            if error.status == 401:
                response["WWW-Authenticate"] = 'Basic realm="xAPI"'
        return response

    return view


# multipart/mixed ------------------------------------------------------------------------------

def _boundary(content_type_header: str) -> str:
    for piece in content_type_header.split(";")[1:]:
        name, _sep, value = piece.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"')
    raise fail(BAD_MULTIPART, why="no boundary")


def parse_multipart(xreq: XRequest) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/mixed body: [(lower-cased headers, content), …]."""
    boundary = _boundary(xreq.header("content-type") or "").encode()
    delimiter = b"--" + boundary
    body = xreq.body
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise fail(BAD_MULTIPART, why="no parts")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
            if not sep:
                if chunk.strip():
                    raise fail(BAD_MULTIPART, why="a part without headers")
                head, content = b"", chunk
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        if b"\x00" in head:
            raise fail(BAD_MULTIPART, why="a part header holding a NUL")
        headers = {}
        for line in head.decode("latin-1").splitlines():
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    return parts


def multipart_response(first_json: str, attachments: list[tuple[str, str, bytes]], *, status: int = 200,
                       ) -> HttpResponse:
    """A multipart/mixed response: the JSON first, then (sha2, content type, content) parts."""
    boundary = secrets.token_hex(16)
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first_json.encode()]
    for sha2, content_type, content in attachments:
        out.append(f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode())
        out.append(content)
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return HttpResponse(b"".join(out), status=status, content_type=f'multipart/mixed; boundary="{boundary}"')

"""Public, no login: the issuer's did:web document, the status lists, a credential's download
(from the verify page the QR code opens) and the check of an uploaded credential file."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from tisheng.certificates import codes
from tisheng.certificates.credentials import services, vc
from tisheng.certificates.credentials.records import KINDS
from tisheng.certificates.throttle import verify_throttle

NO_FILE = _("Choose the credential file (.json) to check.")


def _json(data: dict, *, download: str | None = None, max_age: int = 300) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                            content_type="application/ld+json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch it from anywhere
    response["Cache-Control"] = f"public, max-age={max_age}"
    if download:
        response["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    return _json(vc.did_document(), max_age=3600)


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    document = services.status_list_credential(number)
    if document is None:
        raise Http404
    return _json(document, max_age=60)


def _throttled(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated or (retry_after := verify_throttle(request)) is None:
        return None
    response = render(request, "certificates/verify_throttled.html", {"seconds": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
def credential_download(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """The credential of the certificate the verify page shows (same number and code: whoever
    may see the page may take the file); a wrong code gets the same 404 as an unknown number."""
    if (refused := _throttled(request)) is not None:
        return refused
    code = codes.normalize(code)
    instance = next((found for kind in KINDS.values() if code and (found := kind.lookup(number, code))), None)
    if instance is None:
        raise Http404
    credential = services.credential_for(instance)
    return _json(credential.document, download=f"{credential.number}.credential.json", max_age=0)


@require_http_methods(["GET", "POST"])
def credential_check(request: HttpRequest) -> HttpResponse:
    outcome, error = None, None
    if request.method == "POST":
        if (refused := _throttled(request)) is not None:
            return refused
        upload = request.FILES.get("credential")
        if upload is None:
            error = str(NO_FILE)
        else:
            outcome = services.check_file(upload.read(services.MAX_BYTES + 1))
            error = outcome.error or None
    status = 400 if error else 200
    return render(request, "credentials/check.html", {"outcome": outcome, "error": error}, status=status)

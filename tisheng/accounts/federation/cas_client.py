"""The CAS 2.0/3.0 client, on python-cas (the django-cas-ng project's protocol library): the
login redirect with our service URL, the ticket validated server to server
(/serviceValidate or /p3/serviceValidate, with the CAS 3 attributes), and the logout URL.
tisheng adds only what python-cas leaves to its caller: the linking rules (services.py) and a
timeout, so a slow CAS server cannot hold a worker."""

from __future__ import annotations

import requests
from cas import CASClient
from django.conf import settings

TIMEOUT_SECONDS = 10


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def configured() -> bool:
    return bool(settings.FEDERATION_CAS["SERVER_URL"])


def server_url() -> str:
    url = settings.FEDERATION_CAS["SERVER_URL"]
    return url if url.endswith("/") else url + "/"


def client(service_url: str) -> CASClient:
    version = settings.FEDERATION_CAS["VERSION"]
    return CASClient(version=3 if version == "3" else 2, service_url=service_url, server_url=server_url(),
                     session=_TimeoutSession())

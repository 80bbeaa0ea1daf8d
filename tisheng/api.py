"""The JSON API at /api/v1/: one NinjaAPI, one router per app."""

from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="tisheng API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
)

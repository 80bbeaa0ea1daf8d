"""OAuth2 / OpenID Connect endpoints (django-oauth-toolkit) under /o/."""

from django.urls import include, path

urlpatterns = [
    path("", include("oauth2_provider.urls", namespace="oauth2_provider")),
]

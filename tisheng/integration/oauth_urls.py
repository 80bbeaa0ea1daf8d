"""OAuth2 / OpenID Connect endpoints (django-oauth-toolkit) under /o/; /o/authorize/ checks that
the institution serves the teacher before signing them in (integration.oidc)."""

from django.urls import include, path

from tisheng.integration.oidc import InstitutionAuthorizationView

urlpatterns = [
    path("authorize/", InstitutionAuthorizationView.as_view(), name="authorize"),
    path("", include("oauth2_provider.urls", namespace="oauth2_provider")),
]

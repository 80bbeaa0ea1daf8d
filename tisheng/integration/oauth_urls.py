"""OAuth2 / OpenID Connect endpoints (django-oauth-toolkit) under /o/: only those institutions'
platforms use. /o/authorize/ checks that the institution serves the teacher before signing them
in (integration.oidc).

django-oauth-toolkit's own management pages (/o/applications/…, /o/authorized_tokens/…), its
device flow, token introspection, RP-initiated logout and dynamic client registration are not
routed: the province office manages applications on tisheng's integration pages, and anything
more on /o/ is a door nobody needs."""

from django.urls import include, path, re_path
from oauth2_provider import views as dot

from tisheng.integration.oidc import InstitutionAuthorizationView

oauth2_patterns = [
    path("authorize/", InstitutionAuthorizationView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(r"^\.well-known/openid-configuration/?$", dot.ConnectDiscoveryInfoView.as_view(),
            name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
]

urlpatterns = [path("", include((oauth2_patterns, "oauth2_provider")))]

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from tisheng.api import api
from tisheng.certificates.credentials import views as credentials_views
from tisheng.core import observability_metrics, observability_ready, storage_files
from tisheng.core import views as core_views

urlpatterns = [
    path("", include("tisheng.home.urls")),  # "home": each role's 待办
    path("healthz", core_views.ping, name="healthz"),
    path("readyz", observability_ready.readyz, name="readyz"),  # the load balancer's check (issue 20)
    path("metrics", observability_metrics.metrics, name="metrics"),  # Prometheus, allow-listed
    path("files/s/<str:token>", storage_files.signed_file, name="signed-file"),  # short-lived, no login
    path("accounts/password/", include("tisheng.accounts.urls_password")),
    path("accounts/federation/", include("tisheng.accounts.federation.urls")),  # the province identity platform
    path("accounts/", include("tisheng.accounts.urls")),
    path("orgs/", include("tisheng.orgs.urls")),
    path("people/", include("tisheng.people.urls")),
    # The review chain keeps its own top-level "review" namespace under /programs/review/.
    path("programs/review/", include("tisheng.programs.review_urls")),
    path("programs/", include("tisheng.programs.urls")),
    path("ledger/", include("tisheng.ledger.urls")),
    path("certificates/", include("tisheng.certificates.urls")),
    path("verify/", include("tisheng.certificates.verify_urls")),
    path("credentials/", include("tisheng.certificates.credentials.urls")),  # verifiable credentials
    path(".well-known/did.json", credentials_views.did_document, name="did_document"),  # the issuer's did:web
    path("jobs/", include("tisheng.jobs.urls")),
    path("diagnostics/", include("tisheng.diagnostics.urls")),
    path("learning/", include("tisheng.learning.urls")),
    path("learn/", include("tisheng.playback.urls")),
    path("practice/", include("tisheng.practice.urls")),
    path("resources/", include("tisheng.resources.urls")),
    path("monitoring/", include("tisheng.monitoring.urls")),
    path("supervision/", include("tisheng.supervision.urls")),
    path("national/", include("tisheng.monitoring.national.urls")),
    path("notifications/", include("tisheng.notifications.urls")),
    path("xapi/", include("tisheng.xapi.urls")),
    path("integration/", include("tisheng.integration.urls")),
    path("panels/", include("tisheng.panels.urls")),
    path("achievements/", include("tisheng.achievements.urls")),
    path("institutions/", include("tisheng.institutions.urls")),
    path("o/", include("tisheng.integration.oauth_urls")),
    path("communities/", include("tisheng.communities.urls")),
    path("funding/", include("tisheng.funding.urls")),
    path("tracks/", include("tisheng.tracks.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

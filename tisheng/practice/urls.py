from django.urls import include, path

app_name = "practice"

# Catalogue, plans, choices, evidence and assessment (urls_core); spot checks, similarity and
# the school/county overviews (checks/urls). Both share the "practice" namespace.
urlpatterns = [
    path("", include("tisheng.practice.urls_core")),
    path("checks/", include("tisheng.practice.checks.urls")),
]

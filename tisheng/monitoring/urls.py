from django.urls import include, path

from tisheng.monitoring import views

app_name = "monitoring"

# Dashboards (views), exports and evaluators (urls_exports), early warning and interventions
# (warning/urls), all in the "monitoring" namespace.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("", include("tisheng.monitoring.urls_exports")),
    path("warning/", include("tisheng.monitoring.warning.urls")),
]

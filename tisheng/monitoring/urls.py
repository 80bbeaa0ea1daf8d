from django.urls import include, path

from tisheng.monitoring import views

app_name = "monitoring"

# Dashboards (views), exports and evaluators (urls_exports), early warning and interventions
# (warning/urls), all in the "monitoring" namespace.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.my_progress, name="my_progress"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/new", views.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("", include("tisheng.monitoring.urls_exports")),
    path("warning/", include("tisheng.monitoring.warning.urls")),
]

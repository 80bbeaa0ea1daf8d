from django.urls import path

from tisheng.monitoring import views_exports

# Included by monitoring/urls.py in the "monitoring" namespace.
urlpatterns = [
    path("export/<slug:table>.xlsx", views_exports.export, name="export"),
    path("exports/", views_exports.export_list, name="export_list"),
    path("exports/<int:pk>/", views_exports.export_job, name="export_job"),
    path("exports/<int:pk>/download", views_exports.export_download, name="export_download"),
    path("evaluators/", views_exports.evaluator_grants, name="evaluators"),
    path("evaluators/<int:pk>/revoke", views_exports.evaluator_revoke, name="evaluator_revoke"),
]

from django.urls import path

from tisheng.integration import views

app_name = "integration"

urlpatterns = [
    path("", views.operations, name="operations"),
    path("credentials/", views.credentials, name="credentials"),
    path("credentials/<int:pk>/<slug:action>/", views.credential_action, name="credential_action"),
    path("applications/<int:pk>/<slug:action>/", views.application_action, name="application_action"),
    path("docs/", views.docs, name="docs"),
    path("courses/", views.institution_courses, name="institution_courses"),
    path("platforms/", views.platforms, name="platforms"),
    path("platforms/<int:pk>/go/", views.platform_go, name="platform_go"),
]

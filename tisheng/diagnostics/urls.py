from django.urls import path

from tisheng.diagnostics import views

app_name = "diagnostics"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<int:program_pk>/take/", views.take, name="take"),
    path("results/", views.result_list, name="result_list"),
    path("results/<int:pk>/", views.result, name="result"),
    path("topics/", views.topic_list, name="topic_list"),
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<int:pk>/", views.instrument_edit, name="instrument_edit"),
]

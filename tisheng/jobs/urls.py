from django.urls import path

from tisheng.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<int:pk>/", views.job_progress, name="progress"),
    path("<int:pk>/status.json", views.job_status, name="status"),
]

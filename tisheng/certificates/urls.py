from django.urls import path

from tisheng.certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.certificate_index, name="list"),
    path("batch/", views.batch_issue, name="batch"),
    path("batch/<int:pk>/", views.batch_job, name="batch_job"),
    path("<str:number>.pdf", views.certificate_pdf, name="pdf"),
    path("<str:number>/revoke/", views.certificate_revoke_view, name="revoke"),
]

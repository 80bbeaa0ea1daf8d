from django.urls import path

from tisheng.certificates.credentials import views

app_name = "credentials"
urlpatterns = [
    path("status/<int:number>", views.status_list, name="status_list"),
    path("check/", views.credential_check, name="check"),
    path("<str:number>/<str:code>.json", views.credential_download, name="download"),
]

"""/verify/: public, no login (mounted by tisheng/urls.py). /verify/<number> asks for the
code printed on the certificate; /verify/<number>/<code> (the QR code's address) shows it."""

from django.urls import path

from tisheng.certificates import views

app_name = "verify"
urlpatterns = [
    path("", views.verify_index, name="index"),
    path("<str:number>", views.verify_number, name="number"),
    path("<str:number>/<str:code>", views.verify_detail, name="detail"),
]

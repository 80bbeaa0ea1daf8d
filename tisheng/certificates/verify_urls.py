"""/verify/: public, no login (mounted by tisheng/urls.py)."""

from django.urls import path

from tisheng.certificates import views

app_name = "verify"
urlpatterns = [
    path("", views.verify_index, name="index"),
    path("<str:number>", views.verify_detail, name="detail"),
]

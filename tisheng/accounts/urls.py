from django.urls import path

from tisheng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("audit/", views.audit_log, name="audit_log"),
]

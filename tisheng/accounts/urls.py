from django.urls import path

from tisheng.accounts import views, views_admin

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    # The security admin's account management and the audit admin's log (views_admin).
    path("admin/", views_admin.account_list, name="account_list"),
    path("admin/new/", views_admin.account_create, name="account_create"),
    path("admin/<int:pk>/", views_admin.account_detail, name="account_detail"),
    path("admin/<int:pk>/roles/", views_admin.account_role_grant, name="account_role_grant"),
    path("admin/<int:pk>/roles/<int:assignment_pk>/end", views_admin.account_role_end, name="account_role_end"),
    path("admin/<int:pk>/unlock", views_admin.account_unlock, name="account_unlock"),
    path("admin/<int:pk>/deactivate", views_admin.account_deactivate, name="account_deactivate"),
    path("admin/<int:pk>/reactivate", views_admin.account_reactivate, name="account_reactivate"),
    path("admin/<int:pk>/password", views_admin.account_password_reset, name="account_password_reset"),
    path("audit/", views_admin.audit_log, name="audit_log"),
    path("audit/export.xlsx", views_admin.audit_export, name="audit_export"),
]

from django.urls import path

from tisheng.accounts.federation import views

app_name = "federation"
urlpatterns = [
    path("oidc/login/", views.oidc_start, name="oidc_start"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("cas/login/", views.cas_start, name="cas_start"),
    path("cas/callback/", views.cas_callback, name="cas_callback"),
    path("link/", views.link, name="link"),
    path("links/", views.link_list, name="links"),
    path("links/<int:pk>/remove", views.link_remove, name="link_remove"),
]

from django.urls import path

from tisheng.orgs import views

app_name = "orgs"
urlpatterns = [
    path("tree/", views.tree, name="tree"),
]

from django.urls import path

from tisheng.home import views

urlpatterns = [
    path("", views.home, name="home"),
]

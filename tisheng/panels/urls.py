from django.urls import path

from tisheng.panels import views

app_name = "panels"
urlpatterns = [
    path("", views.panel_list, name="list"),
    path("mine/", views.my_assignments, name="mine"),
    path("assignments/<int:pk>/", views.score, name="score"),
    path("<int:pk>/", views.panel_detail, name="detail"),
    path("<int:pk>/assign/", views.panel_assign, name="assign"),
    path("<int:pk>/close/", views.panel_close, name="close"),
]

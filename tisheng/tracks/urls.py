from django.urls import path

from tisheng.tracks import views

app_name = "tracks"

urlpatterns = [
    path("", views.track_list, name="list"),
    path("new/", views.track_new, name="new"),
    path("<int:pk>/", views.track_detail, name="detail"),
    path("<int:pk>/quota/", views.track_quota, name="quota"),
    path("<int:pk>/nominate/", views.track_nominate, name="nominate"),
    path("<int:pk>/decide/", views.track_decide, name="decide"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="withdraw"),
]

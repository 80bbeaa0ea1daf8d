from django.urls import path

from tisheng.playback import views

app_name = "playback"

urlpatterns = [
    path("lessons/", views.my_lessons, name="my-lessons"),
    path("lessons/<int:pk>/", views.lesson_page, name="lesson"),
    path("lessons/<int:pk>/start", views.lesson_start, name="start"),
    path("lessons/<int:pk>/video", views.lesson_video, name="video"),
    path("lessons/<int:pk>/hls.m3u8", views.lesson_hls, name="hls"),
    path("heartbeat", views.heartbeat, name="heartbeat"),
    path("presence", views.presence, name="presence"),
]

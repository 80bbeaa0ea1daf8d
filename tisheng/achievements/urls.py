from django.urls import path

from tisheng.achievements import views

app_name = "achievements"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/withdraw/<int:nomination_id>/", views.withdraw, name="withdraw"),
    path("<int:pk>/score/", views.start_scoring, name="start_scoring"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/winners.xlsx", views.export, name="export"),
    path("nominations/<int:pk>/", views.item, name="item"),
    path("nominations/<int:pk>/files/<int:file_id>/", views.item_file, name="item_file"),
    path("nominations/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
]

from django.urls import path

from tisheng.practice.checks import views

# Mounted at /practice/checks/ inside the "practice" namespace.
urlpatterns = [
    path("", views.overview, name="checks_overview"),
    path("schools/<int:pk>/", views.school_overview, name="checks_school_overview"),
    path("regions/<int:pk>/", views.region_overview, name="checks_region_overview"),
    path("spot/", views.spot_list, name="checks_spot_list"),
    path("spot/draw/", views.spot_draw, name="checks_spot_draw"),
    path("spot/<int:pk>/", views.spot_detail, name="checks_spot_detail"),
    path("spot/<int:pk>/assign/", views.spot_assign, name="checks_spot_assign"),
    path("spot/<int:pk>/close/", views.spot_close, name="checks_spot_close"),
    path("review/", views.review_list, name="checks_review_list"),
    path("items/<int:pk>/", views.item_detail, name="checks_item"),
    path("similarity/", views.similarity_list, name="checks_similarity_list"),
    path("similarity/<int:pk>/", views.similarity_detail, name="checks_similarity"),
]

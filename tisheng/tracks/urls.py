from django.urls import path

from tisheng.tracks import views, views_plans

app_name = "tracks"

urlpatterns = [
    path("", views.track_list, name="list"),
    path("new/", views.track_new, name="new"),
    path("pool/", views_plans.trainer_pool, name="pool"),
    path("pool/<int:pk>/draw/", views_plans.trainer_draw, name="draw"),
    path("<int:pk>/", views.track_detail, name="detail"),
    path("<int:pk>/quota/", views.track_quota, name="quota"),
    path("<int:pk>/nominate/", views.track_nominate, name="nominate"),
    path("<int:pk>/decide/", views.track_decide, name="decide"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="withdraw"),
    path("<int:pk>/plans/", views_plans.plan_list, name="plans"),
    path("<int:pk>/plans/rubric/", views_plans.rubric_edit, name="rubric"),
    path("<int:pk>/plans/<int:school_id>/", views_plans.plan_detail, name="plan"),
    path("<int:pk>/plans/<int:school_id>/review/", views_plans.plan_review, name="plan_review"),
    path("<int:pk>/plans/<int:school_id>/term/", views_plans.plan_term_check, name="plan_term"),
]

from django.urls import path

from tisheng.practice import views_assess, views_catalogue, views_evidence, views_plans, views_teacher

urlpatterns = [
    path("", views_plans.home, name="home"),
    path("catalogue/", views_catalogue.catalogue, name="catalogue"),
    path("catalogue/<str:code>/", views_catalogue.point_detail, name="point"),
    path("catalogue/<str:code>/edit/", views_catalogue.point_edit, name="point_edit"),
    path("plans/", views_plans.plans, name="plans"),
    path("plans/school/<int:school_id>/", views_plans.school_plan, name="school_plan"),
    path("plans/school/<int:school_id>/team/", views_plans.team_add, name="team_add"),
    path("plans/team/<int:member_id>/remove/", views_plans.team_remove, name="team_remove"),
    path("plans/<int:plan_id>/decide/", views_plans.plan_decide, name="plan_decide"),
    path("my/", views_teacher.my_practice, name="my"),
    path("my/choose/", views_teacher.my_choose, name="my_choose"),
    path("my/tasks/<int:task_id>/upload/", views_teacher.my_upload, name="my_upload"),
    path("my/evidence/<int:submission_id>/self/", views_teacher.my_self_assess, name="my_self_assess"),
    path("peer/", views_teacher.peer_list, name="peer"),
    path("peer/<int:assignment_id>/", views_teacher.peer_review, name="peer_review"),
    path("evidence/<int:submission_id>/file/", views_teacher.evidence_file, name="evidence_file"),
    path("evidence/<int:submission_id>/preview/", views_evidence.evidence_preview, name="evidence_preview"),
    path("evidence/teacher/<int:teacher_id>/zip/", views_evidence.evidence_zip, name="evidence_zip"),
    path("queue/<int:school_id>/", views_assess.queue, name="queue"),
    path("queue/<int:school_id>/assign-peers/", views_assess.assign_peers, name="assign_peers"),
    path("grade/<int:teacher_id>/<str:code>/", views_assess.grade, name="grade"),
    path("grade/<int:teacher_id>/<str:code>/decide/", views_assess.decide, name="decide"),
    path("grade/<int:teacher_id>/<str:code>/recommend/", views_assess.recommend, name="recommend"),
]

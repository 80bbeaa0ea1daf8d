from django.urls import path

from tisheng.communities import (
    views,
    views_assignments,
    views_discussion,
    views_pairing,
    views_rules,
    views_workshops,
)

app_name = "communities"

urlpatterns = [
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/members/add/", views.members_add, name="members_add"),
    path("classes/<int:pk>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("classes/<int:pk>/tutors/", views.tutor_assign, name="tutor_assign"),
    path("classes/<int:pk>/tutors/<int:user_id>/remove/", views.tutor_remove, name="tutor_remove"),
    path("classes/<int:pk>/remind/", views.remind, name="remind"),
    path("classes/<int:pk>/announce/", views.announce, name="announce"),
    path("classes/<int:pk>/bulletins/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/pdf/", views.bulletin_pdf, name="bulletin_pdf"),
    path("classes/<int:pk>/assignments/", views_assignments.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", views_assignments.assignment_detail, name="assignment_detail"),
    path("submissions/<int:pk>/", views_assignments.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/file/", views_assignments.submission_file, name="submission_file"),
    path("classes/<int:pk>/discussion/", views_discussion.thread_list, name="thread_list"),
    path("threads/<int:pk>/", views_discussion.thread_detail, name="thread_detail"),
    path("threads/<int:pk>/moderate/", views_discussion.thread_moderate, name="thread_moderate"),
    path("threads/<int:pk>/report/", views_discussion.post_report, name="post_report"),
    path("workshops/", views_workshops.workshop_list, name="workshop_list"),
    path("workshops/new/", views_workshops.workshop_create, name="workshop_create"),
    path("workshops/<int:pk>/", views_workshops.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/join/", views_workshops.workshop_join, name="workshop_join"),
    path("workshops/<int:pk>/invite/", views_workshops.workshop_invite, name="workshop_invite"),
    path("workshops/<int:pk>/activities/new/", views_workshops.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views_workshops.activity_detail, name="activity_detail"),
    path("pairs/", views_pairing.pair_list, name="pair_list"),
    path("pairs/new/", views_pairing.pair_create, name="pair_create"),
    path("pairs/<int:pk>/", views_pairing.pair_detail, name="pair_detail"),
    path("pairs/evidence/<int:pk>/", views_pairing.pair_evidence, name="pair_evidence"),
    path("pairs/regions/", views_pairing.assisted_regions, name="assisted_regions"),
    path("rules/", views_rules.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views_rules.rule_edit, name="rule_edit"),
]

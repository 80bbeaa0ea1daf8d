from django.urls import path

from tisheng.learning.views import catalogue, institution, offices

app_name = "learning"

urlpatterns = [
    # Teachers
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/select/", catalogue.select, name="select"),
    path("selections/<int:pk>/drop/", catalogue.drop, name="drop"),
    path("courses/<int:pk>/", catalogue.course_detail, name="course"),
    path("courses/<int:pk>/quiz/", catalogue.quiz, name="quiz"),
    # Training institutions
    path("institution/courses/", institution.my_courses, name="institution_courses"),
    path("institution/courses/<int:pk>/", institution.course_edit, name="institution_course"),
    path("institution/courses/<int:pk>/lessons/", institution.lesson_add, name="lesson_add"),
    path("institution/lessons/<int:pk>/delete/", institution.lesson_delete, name="lesson_delete"),
    path("institution/courses/<int:pk>/quiz/", institution.quiz_save, name="quiz_save"),
    path("institution/courses/<int:pk>/publish/", institution.publish, name="publish"),
    path("institution/learners/", institution.learners, name="learners"),
    # Offices
    path("contracts/", offices.contracts, name="contracts"),
    path("contracts/<int:pk>/delete/", offices.contract_delete, name="contract_delete"),
    path("selection/", offices.selection_status, name="selection_status"),
    path("monitor/", offices.monitor, name="monitor"),
]

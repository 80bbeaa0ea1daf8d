from django.urls import path

from tisheng.people.views import roster, teachers

app_name = "people"
urlpatterns = [
    path("teachers/", teachers.teacher_list, name="teacher_list"),
    path("teachers/<int:pk>/", teachers.teacher_detail, name="teacher_detail"),
    path("roster/", roster.roster_import, name="roster_import"),
    path("roster/template.xlsx", roster.roster_template, name="roster_template"),
    path("roster/<int:pk>/", roster.roster_import_detail, name="roster_import_detail"),
    path("roster/<int:pk>/errors.xlsx", roster.roster_errors, name="roster_errors"),
]

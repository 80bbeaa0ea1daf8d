from django.urls import path

from tisheng.programs.views import enrollment, programs, rollout

# The review chain's pages are at /programs/review/ under their own "review" namespace
# (tisheng/urls.py includes tisheng.programs.review_urls there).
app_name = "programs"
urlpatterns = [
    path("", programs.program_list, name="list"),
    path("<int:pk>/", programs.program_detail, name="detail"),
    path("<int:pk>/copy/", programs.program_copy, name="copy"),
    path("<int:pk>/edit/", programs.program_edit, name="edit"),
    path("<int:pk>/rollout/", rollout.rollout, name="rollout"),
    path("<int:pk>/rollout/<int:batch_pk>/enroll/", rollout.batch_enroll, name="batch_enroll"),
    path("<int:pk>/quotas/", rollout.quotas, name="quotas"),
    path("<int:pk>/enrollments/", enrollment.enrollment_list, name="enrollments"),
    path("enrollments/<int:pk>/exempt/", enrollment.exemption_request, name="exemption_request"),
    path("exemptions/", enrollment.exemption_queue, name="exemptions"),
    path("exemptions/<int:pk>/decide/", enrollment.exemption_decide, name="exemption_decide"),
]

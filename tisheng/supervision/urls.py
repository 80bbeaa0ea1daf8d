from django.urls import path

from tisheng.supervision import views
from tisheng.supervision.plan import views as plan_views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", plan_views.plan_edit, name="plan"),
    path("plan/preview/", plan_views.plan_preview, name="plan_preview"),
    path("plan/file/", plan_views.plan_file, name="plan_file"),
    path("plan/filed/", plan_views.plan_filings, name="plan_filings"),
    path("plan/filed/<int:pk>/", plan_views.plan_filing, name="plan_filing"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/assign/", views.round_assign, name="round_assign"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/summary.pdf", views.round_pdf, name="round_pdf"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/report/", views.inspection_report, name="inspection_report"),
    path("inspections/<int:pk>/findings/", views.inspection_findings, name="inspection_findings"),
    path("inspections/<int:pk>/grade/", views.inspection_grade, name="inspection_grade"),
    path("inspections/<int:pk>/rectifications/", views.rectification_add, name="rectification_add"),
    path("rectifications/<int:pk>/answer/", views.rectification_answer, name="rectification_answer"),
    path("rectifications/<int:pk>/decide/", views.rectification_decide, name="rectification_decide"),
    path("files/<int:pk>/", views.evidence_download, name="file"),
]

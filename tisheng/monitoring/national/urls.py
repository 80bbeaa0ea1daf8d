from django.urls import path

from tisheng.monitoring.national import views, views_ministry

app_name = "national"

# Included under /national/: the province's report (province offices), the published schema
# (public), and on a national instance the ministry's pages (the national office).
urlpatterns = [
    path("", views_ministry.dashboard, name="dashboard"),
    path("load/", views_ministry.load, name="load"),
    path("provinces/<str:program_code>/<str:province_code>/", views_ministry.province, name="province"),
    path("plans/<str:province_code>/", views_ministry.plan, name="plan"),
    path("report/", views.report, name="report"),
    path("report.json", views.report_json, name="report_json"),
    path("report.xlsx", views.report_xlsx_view, name="report_xlsx"),
    path("schema.json", views.schema_view, name="schema"),
]

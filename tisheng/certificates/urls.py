from django.urls import path

from tisheng.certificates import views, views_hours, views_indicators, views_partner, views_title

app_name = "certificates"
urlpatterns = [
    path("", views.certificate_index, name="list"),
    path("batch/", views.batch_issue, name="batch"),
    path("batch/<int:pk>/", views.batch_job, name="batch_job"),
    path("partner/", views_partner.partner_index, name="partner"),
    path("partner/batch/", views_partner.partner_batch_view, name="partner_batch"),
    path("partner/batch/<int:pk>/", views_partner.partner_job, name="partner_job"),
    path("partner/enrollment/<int:pk>/", views_partner.partner_single, name="partner_single"),
    path("hours/teachers/<int:pk>/", views_hours.hours_certificates, name="hours_list"),
    path("hours/teachers/<int:pk>/new/", views_hours.hours_certificate_new, name="hours_new"),
    path("title/", views_title.title_records, name="title_records"),
    path("title/teachers/<int:pk>/", views_title.title_record_teacher, name="title_record_teacher"),
    path("schools/", views_indicators.indicators_page, name="indicators"),
    path("schools/indicators.xlsx", views_indicators.indicators_xlsx, name="indicators_xlsx"),
    path("hours/<str:number>.pdf", views_hours.hours_certificate_pdf, name="hours_pdf"),
    path("<str:number>.pdf", views.certificate_pdf, name="pdf"),
    path("<str:number>/revoke/", views.certificate_revoke_view, name="revoke"),
]

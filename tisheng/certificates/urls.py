from django.urls import path

from tisheng.certificates import views, views_hours, views_partner

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
    path("hours/<str:number>.pdf", views_hours.hours_certificate_pdf, name="hours_pdf"),
    path("<str:number>.pdf", views.certificate_pdf, name="pdf"),
    path("<str:number>/revoke/", views.certificate_revoke_view, name="revoke"),
]

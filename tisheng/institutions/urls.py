from django.urls import path

from tisheng.institutions.views import evaluation, exits, ratings, registration
from tisheng.institutions.views import selection as views

app_name = "institutions"
urlpatterns = [
    path("selection/", views.round_list, name="rounds"),
    path("selection/<int:pk>/", views.round_detail, name="round_detail"),
    path("selection/<int:pk>/apply/", views.application_save, name="application_save"),
    path("selection/<int:pk>/review/", views.review_start, name="review_start"),
    path("selection/<int:pk>/publish/", views.round_publish, name="publish"),
    path("selection/<int:pk>/result/", views.public_result, name="public_result"),
    path("selection/<int:pk>/result.pdf", views.public_result_pdf, name="public_result_pdf"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/decide/", views.application_decide, name="decide"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    # Teachers rate the courses they finished.
    path("ratings/", ratings.rating_list, name="ratings"),
    path("ratings/<int:course_pk>/", ratings.rating_edit, name="rating"),
    # Evaluation: the periods, the ranking, each institution's page, third-party reports.
    path("evaluation/", evaluation.period_list, name="evaluation"),
    path("evaluation/<int:pk>/", evaluation.period_detail, name="evaluation_period"),
    path("evaluation/<int:pk>/weights/", evaluation.weights_save, name="evaluation_weights"),
    path("evaluation/<int:pk>/publish/", evaluation.ranking_publish, name="evaluation_publish"),
    path("evaluation/<int:pk>/institutions/<int:institution_pk>/", evaluation.institution_page,
         name="evaluation_institution"),
    path("evaluation/<int:pk>/institutions/<int:institution_pk>/report/", evaluation.third_party_send,
         name="evaluation_report"),
    path("evaluation/reports/<int:report_pk>/", evaluation.report_download, name="evaluation_report_file"),
    # Exit: suspend or terminate.
    path("exits/", exits.exit_list, name="exits"),
    path("exits/preview/", exits.exit_preview, name="exit_preview"),
    path("exits/<int:pk>/", exits.exit_detail, name="exit"),
    path("exits/<int:pk>/retry/", exits.exit_retry, name="exit_retry"),
    path("exits/<int:pk>/lift/", exits.exit_lift, name="exit_lift"),
    # New institutions register (public); the province checks them.
    path("register/", registration.register, name="register"),
    path("register/sent/", registration.register_sent, name="register_sent"),
    path("registrations/", registration.registration_list, name="registrations"),
    path("registrations/<int:pk>/", registration.registration_detail, name="registration"),
    path("registrations/<int:pk>/licence/", registration.registration_licence, name="registration_licence"),
]

from django.urls import path

from tisheng.ledger import registration_views, views

app_name = "ledger"
urlpatterns = [
    path("", views.my_hours, name="my_hours"),
    path("teachers/<int:pk>/", views.teacher_hours, name="teacher_hours"),
    path("teachers/<int:teacher_pk>/programs/<int:program_pk>/transcript.<str:fmt>", views.transcript,
         name="transcript"),
    path("registry/", views.my_registry, name="my_registry"),
    path("teachers/<int:pk>/registry/", views.teacher_registry, name="teacher_registry"),
    path("registration/", views.registration, name="registration"),
    path("registration.xlsx", views.registration_export, name="registration_export"),
    path("registration/dates/", registration_views.registration_dates, name="registration_dates"),
    path("teachers/<int:pk>/registration/", registration_views.teacher_registration, name="teacher_registration"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/<int:pk>/", views.cycles, name="cycle_edit"),
    path("external/", views.external_imports, name="external_imports"),
    path("external/<int:pk>/", views.external_import, name="external_import"),
    path("external/<int:pk>/errors.xlsx", views.external_import_errors, name="external_import_errors"),
    path("declarations/", views.declaration_queue, name="declaration_queue"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/decide/", views.declaration_decide, name="declaration_decide"),
    path("declarations/<int:pk>/certificate/", views.declaration_file, name="declaration_file"),
]

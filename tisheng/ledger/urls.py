from django.urls import path

from tisheng.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.my_hours, name="my_hours"),
    path("teachers/<int:pk>/", views.teacher_hours, name="teacher_hours"),
    path("teachers/<int:teacher_pk>/programs/<int:program_pk>/transcript.<str:fmt>", views.transcript,
         name="transcript"),
    path("declarations/", views.declaration_queue, name="declaration_queue"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/decide/", views.declaration_decide, name="declaration_decide"),
    path("declarations/<int:pk>/certificate/", views.declaration_file, name="declaration_file"),
]

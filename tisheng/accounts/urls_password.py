from django.urls import path

from tisheng.accounts import views_password

app_name = "passwords"
urlpatterns = [
    path("change/", views_password.password_change, name="change"),
    path("forgot/", views_password.password_forgot, name="forgot"),
    path("forgot/code/", views_password.password_forgot_code, name="forgot_code"),
    path("teachers/", views_password.school_teachers, name="school_teachers"),
    path("teachers/<int:pk>/reset/", views_password.teacher_password_reset, name="teacher_reset"),
]

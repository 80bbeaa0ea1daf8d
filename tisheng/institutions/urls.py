from django.urls import path

from tisheng.institutions import views

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
]

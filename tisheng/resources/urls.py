from django.urls import path

from tisheng.resources import views, views_sites

app_name = "resources"

urlpatterns = [
    path("", views.library_home, name="library"),
    path("new/", views.resource_new, name="new"),
    path("mine/", views.my_resources, name="mine"),
    path("contribute/", views.contribute_list, name="contribute_list"),
    path("contribute/<int:submission_id>/", views.contribute, name="contribute"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:entry_id>/decide/", views.entry_decide, name="decide"),
    path("quality/", views.quality_rule, name="quality"),
    path("sites/", views_sites.sites_public, name="sites"),
    path("sites/apply/", views_sites.site_apply, name="site_apply"),
    path("sites/applications/", views_sites.site_list, name="site_list"),
    path("sites/applications/<int:pk>/", views_sites.site_detail, name="site"),
    path("sites/applications/<int:pk>/decide/", views_sites.site_decide, name="site_decide"),
    path("sites/applications/<int:pk>/review/", views_sites.site_review, name="site_review"),
    path("files/<int:file_id>/", views.resource_file, name="file"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/submit/", views.resource_submit, name="submit"),
    path("<int:pk>/pick/", views.resource_pick, name="pick"),
    path("<int:pk>/rate/", views.resource_rate, name="rate"),
    path("<int:pk>/use/", views.resource_use, name="use"),
]

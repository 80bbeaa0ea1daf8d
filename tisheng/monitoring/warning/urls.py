from django.urls import path

from tisheng.monitoring.warning import views

# Included under /monitoring/warning/ in the "monitoring" namespace.
urlpatterns = [
    path("", views.warning_list, name="warning_list"),
    path("remind/", views.warning_remind, name="warning_remind"),
    path("follow-up/", views.warning_follow_up, name="warning_follow_up"),
    path("refresh/", views.warning_refresh, name="warning_refresh"),
    path("interventions/", views.warning_interventions, name="warning_interventions"),
    path("notifications/", views.warning_notifications, name="warning_notifications"),
]

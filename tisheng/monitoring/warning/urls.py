from django.urls import path
from django.views.generic import RedirectView

from tisheng.monitoring.warning import views

# Included under /monitoring/warning/ in the "monitoring" namespace.
urlpatterns = [
    path("", views.warning_list, name="warning_list"),
    path("remind/", views.warning_remind, name="warning_remind"),
    path("follow-up/", views.warning_follow_up, name="warning_follow_up"),
    path("refresh/", views.warning_refresh, name="warning_refresh"),
    path("interventions/", views.warning_interventions, name="warning_interventions"),
    # The notifications page moved to /notifications/ (tisheng.notifications); old links land there.
    path("notifications/", RedirectView.as_view(pattern_name="notifications:list", permanent=False),
         name="warning_notifications"),
]

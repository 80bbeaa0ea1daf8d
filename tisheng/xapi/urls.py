from django.urls import re_path

from tisheng.xapi import documents, views

app_name = "xapi"

# Clients differ on a trailing slash (the spec's examples have none): accept both.
urlpatterns = [
    re_path(r"^statements/?$", views.statements, name="statements"),
    re_path(r"^activities/?$", views.activities, name="activities"),
    re_path(r"^activities/state/?$", documents.state, name="state"),
    re_path(r"^activities/profile/?$", documents.activity_profile, name="activity_profile"),
    re_path(r"^agents/?$", views.agents, name="agents"),
    re_path(r"^agents/profile/?$", documents.agent_profile, name="agent_profile"),
    re_path(r"^about/?$", views.about, name="about"),
]

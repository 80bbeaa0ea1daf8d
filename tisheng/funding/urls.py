from django.urls import path

from tisheng.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("budget/<path:path>/add/", views.budget_add, name="budget_add"),
    path("budget/<path:path>/", views.budget, name="budget"),
    path("statements/", views.statements, name="statements"),
    path("statements/draft/", views.statement_draft, name="statement_draft"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("statements/<int:pk>/check/", views.statement_check, name="statement_check"),
    path("statements/<int:pk>/confirm/", views.statement_confirm, name="statement_confirm"),
    path("statements/<int:pk>/redraft/", views.statement_redraft, name="statement_redraft"),
    path("statements/<int:pk>/export.xlsx", views.statement_export, name="statement_export"),
    path("rates/", views.rates, name="rates"),
]

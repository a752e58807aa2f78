"""The cabinet's touch-script pages at /cabinet/scripts/."""

from django.urls import URLPattern, path

from web.crm import scripts_views as views

app_name = "scripts"

urlpatterns: list[URLPattern] = [
    path("", views.ScriptListView.as_view(), name="list"),
    path("<uuid:script_id>/", views.ScriptDetailView.as_view(), name="script"),
    path("<uuid:script_id>/delete/", views.ScriptDeleteView.as_view(), name="delete"),
    path("<uuid:script_id>/steps/<uuid:step_id>/", views.StepView.as_view(), name="step"),
]

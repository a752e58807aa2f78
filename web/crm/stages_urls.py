"""The head's deal funnel pages (``stages``); included by web/urls.py at /head/stages/."""

from django.urls import URLPattern, path

from web.crm import stages_views as views

app_name = "stages"

urlpatterns: list[URLPattern] = [
    path("", views.StagesIndexView.as_view(), name="index"),
    path("<uuid:partner_id>/", views.PartnerStagesView.as_view(), name="partner"),
]

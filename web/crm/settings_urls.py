"""The cabinet's deal settings page and its API route."""

from django.urls import URLPattern, path

from web.crm import settings_api, settings_views

app_name = "crm_settings"

urlpatterns: list[URLPattern] = [
    path("", settings_views.DealSettingsView.as_view(), name="deal-settings"),
]

api_urlpatterns: list[URLPattern] = [
    path("deal-settings/", settings_api.DealSettingsApi.as_view(), name="api-deal-settings"),
]

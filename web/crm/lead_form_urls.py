"""The public lead form (no login): included at /forms/."""

from django.urls import URLPattern, path

from web.crm.lead_form_views import lead_form, lead_form_thanks

urlpatterns: list[URLPattern] = [
    path("thank-you/", lead_form_thanks, name="lead-form-thanks"),
    path("<str:form_token>/", lead_form, name="lead-form"),
]

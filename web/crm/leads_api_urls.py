"""API v1 routes of leads (included by web/urls.py)."""

from django.urls import path

from web.crm import leads_api

urlpatterns = [
    path("leads/", leads_api.LeadListCreateApi.as_view(), name="api-leads"),
    path("leads/<uuid:pk>/", leads_api.LeadDetailApi.as_view(), name="api-lead"),
]

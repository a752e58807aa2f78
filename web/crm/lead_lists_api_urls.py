"""API v1 routes of the lead lists (included by web/urls.py)."""

from django.urls import URLPattern, path

from web.crm import lead_lists_api as api

urlpatterns: list[URLPattern] = [
    path("lead-lists/", api.LeadListListCreateApi.as_view(), name="api-lead-lists"),
    path("lead-lists/<uuid:pk>/", api.LeadListDetailApi.as_view(), name="api-lead-list"),
    path(
        "lead-lists/<uuid:pk>/rotate-token/",
        api.LeadListRotateTokenApi.as_view(),
        name="api-lead-list-rotate-token",
    ),
    path(
        "lead-lists/<uuid:pk>/archive/",
        api.LeadListArchiveApi.as_view(),
        name="api-lead-list-archive",
    ),
]

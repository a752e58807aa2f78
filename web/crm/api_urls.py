"""API v1 routes of the crm app (included by web/urls.py)."""

from django.urls import path

from web.crm import api

urlpatterns = [
    path("contacts/", api.ContactListApi.as_view(), name="api-contacts"),
    path("contacts/<str:contact_id>/", api.ContactDetailApi.as_view(), name="api-contact"),
]

"""Page routes (crm); included by web/urls.py at /cabinet/contacts/."""

from django.urls import path

from web.crm import views

app_name = "crm"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="contacts"),
    path("<str:contact_id>/", views.ContactDetailView.as_view(), name="contact"),
]

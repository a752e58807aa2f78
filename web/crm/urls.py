"""Contact page routes, included by web/urls.py: the cabinet's at /cabinet/contacts/ (``crm``),
a seller's at /workspace/contacts/ (``contacts``), the head's at /head/contacts/
(``contacts_head``)."""

from django.urls import URLPattern, path

from web.crm import views

app_name = "crm"

urlpatterns: list[URLPattern] = [
    path("", views.ContactListView.as_view(), name="contacts"),
    path("<str:contact_id>/", views.ContactDetailView.as_view(), name="contact"),
]

seller_urlpatterns: list[URLPattern] = [
    path("", views.SellerContactListView.as_view(), name="contacts"),
    path("<str:contact_id>/", views.SellerContactDetailView.as_view(), name="contact"),
]

head_urlpatterns: list[URLPattern] = [
    path("", views.HeadContactListView.as_view(), name="contacts"),
    path("<str:contact_id>/", views.HeadContactDetailView.as_view(), name="contact"),
]

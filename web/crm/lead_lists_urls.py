"""The cabinet's lead lists: included at /cabinet/lead-lists/."""

from django.urls import URLPattern, path

from web.crm import lead_lists_views as views

app_name = "lead_lists"

urlpatterns: list[URLPattern] = [
    path("", views.LeadListsView.as_view(), name="list"),
    path("new/", views.LeadListCreateView.as_view(), name="create"),
    path("<uuid:pk>/", views.LeadListDetailView.as_view(), name="detail"),
    path("<uuid:pk>/edit/", views.LeadListEditView.as_view(), name="edit"),
    path("<uuid:pk>/rotate-token/", views.LeadListRotateTokenView.as_view(), name="rotate"),
    path("<uuid:pk>/archive/", views.LeadListArchiveView.as_view(), name="archive"),
]

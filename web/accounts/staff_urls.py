"""The head's team page, under /head/team/."""

from django.urls import path

from web.accounts import staff_views as views

app_name = "team_head"

urlpatterns = [
    path("", views.TeamView.as_view(), name="team"),
    path("settings/", views.TeamModeView.as_view(), name="settings"),
    path("invite/", views.StaffInviteView.as_view(), name="invite"),
    path(
        "invitations/<uuid:pk>/revoke/",
        views.StaffInvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("members/<uuid:pk>/", views.StaffEditView.as_view(), name="member"),
    path("members/<uuid:pk>/graduate/", views.StaffGraduateView.as_view(), name="graduate"),
    path("members/<uuid:pk>/deactivate/", views.StaffDeactivateView.as_view(), name="deactivate"),
]

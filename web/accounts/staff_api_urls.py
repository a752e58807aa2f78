from django.urls import path

from web.accounts import staff_api as api

urlpatterns = [
    path("staff/", api.StaffListApi.as_view(), name="api-staff"),
    path("staff/invitations/", api.StaffInvitationApi.as_view(), name="api-staff-invite"),
    path("staff/<uuid:pk>/", api.StaffMemberApi.as_view(), name="api-staff-member"),
    path(
        "staff/<uuid:pk>/deactivate/",
        api.StaffDeactivateApi.as_view(),
        name="api-staff-deactivate",
    ),
]

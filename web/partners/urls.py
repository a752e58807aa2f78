from django.urls import path

from web.partners import team, views

app_name = "partners"

urlpatterns = [
    path("", views.CabinetView.as_view(), name="cabinet"),
    path("products/", views.ProductListView.as_view(), name="products"),
    path("products/new/", views.ProductCreateView.as_view(), name="product-create"),
    path("products/<uuid:pk>/", views.ProductDetailView.as_view(), name="product"),
    path("products/<uuid:pk>/edit/", views.ProductEditView.as_view(), name="product-edit"),
    path(
        "products/<uuid:pk>/settings/",
        views.ProductSettingsView.as_view(),
        name="product-settings",
    ),
    path(
        "products/<uuid:pk>/questionnaire/",
        views.QuestionnaireView.as_view(),
        name="questionnaire",
    ),
    path(
        "products/<uuid:pk>/questionnaire/autosave/",
        views.QuestionnaireAutosaveView.as_view(),
        name="questionnaire-autosave",
    ),
    path("team/", team.TeamView.as_view(), name="team"),
    path(
        "team/invitations/<uuid:pk>/revoke/",
        team.InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("team/members/<uuid:pk>/remove/", team.MemberRemoveView.as_view(), name="member-remove"),
    path("calls/", views.CallsView.as_view(), name="calls"),
    path("calls/<uuid:pk>/cancel/", views.CallCancelView.as_view(), name="call-cancel"),
]

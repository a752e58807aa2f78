"""Page routes (partners_head); included by salesdesk/urls.py at /head/sales-department/."""

from django.urls import path

from web.partners import head_views as views

app_name = "partners_head"

urlpatterns = [
    path("", views.ApplicationListView.as_view(), name="applications"),
    path("products/<uuid:pk>/", views.ProductReviewView.as_view(), name="product"),
    *[
        path(
            f"products/<uuid:pk>/{action}/",
            views.ProductDecisionView.as_view(),
            {"action": action},
            name=f"product-{action}",
        )
        for action in ("approve", "refuse", "block", "unblock")
    ],
    path("slots/", views.SlotsView.as_view(), name="slots"),
    path("slots/<uuid:pk>/cancel/", views.SlotCancelView.as_view(), name="slot-cancel"),
    path("calls/<uuid:pk>/held/", views.CallHeldView.as_view(), name="call-held"),
    path("partners/", views.PartnerListView.as_view(), name="partners"),
    *[
        path(
            f"partners/<uuid:pk>/{action}/",
            views.PartnerBlockView.as_view(),
            {"action": action},
            name=f"partner-{action}",
        )
        for action in ("block", "unblock")
    ],
]

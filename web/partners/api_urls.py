"""API v1 routes of the partners app (included by salesdesk/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from web.partners import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", api.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<uuid:pk>/", api.ProductDetailApi.as_view(), name="api-product"),
    path(
        "products/<uuid:pk>/questionnaire/",
        api.QuestionnaireApi.as_view(),
        name="api-product-questionnaire",
    ),
    path(
        "products/<uuid:pk>/questionnaire/submit/",
        api.QuestionnaireSubmitApi.as_view(),
        name="api-product-questionnaire-submit",
    ),
    path(
        "products/<uuid:pk>/history/",
        api.ProductHistoryApi.as_view(),
        name="api-product-history",
    ),
    path(
        "products/<uuid:pk>/sales-department/approve/",
        api.ProductApproveApi.as_view(),
        name="api-product-approve",
    ),
    path(
        "products/<uuid:pk>/sales-department/refuse/",
        api.ProductRefuseApi.as_view(),
        name="api-product-refuse",
    ),
    path(
        "products/<uuid:pk>/sales-department/block/",
        api.ProductBlockApi.as_view(),
        name="api-product-block",
    ),
    path(
        "products/<uuid:pk>/sales-department/unblock/",
        api.ProductUnblockApi.as_view(),
        name="api-product-unblock",
    ),
    path("partners/<uuid:pk>/block/", api.PartnerBlockApi.as_view(), name="api-partner-block"),
    path(
        "partners/<uuid:pk>/unblock/",
        api.PartnerUnblockApi.as_view(),
        name="api-partner-unblock",
    ),
    path(
        "alignment-slots/",
        api.AlignmentSlotListCreateApi.as_view(),
        name="api-alignment-slots",
    ),
    path(
        "alignment-slots/<uuid:pk>/",
        api.AlignmentSlotDetailApi.as_view(),
        name="api-alignment-slot",
    ),
    path("call-bookings/", api.CallBookingListCreateApi.as_view(), name="api-call-bookings"),
    path(
        "call-bookings/<uuid:pk>/cancel/",
        api.CallBookingCancelApi.as_view(),
        name="api-call-booking-cancel",
    ),
    path(
        "call-bookings/<uuid:pk>/held/",
        api.CallBookingHeldApi.as_view(),
        name="api-call-booking-held",
    ),
]

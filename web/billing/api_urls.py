"""API v1 routes of the billing app (included by salesdesk/urls.py)."""

from django.urls import path

from web.billing.api import ChargeListApi, StatementApi, StatementCsvApi

# The month is matched loosely so a malformed one reaches the view and gets a 400 that says
# why, instead of a bare 404.
urlpatterns = [
    path("charges/", ChargeListApi.as_view(), name="api-charges"),
    path("statements/<str:month>/", StatementApi.as_view(), name="api-statement"),
    path("statements/<str:month>/csv/", StatementCsvApi.as_view(), name="api-statement-csv"),
]

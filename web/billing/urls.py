"""Page routes (billing); included by salesdesk/urls.py under /cabinet/billing/."""

from django.urls import path

from web.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.BillingOverviewView.as_view(), name="overview"),
    path("charges/", views.ChargeListView.as_view(), name="charges"),
    path("statements/", views.StatementListView.as_view(), name="statements"),
    path("statements/<str:month>/", views.StatementPrintView.as_view(), name="statement"),
    path("statements/<str:month>/csv/", views.StatementCsvView.as_view(), name="statement_csv"),
]

"""Cabinet routes of the partner's sales-department report; included under /cabinet/stats/."""

from django.urls import path

from web.stats import partner_views

app_name = "partner_stats"

urlpatterns = [
    path("", partner_views.PartnerReportView.as_view(), name="report"),
    path("csv/", partner_views.PartnerReportCsvView.as_view(), name="csv"),
]

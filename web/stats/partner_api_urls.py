"""API v1 route of the partner's sales-department report (included by web/urls.py)."""

from django.urls import path

from web.stats.partner_api import SalesDepartmentReportApi

urlpatterns = [
    path(
        "stats/sales-department/",
        SalesDepartmentReportApi.as_view(),
        name="api-stats-sales-department",
    ),
]

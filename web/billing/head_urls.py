"""Page routes (billing_head); included by salesdesk/urls.py under /head/billing/."""

from django.urls import path

from web.billing import views

app_name = "billing_head"

urlpatterns = [
    path("", views.HeadFeeTableView.as_view(), name="fees"),
]

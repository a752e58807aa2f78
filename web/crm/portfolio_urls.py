"""The account manager's portfolio, at /portfolio/ (``portfolio``)."""

from django.urls import URLPattern, path

from web.crm import portfolio_views

app_name = "portfolio"

urlpatterns: list[URLPattern] = [
    path("", portfolio_views.PortfolioView.as_view(), name="list"),
]

from django.urls import path

from web.crm import portfolio_api

urlpatterns = [
    path("portfolio/", portfolio_api.PortfolioApi.as_view(), name="api-portfolio"),
]

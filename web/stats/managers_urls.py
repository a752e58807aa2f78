"""Page routes: stats_head (under /head/stats/) and stats_mine (under /workspace/stats/)."""

from django.urls import path

from web.stats import managers_views as views

head_urlpatterns = [
    path("", views.ManagerStatsDashboardView.as_view(), name="managers"),
    path("export.csv", views.ManagerStatsExportView.as_view(fmt="csv"), name="export-csv"),
    path("export.xlsx", views.ManagerStatsExportView.as_view(fmt="xlsx"), name="export-xlsx"),
    path("managers/<uuid:pk>/rate/", views.CommissionRateView.as_view(), name="rate"),
]

mine_urlpatterns = [
    path("", views.MyStatsView.as_view(), name="mine"),
]

from django.urls import path

from web.stats.managers_api import ManagerStatsApi

urlpatterns = [
    path("stats/managers/", ManagerStatsApi.as_view(), name="api-stats-managers"),
]

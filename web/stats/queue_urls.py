"""Page routes (stats_queue); included by web/urls.py at /head/stats/queue/."""

from django.urls import path

from web.stats import queue_views as views

app_name = "stats_queue"

urlpatterns = [
    path("", views.QueueHealthView.as_view(), name="health"),
]

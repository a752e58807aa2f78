"""Page routes (queue_head); included by salesdesk/urls.py at /head/queue/."""

from django.urls import path

from web.sales_queue import head_views as views

app_name = "queue_head"

urlpatterns = [
    path("", views.HeadQueueView.as_view(), name="queue"),
    path("numbers/", views.HeadQueueNumbersView.as_view(), name="numbers"),
    path("items/<uuid:item_id>/release/", views.HeadReleaseView.as_view(), name="release"),
    path("items/<uuid:item_id>/reassign/", views.HeadReassignView.as_view(), name="reassign"),
]

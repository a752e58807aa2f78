from django.urls import path

from web.sales_queue import api, team_api

urlpatterns = [
    path("team/", team_api.TeamApi.as_view(), name="api-team"),
    path("queue/take/", api.QueueTakeApi.as_view(), name="api-queue-take"),
    path("queue/current/", api.QueueCurrentApi.as_view(), name="api-queue-current"),
    path("queue/health/", api.QueueHealthApi.as_view(), name="api-queue-health"),
    path(
        "queue/items/<str:item_id>/take/",
        api.QueueTakeCallbackApi.as_view(),
        name="api-queue-take-callback",
    ),
    path("queue/items/<str:item_id>/touches/", api.QueueTouchApi.as_view(), name="api-queue-touch"),
    path(
        "queue/items/<str:item_id>/release/",
        api.QueueReleaseApi.as_view(),
        name="api-queue-release",
    ),
    path(
        "queue/items/<str:item_id>/reassign/",
        api.QueueReassignApi.as_view(),
        name="api-queue-reassign",
    ),
]

"""Page routes (queue); included by salesdesk/urls.py at /workspace/."""

from django.urls import path

from web.sales_queue import views

app_name = "queue"

urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="workspace"),
    path("take/", views.TakeView.as_view(), name="take"),
    path("callbacks/", views.CallbacksView.as_view(), name="callbacks"),
    path("items/<uuid:item_id>/take/", views.TakeCallbackView.as_view(), name="take_callback"),
    path("items/<uuid:item_id>/news/", views.HeldNewsView.as_view(), name="held_news"),
    path("items/<uuid:item_id>/touch/", views.TouchView.as_view(), name="touch"),
    path("items/<uuid:item_id>/release/", views.ReleaseView.as_view(), name="release"),
    path(
        "items/<uuid:item_id>/payment-link/",
        views.PaymentLinkSentView.as_view(),
        name="payment_link_sent",
    ),
]

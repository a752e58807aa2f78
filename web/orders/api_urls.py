"""API v1 routes of the orders app (included by salesdesk/urls.py)."""

from django.urls import path

from web.orders import api

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="api-orders"),
    path("orders/<str:order_id>/", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<str:order_id>/pay/", api.OrderPayApi.as_view(), name="api-order-pay"),
    path("orders/<str:order_id>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<str:order_id>/refund/", api.OrderRefundApi.as_view(), name="api-order-refund"),
]

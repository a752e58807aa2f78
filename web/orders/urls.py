"""Page routes (orders); included by salesdesk/urls.py at /cabinet/orders/."""

from django.urls import path

from web.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("<str:order_id>/", views.OrderDetailView.as_view(), name="detail"),
]

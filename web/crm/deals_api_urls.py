from django.urls import path

from web.crm import deal_orders_api, deal_touches_api, deals_api

urlpatterns = [
    path("deals/", deals_api.DealListApi.as_view(), name="api-deals"),
    path("deals/<uuid:pk>/", deals_api.DealDetailApi.as_view(), name="api-deal"),
    path("deals/<uuid:pk>/stage/", deals_api.DealStageApi.as_view(), name="api-deal-stage"),
    path(
        "deals/<uuid:pk>/orders/", deal_orders_api.DealOrdersApi.as_view(), name="api-deal-orders"
    ),
    path(
        "deals/<uuid:pk>/touches/", deal_touches_api.DealTouchApi.as_view(), name="api-deal-touches"
    ),
]

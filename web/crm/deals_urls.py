"""Deal page routes: a seller's at /workspace/deals/ (``deals``), the head's at /head/deals/
(``deals_head``), the partner cabinet's list at /cabinet/deals/ (``deals_cabinet``)."""

from django.urls import URLPattern, path

from web.crm import deal_fields_views, deal_orders_views, deal_touch_views
from web.crm import deals_views as views

app_name = "deals"

urlpatterns: list[URLPattern] = [
    path("", views.DealListView.as_view(), name="list"),
    path("board/", views.DealBoardView.as_view(), name="board"),
    path("<uuid:deal_id>/", views.DealDetailView.as_view(), name="deal"),
    path("<uuid:deal_id>/stage/", views.DealStageView.as_view(), name="stage"),
    path("<uuid:deal_id>/next-step/", views.DealNextStepView.as_view(), name="next_step"),
    path("<uuid:deal_id>/description/", views.DealDescriptionView.as_view(), name="description"),
    path("<uuid:deal_id>/fields/", deal_fields_views.DealFieldsView.as_view(), name="fields"),
    path("<uuid:deal_id>/orders/", deal_orders_views.DealOrdersView.as_view(), name="orders"),
    path("<uuid:deal_id>/touches/", deal_touch_views.DealTouchView.as_view(), name="touch"),
]

head_urlpatterns: list[URLPattern] = [
    path("", views.HeadDealListView.as_view(), name="list"),
    path("board/", views.HeadDealBoardView.as_view(), name="board"),
    path("<uuid:deal_id>/", views.HeadDealDetailView.as_view(), name="deal"),
    path("<uuid:deal_id>/stage/", views.HeadDealStageView.as_view(), name="stage"),
    path("<uuid:deal_id>/next-step/", views.HeadDealNextStepView.as_view(), name="next_step"),
    path("<uuid:deal_id>/fields/", deal_fields_views.HeadDealFieldsView.as_view(), name="fields"),
    path("<uuid:deal_id>/orders/", deal_orders_views.HeadDealOrdersView.as_view(), name="orders"),
    path("<uuid:deal_id>/touches/", deal_touch_views.HeadDealTouchView.as_view(), name="touch"),
]

cabinet_urlpatterns: list[URLPattern] = [
    path("", views.CabinetDealListView.as_view(), name="list"),
]

"""``GET /api/v1/stats/sales-department/``: the partner's report on what the sales department
brought (definitions: :mod:`stats.partner_report`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from stats.partner_report import partner_sales_report, report_period
from web.stats.partner_serializers import PartnerReportSerializer, report_data
from web.tenancy import PartnerScopedAPIView

_DESCRIPTION = """\
A cohort report on the orders **created** in the period (Moscow time, both days included),
whatever happened to them afterwards. With no dates: the current month and the eleven before.

* `orders` — every order the storefront sent, cancelled ones included (`cancelled`).
* `paid_in_grace` — paid at or before its due time: the sales department never saw it.
* `sent_to_sales` — entered the sales queue unpaid (a payment made within the grace period but
  reported after the order was queued counts as paid within grace, not here).
* `taken` — of those sent, taken by a manager at least once.
* `won` — of those sent, paid with a fee (a manager had taken the order before the payment),
  late wins included (`late_wins`: paid within the attribution window after the item closed).
  A refund does not undo a win: it lowers the revenue and the fee.
* `paid_without_work` — of those sent, paid with no fee (before a manager took the order, or
  after the attribution window).
* `revenue_recovered` — the won orders' amount minus what was refunded (the fee's base).
* `fees` — the net ledger of these orders: fees, reversals and adjustments, whenever written.
* `share_recovered` — `won ÷ sent_to_sales` in per cent, one decimal; `null` when nothing was
  sent.

`products` and `months` break the same figures down per product and per month of the
orders' creation (every month of the period, empty ones with zeros).

A statement (`/api/v1/statements/{month}/`) sums the ledger rows written in its month, this
report the rows of the orders created in the period: the fees agree for a month whose orders
were all paid (and refunded) within it; an order created on the 31st and paid on the 1st
counts in this report's first month and in the statement of the second.

Partner keys only (a staff token gets 403). A malformed date, an end before the start or a
period over two years is a 400 naming the field.
"""


class SalesDepartmentReportApi(PartnerScopedAPIView):
    """What the sales department brought the partner: per product and per month."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "date_from", OpenApiTypes.DATE, description="First day (Moscow), YYYY-MM-DD."
            ),
            OpenApiParameter(
                "date_to", OpenApiTypes.DATE, description="Last day (Moscow), YYYY-MM-DD."
            ),
        ],
        responses=PartnerReportSerializer,
        summary="What the sales department brought",
        description=_DESCRIPTION,
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        report = partner_sales_report(
            partner=self.partner, period=report_period(request.query_params)
        )
        return Response(PartnerReportSerializer(report_data(report)).data)

"""«Здоровье очереди»: the queue's length, oldest age, intake and «taken within the hour» over
a period, per partner and product (:mod:`stats.queue_health`). The head and QA look; anyone
else logged in gets 403 (a partner too: the page spans every partner)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from salesdesk.errors import ApplicationError
from stats.periods import PRESETS, period_from
from stats.queue_health import Point, QueueHealth, Row, queue_health_over_time
from web.tenancy import RoleRequiredMixin

VIEWERS = frozenset({Role.HEAD, Role.QA})


def _since(now: dt.datetime, seconds: int | None) -> dt.datetime | None:
    """The moment ``seconds`` before ``now``, for the ``timesince`` filter."""
    return None if seconds is None else now - dt.timedelta(seconds=seconds)


def _unix(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _hours(seconds: int | None) -> float | None:
    # Only for the chart's y values (uPlot takes numbers); the tables show the age in words.
    return None if seconds is None else round(seconds / 3600, 2)


def charts(health: QueueHealth) -> dict[str, dict[str, Any]]:
    """The drawer's specs (static/js/stats-charts.js): length and oldest age at each bucket's
    end, intake per hour and the share taken within the hour per bucket."""
    points: list[Point] = health.points
    at = [_unix(p.at) for p in points]
    starts = [_unix(p.start) for p in points]
    return {
        "length": {
            "x": at,
            "time": True,
            "kind": "line",
            "series": [{"label": _("Waiting"), "values": [p.length for p in points]}],
        },
        "oldest": {
            "x": at,
            "time": True,
            "kind": "line",
            "unit": _("h"),
            "series": [
                {
                    "label": _("The oldest has waited"),
                    "values": [_hours(p.oldest_seconds) for p in points],
                }
            ],
        },
        "intake": {
            "x": starts,
            "time": True,
            "kind": "bars",
            "series": [
                {
                    "label": _("Entered per hour"),
                    "values": [float(p.intake_per_hour) for p in points],
                }
            ],
        },
        "within": {
            "x": starts,
            "time": True,
            "kind": "line",
            "unit": "%",
            "series": [
                {
                    "label": _("Taken within the hour"),
                    "values": [
                        None if p.share.percent is None else float(p.share.percent) for p in points
                    ],
                }
            ],
        },
    }


def _rows(rows: list[Row], now: dt.datetime) -> list[dict[str, Any]]:
    return [{"row": r, "oldest_since": _since(now, r.oldest_seconds)} for r in rows]


class QueueHealthView(RoleRequiredMixin, View):
    allowed_roles = VIEWERS

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        context: dict[str, Any] = {
            "presets": PRESETS,
            "params": request.GET,
            "now": now,
            "working_hours": str(settings.SALES_WORKING_HOURS).replace("-", "–"),
        }
        try:
            period = period_from(request.GET, now=now)
            health = queue_health_over_time(period=period, params=request.GET, now=now)
        except ApplicationError as error:
            context["error"] = error
            return render(request, "stats/queue_health.html", context, status=error.status_code)
        context.update(
            {
                "period": period,
                "health": health,
                "charts": charts(health),
                "oldest_since": _since(now, health.oldest_seconds),
                "by_partner": _rows(health.by_partner, now),
                "by_product": _rows(health.by_product, now),
            }
        )
        return render(request, "stats/queue_health.html", context)

"""Log-spaced histograms of durations, for the medians of rolled-up days.

Exact medians do not add up across days, so a rolled-up day keeps, per manager, how many of
its values fell in each bucket: bucket ``k ≥ 0`` holds ``[RATIO**k, RATIO**(k + 1))`` seconds,
bucket ``-1`` everything under a second. The median of merged histograms places each middle value
evenly inside the bucket that holds it, so it is off by at most a bucket's width: 15 % of the
exact median.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

RATIO = 1.15
_LOG_RATIO = math.log(RATIO)


def bucket(value: dt.timedelta) -> int:
    seconds = value.total_seconds()
    if seconds < 1:
        return -1
    k = math.floor(math.log(seconds) / _LOG_RATIO)
    # log() may land a hair below an exact edge
    if RATIO ** (k + 1) <= seconds:
        k += 1
    return k


def bucket_edges(k: int) -> tuple[float, float]:
    """The bucket's ``[low, high)`` in seconds."""
    return (0.0, 1.0) if k < 0 else (RATIO**k, RATIO ** (k + 1))


def histogram(values: Iterable[dt.timedelta]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        k = bucket(value)
        counts[k] = counts.get(k, 0) + 1
    return counts


def _order_statistic(counts: list[tuple[int, int]], k: int) -> float:
    """The ``k``-th smallest value (from 1), placed evenly inside its bucket."""
    seen = 0
    for bucket_k, n in counts:
        if seen + n >= k:
            low, high = bucket_edges(bucket_k)
            return low + (high - low) * (k - seen - 0.5) / n
        seen += n
    raise ValueError(k)


def histogram_median(counts: Mapping[int, int]) -> dt.timedelta | None:
    """The median of the values counted; ``None`` if none. Each middle value is placed evenly
    inside the bucket that holds it, so the result is off by at most 15 % (a bucket's width)
    of the exact median, or by a second when that is under a second."""
    ordered = sorted((k, n) for k, n in counts.items() if n)
    total = sum(n for _k, n in ordered)
    if not total:
        return None
    if total % 2:
        middle = _order_statistic(ordered, (total + 1) // 2)
    else:
        middle = (
            _order_statistic(ordered, total // 2) + _order_statistic(ordered, total // 2 + 1)
        ) / 2
    return dt.timedelta(seconds=round(middle))

"""The arithmetic of a QA score, shared by scoring (quality.services) and the statistics."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from quality.models import Answer

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def qa_score(values: Iterable[str]) -> Decimal | None:
    """100 × yes ÷ (yes + no), rounded half up to two places; ``None`` when every item was
    «not applicable». 4 yes, 2 no, 1 n/a → 66.67; 1 yes, 2 no → 33.33."""
    values = list(values)
    yes, no = values.count(Answer.Value.YES), values.count(Answer.Value.NO)
    if not yes + no:
        return None
    return (HUNDRED * yes / (yes + no)).quantize(CENT, rounding=ROUND_HALF_UP)


def qa_mean(total: Decimal | None, scored: int | None) -> Decimal | None:
    """``total`` ÷ ``scored`` (a sum of scores and how many), rounded half up to two places;
    ``None`` without a score."""
    if not scored or total is None:
        return None
    return (Decimal(total) / scored).quantize(CENT, rounding=ROUND_HALF_UP)

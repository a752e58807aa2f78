"""A lost deal keeps its reason on the row (``Deal.lost_reason``): the page's stage move and the
queue's refusal set it, a late win and a reopening clear it, and the migration fills it in for
deals lost before (from the lost stage change, else the queue item's outcome)."""

from __future__ import annotations

import pytest

from crm.models import Deal, Stage, StageChange
from crm.services import deal_stage_move, deal_win_late, deals_close, stage_of_kind
from tests.crm.factories import DealFactory
from tests.migrations import latest, migrate
from tests.sales_queue.factories import QueueItemFactory


def lost_reason(deal: Deal) -> str:
    deal.refresh_from_db()
    return deal.lost_reason


@pytest.mark.django_db
def test_a_loss_by_hand_or_by_the_queue_keeps_its_reason_and_a_late_win_clears_it() -> None:
    by_hand = DealFactory.create()
    lost = stage_of_kind(partner_id=by_hand.partner_id, kind=Stage.Kind.LOST)
    deal_stage_move(deal=by_hand, stage=lost, actor=by_hand.responsible, reason="too_expensive")
    item = QueueItemFactory.create(state="done")
    by_queue = DealFactory.create(queue_item=item)
    deals_close(queue_item_ids=[item.pk], status="lost", reason="no_time")

    assert (lost_reason(by_hand), lost_reason(by_queue)) == ("too_expensive", "no_time")

    # the buyer paid within the window after all
    assert deal_win_late(queue_item_id=item.pk) == 1
    by_queue.refresh_from_db()
    assert (by_queue.status, by_queue.lost_reason) == ("won", "")


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_reason_of_past_losses() -> None:
    # given a loss with a stage-change reason, one known only to its queue item, and a won deal
    with_change = DealFactory.create()
    lost = stage_of_kind(partner_id=with_change.partner_id, kind=Stage.Kind.LOST)
    StageChange.objects.create(deal=with_change, to_stage=lost, reason="bought_elsewhere")
    item = QueueItemFactory.create(state="done", outcome="lost", outcome_reason="unreachable")
    from_queue = DealFactory.create(queue_item=item)
    won = DealFactory.create()
    Deal.objects.filter(pk__in=[with_change.pk, from_queue.pk]).update(status="lost")
    Deal.objects.filter(pk=won.pk).update(status="won")

    try:
        migrate([("crm", "0014_deal_stale_reminded_for")])
        migrate(latest())
    finally:
        migrate(latest())

    assert lost_reason(with_change) == "bought_elsewhere"
    assert lost_reason(from_queue) == "unreachable"
    assert lost_reason(won) == ""

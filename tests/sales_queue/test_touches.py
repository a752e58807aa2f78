"""Touches move the item as the design says: retry, attempt limit, callbacks, refusals."""

import datetime as dt

import pytest

from crm.models import Deal
from sales_queue.models import QueueEvent, QueueItem, Touch
from sales_queue.selectors import suggested_channel
from sales_queue.services import (
    queue_auto_release,
    queue_head_release,
    queue_reassign,
    queue_release,
    queue_take_next,
    queue_touch,
)
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def ivan():
    return manager(full_name="Иван")


@pytest.fixture
def held(ivan):
    queued_item()
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    return item


def touch(manager, item, **kwargs):
    defaults = {"channel": "phone", "outcome": "reached", "now": NOON + dt.timedelta(minutes=1)}
    return queue_touch(manager=manager, item_id=item.pk, **{**defaults, **kwargs})


def test_reached_is_logged_and_keeps_the_item(ivan, held) -> None:
    t = touch(ivan, held, comment="Подумает до вечера")

    held.refresh_from_db()
    assert (held.state, held.holder_id) == ("active", ivan.pk)
    assert held.last_touch_at == NOON + dt.timedelta(minutes=1)
    assert (t.channel, t.outcome, t.comment) == ("phone", "reached", "Подумает до вечера")


def test_no_answer_sends_the_item_back_after_the_retry_delay(ivan, held, settings) -> None:
    settings.SALES_RETRY_DELAY_MINUTES = 30

    touch(ivan, held, outcome="no_answer")

    held.refresh_from_db()
    assert (held.state, held.holder_id, held.attempts) == ("queued", None, 1)
    assert held.available_at == NOON + dt.timedelta(minutes=31)
    other = manager()
    assert queue_take_next(manager=other, now=NOON + dt.timedelta(minutes=30)) is None
    again = queue_take_next(manager=other, now=NOON + dt.timedelta(minutes=31))
    assert again is not None and again.pk == held.pk


def test_the_attempt_limit_closes_the_item_as_unreachable(ivan, settings) -> None:
    settings.SALES_MAX_ATTEMPTS = 3
    settings.SALES_RETRY_DELAY_MINUTES = 0
    # Phone is the only channel, so three calls have tried every allowed channel.
    item = queued_item(product=ProductFactory.create(on_sale=True, channels=["phone"]))
    now = NOON
    for attempt in range(1, 4):
        taken = queue_take_next(manager=ivan, now=now)
        assert taken is not None and taken.pk == item.pk, attempt
        touch(ivan, item, outcome="no_answer", now=now)
        now += dt.timedelta(minutes=1)

    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "unreachable")
    assert item.attempts == 3 and item.closed_at is not None
    assert Deal.objects.get(queue_item=item).status == "lost"
    assert queue_take_next(manager=ivan, now=now) is None


def test_a_callback_stays_with_the_manager_and_comes_back_first(ivan, held) -> None:
    queued_item(entered_at=NOON - dt.timedelta(days=2))  # an older item waits in the queue
    at = NOON + dt.timedelta(hours=2)

    touch(ivan, held, outcome="callback", callback_at=at)

    held.refresh_from_db()
    assert (held.state, held.holder_id, held.available_at) == ("scheduled", ivan.pk, at)
    # Ivan can work other items meanwhile...
    other = queue_take_next(manager=ivan, now=NOON + dt.timedelta(minutes=5))
    assert other is not None and other.pk != held.pk
    touch(ivan, other, outcome="refused", reason="no_time", now=NOON + dt.timedelta(minutes=6))
    # ...and nobody else gets the callback, even once it is due.
    assert queue_take_next(manager=manager(), now=at + dt.timedelta(minutes=1)) is None
    back = queue_take_next(manager=ivan, now=at)
    assert back is not None and back.pk == held.pk


def test_a_callback_outside_working_hours_moves_to_the_next_opening(ivan, held) -> None:
    late = dt.datetime(2026, 11, 20, 22, 30, tzinfo=MSK)

    touch(ivan, held, outcome="callback", callback_at=late)

    held.refresh_from_db()
    assert held.available_at == dt.datetime(2026, 11, 21, 9, 0, tzinfo=MSK)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "callback"}, "callback_at"),
        ({"outcome": "callback", "callback_at": NOON}, "callback_at"),
        ({"outcome": "callback", "callback_at": NOON + dt.timedelta(days=61)}, "callback_at"),
        ({"outcome": "refused"}, "reason"),
        ({"outcome": "refused", "reason": "unreachable"}, "reason"),
        ({"outcome": "refused", "reason": "other"}, "comment"),
        ({"outcome": "paid"}, "outcome"),
        ({"outcome": "sold"}, "outcome"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_touches_are_refused_and_change_nothing(ivan, held, kwargs, field) -> None:
    with pytest.raises(ApplicationError) as refused:
        touch(ivan, held, **kwargs)

    assert refused.value.code == "validation_error"
    assert field in refused.value.details
    held.refresh_from_db()
    assert held.state == "active" and held.last_touch_at is None
    assert not Touch.objects.exists()


@pytest.mark.parametrize(
    "reason", ["not_interested", "too_expensive", "no_time", "bought_elsewhere", "other"]
)
def test_refusals_close_the_item_as_lost_with_the_reason(ivan, held, reason) -> None:
    touch(ivan, held, outcome="refused", reason=reason, comment="дорого для него")

    held.refresh_from_db()
    assert (held.state, held.outcome, held.outcome_reason) == ("done", "lost", reason)
    assert Deal.objects.get(queue_item=held).status == "lost"


def test_a_channel_the_partner_did_not_allow_is_refused(ivan) -> None:
    queued_item(product=ProductFactory.create(on_sale=True, channels=["email", "telegram"]))
    item = queue_take_next(manager=ivan, now=NOON)

    with pytest.raises(ApplicationError) as refused:
        touch(ivan, item, channel="phone")

    assert refused.value.code == "channel_not_allowed"
    assert not Touch.objects.exists()


def test_touching_an_item_you_do_not_hold_is_refused(ivan, held) -> None:
    maria = manager()

    with pytest.raises(ConflictError) as refused:
        touch(maria, held)

    assert refused.value.code == "not_holding"


def test_touching_an_unknown_item_is_not_found(ivan) -> None:
    with pytest.raises(NotFoundError):
        queue_touch(manager=ivan, item_id="not-a-uuid", channel="phone", outcome="reached")


def test_three_unanswered_touches_on_one_channel_suggest_another(ivan, settings) -> None:
    settings.SALES_RETRY_DELAY_MINUTES = 0
    product = ProductFactory.create(on_sale=True, channels=["phone", "whatsapp", "email"])
    item = queued_item(product=product)
    now = NOON
    for _ in range(2):
        queue_take_next(manager=ivan, now=now)
        touch(ivan, item, outcome="no_answer", now=now)
        now += dt.timedelta(minutes=1)
    assert suggested_channel(item=item) is None

    queue_take_next(manager=ivan, now=now)
    touch(ivan, item, outcome="no_answer", now=now)

    assert suggested_channel(item=item) == "whatsapp"


def test_the_manager_releases_their_item_once(ivan, held) -> None:
    queue_release(manager=ivan, item_id=held.pk)

    held.refresh_from_db()
    assert (held.state, held.holder_id) == ("queued", None)
    with pytest.raises(ConflictError) as twice:
        queue_release(manager=ivan, item_id=held.pk)
    assert twice.value.code == "not_holding"
    assert QueueEvent.objects.filter(item=held, kind="released").count() == 1


def test_the_head_releases_and_reassigns(ivan, held) -> None:
    head = manager(role="head")
    maria = manager()

    queue_reassign(head=head, item_id=held.pk, to_manager=maria)
    held.refresh_from_db()
    assert (held.state, held.holder_id) == ("active", maria.pk)
    assert Deal.objects.get(queue_item=held).responsible == maria

    queue_head_release(head=head, item_id=held.pk)
    held.refresh_from_db()
    assert (held.state, held.holder_id) == ("queued", None)


def test_reassigning_to_a_busy_manager_is_refused(ivan, held) -> None:
    maria = manager()
    queued_item()
    queue_take_next(manager=maria, now=NOON)

    with pytest.raises(ConflictError) as refused:
        queue_reassign(head=manager(role="head"), item_id=held.pk, to_manager=maria)

    assert refused.value.code == "manager_busy"
    held.refresh_from_db()
    assert held.holder_id == ivan.pk


def test_untouched_active_items_return_to_the_queue_and_it_is_logged(ivan, held, settings) -> None:
    settings.SALES_AUTO_RELEASE_MINUTES = 60
    maria = manager()
    queued_item()
    fresh = queue_take_next(manager=maria, now=NOON + dt.timedelta(minutes=30))
    assert fresh is not None
    touch(maria, fresh, now=NOON + dt.timedelta(minutes=50))

    released = queue_auto_release(now=NOON + dt.timedelta(minutes=61))

    assert released == 1
    held.refresh_from_db()
    fresh.refresh_from_db()
    assert (held.state, held.holder_id) == ("queued", None)
    assert fresh.state == "active"
    event = QueueEvent.objects.get(item=held, kind="auto_released")
    assert event.manager == ivan
    assert queue_auto_release(now=NOON + dt.timedelta(minutes=62)) == 0


def test_closed_items_are_not_reassigned(ivan, held) -> None:
    touch(ivan, held, outcome="refused", reason="no_time")

    with pytest.raises(ConflictError) as refused:
        queue_reassign(head=manager(role="head"), item_id=held.pk, to_manager=manager())

    assert refused.value.code == "item_closed"
    assert QueueItem.objects.get(pk=held.pk).state == "done"


# --- channel escalation (DESIGN.md, "The queue") -----------------------------------------------


def miss(ivan, item, channel, now):
    """Take the item again and log one unanswered touch on ``channel``."""
    taken = queue_take_next(manager=ivan, now=now)
    assert taken is not None and taken.pk == item.pk
    touch(ivan, item, channel=channel, outcome="no_answer", now=now)


def test_three_unanswered_calls_refuse_a_fourth_call_and_suggest_whatsapp(ivan, settings) -> None:
    # given: all four channels allowed (phone first), three unanswered calls in a row
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item()
    for minute in range(3):
        miss(ivan, item, "phone", NOON + dt.timedelta(minutes=minute))
    queue_take_next(manager=ivan, now=NOON + dt.timedelta(minutes=3))

    # when: a fourth call is logged
    with pytest.raises(ConflictError) as refused:
        touch(ivan, item, channel="phone", outcome="reached", now=NOON + dt.timedelta(minutes=3))

    # then: 409 switch_channel naming the next channel in the partner's order; nothing written
    assert refused.value.code == "switch_channel"
    assert refused.value.details == {"channel": "phone", "suggested": "whatsapp"}
    item.refresh_from_db()
    assert (item.state, item.holder_id, item.attempts) == ("active", ivan.pk, 3)
    assert item.touches.count() == 3

    # when: the manager writes on WhatsApp instead
    t = touch(
        ivan, item, channel="whatsapp", outcome="no_answer", now=NOON + dt.timedelta(minutes=4)
    )

    # then: logged, and the item is back in the queue with its fourth attempt
    assert t.channel == "whatsapp"
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("queued", 4)


def test_another_channel_in_between_lets_the_phone_be_used_again(ivan, settings) -> None:
    # given: phone ×3 unanswered, then an unanswered WhatsApp message
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item()
    for minute, channel in enumerate(["phone", "phone", "phone", "whatsapp"]):
        miss(ivan, item, channel, NOON + dt.timedelta(minutes=minute))
    queue_take_next(manager=ivan, now=NOON + dt.timedelta(minutes=4))

    # when: the manager calls again
    t = touch(ivan, item, channel="phone", outcome="reached", now=NOON + dt.timedelta(minutes=4))

    # then: the last three touches are not all phone misses, so the call is logged
    assert (t.channel, t.outcome) == ("phone", "reached")


def test_with_the_phone_as_the_only_channel_the_fourth_call_is_allowed(ivan, settings) -> None:
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item(product=ProductFactory.create(on_sale=True, channels=["phone"]))
    for minute in range(3):
        miss(ivan, item, "phone", NOON + dt.timedelta(minutes=minute))
    assert suggested_channel(item=item) is None

    miss(ivan, item, "phone", NOON + dt.timedelta(minutes=3))

    item.refresh_from_db()
    assert (item.state, item.attempts) == ("queued", 4)
    assert item.touches.filter(channel="phone").count() == 4


def test_the_suggestion_prefers_the_priority_channel(ivan, settings) -> None:
    # given: the partner's order phone, whatsapp, telegram, email and email as the priority
    settings.SALES_RETRY_DELAY_MINUTES = 0
    product = ProductFactory.create(on_sale=True, priority_channel="email")
    item = queued_item(product=product)
    for minute in range(3):
        miss(ivan, item, "phone", NOON + dt.timedelta(minutes=minute))
    queue_take_next(manager=ivan, now=NOON + dt.timedelta(minutes=3))

    with pytest.raises(ConflictError) as refused:
        touch(ivan, item, channel="phone", now=NOON + dt.timedelta(minutes=3))

    assert refused.value.details == {"channel": "phone", "suggested": "email"}


def test_when_the_priority_channel_is_the_exhausted_one_the_partners_order_decides(
    ivan, settings
) -> None:
    settings.SALES_RETRY_DELAY_MINUTES = 0
    product = ProductFactory.create(
        on_sale=True, channels=["telegram", "phone", "email"], priority_channel="phone"
    )
    item = queued_item(product=product)
    for minute in range(3):
        miss(ivan, item, "phone", NOON + dt.timedelta(minutes=minute))

    # the priority channel is the one that failed: the partner's first other channel
    assert suggested_channel(item=item) == "telegram"


def test_six_misses_on_two_of_four_channels_keep_the_item_open(ivan, settings) -> None:
    # given: SALES_MAX_ATTEMPTS = 6, four channels allowed
    settings.SALES_MAX_ATTEMPTS = 6
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item()

    # when: three unanswered calls and three unanswered WhatsApp messages
    for minute, channel in enumerate(["phone"] * 3 + ["whatsapp"] * 3):
        miss(ivan, item, channel, NOON + dt.timedelta(minutes=minute))

    # then: Telegram and email are untried, so the item goes back to the queue
    item.refresh_from_db()
    assert (item.state, item.attempts, item.outcome) == ("queued", 6, "")
    assert Deal.objects.get(queue_item=item).status == "open"

    # when: Telegram is tried (7th attempt) — email still untried, still open
    miss(ivan, item, "telegram", NOON + dt.timedelta(minutes=6))
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("queued", 7)

    # when: email is tried too (8th attempt): every allowed channel has had an attempt
    miss(ivan, item, "email", NOON + dt.timedelta(minutes=7))

    # then: closed as unreachable
    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "unreachable")
    assert item.attempts == 8


def test_six_misses_covering_every_allowed_channel_close_the_item_as_unreachable(
    ivan, settings
) -> None:
    settings.SALES_MAX_ATTEMPTS = 6
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item()
    channels = ["phone", "whatsapp", "telegram", "email", "phone", "whatsapp"]

    for minute, channel in enumerate(channels[:5]):
        miss(ivan, item, channel, NOON + dt.timedelta(minutes=minute))
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("queued", 5)  # all tried, but only five attempts

    miss(ivan, item, channels[5], NOON + dt.timedelta(minutes=5))

    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "unreachable")
    assert item.attempts == 6
    assert Deal.objects.get(queue_item=item).status == "lost"


def test_a_channel_the_partner_no_longer_allows_is_not_required_before_closing(
    ivan, settings
) -> None:
    # given: six misses on phone and WhatsApp while all four channels were allowed
    settings.SALES_MAX_ATTEMPTS = 6
    settings.SALES_RETRY_DELAY_MINUTES = 0
    item = queued_item()
    for minute, channel in enumerate(["phone", "phone", "whatsapp"] * 2):
        miss(ivan, item, channel, NOON + dt.timedelta(minutes=minute))
    item.refresh_from_db()
    assert item.state == "queued"

    # when: the partner narrows the channels to those two, and one more call goes unanswered
    item.product.channels = ["phone", "whatsapp"]
    item.product.save(update_fields=["channels"])
    miss(ivan, item, "phone", NOON + dt.timedelta(minutes=6))

    # then: every channel still allowed has been tried: unreachable at the 7th attempt
    item.refresh_from_db()
    assert (item.state, item.outcome_reason, item.attempts) == ("done", "unreachable", 7)

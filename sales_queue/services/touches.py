"""Touches: the manager logs a contact attempt on the item they hold, and its outcome moves
the item (back to the queue, to a callback, or closed); or logs one on a deal that has no held
item (:func:`deal_touch_log`), which only the deal remembers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.team import team_is_split
from crm.models import Deal
from crm.services import deal_touch_recorded, deals_close
from partners.models import ALL_CHANNELS, Channel
from sales_queue.fairness import requeue_fields
from sales_queue.hours import next_working_time
from sales_queue.models import LostReason, Outcome, QueueEvent, QueueItem, Touch
from sales_queue.selectors import exhausted_channel, suggested_channel
from sales_queue.services.common import record_event, require_seller
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.tenancy import get_object_or_404

State = QueueItem.State
CALLBACK_HORIZON = dt.timedelta(days=60)
MANAGER_LOST_REASONS = [r.value for r in LostReason if r != LostReason.UNREACHABLE]
# A touch on a deal outside the queue: a deal is lost by its stage move, with a reason.
DEAL_OUTCOMES = [Outcome.REACHED.value, Outcome.NO_ANSWER.value, Outcome.CALLBACK.value]
COMMENT_MAX = 5000
RECORDING_URL_MAX = 1000
_HTTPS_URL = URLValidator(schemes=["https"])


def _one_of(choices: Any, values: list[str]) -> str:
    """«One of: …» with the choices' labels, never their codes."""
    labels = dict(choices)
    return _("One of: %s.") % ", ".join(str(labels.get(v, v)) for v in values)


def held_item(manager: User, item_id: Any) -> QueueItem:
    item = get_object_or_404(
        QueueItem.objects.select_for_update(of=("self",)).select_related("product", "order"),
        pk=item_id,
        message=_("Queue item not found."),
    )
    if item.state != State.ACTIVE or item.holder_id != manager.pk:
        raise ConflictError(
            _("You do not hold this item."),
            code="not_holding",
            details={"state": item.state},
        )
    return item


def _touch_errors(
    *,
    channel: str,
    outcome: str,
    comment: str,
    callback_at: dt.datetime | None,
    reason: str,
    now: dt.datetime,
    outcomes: list[str] | None = None,
) -> dict[str, list[str]]:
    """What is wrong with the touch as given, field by field (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    if channel not in ALL_CHANNELS:
        errors["channel"] = [_one_of(Channel.choices, ALL_CHANNELS)]
    if outcome not in (outcomes or Outcome.values):
        errors["outcome"] = [_one_of(Outcome.choices, outcomes or Outcome.values)]
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %d characters.") % COMMENT_MAX]
    if outcome == Outcome.CALLBACK:
        problem = _callback_problem(callback_at, now=now)
        if problem:
            errors["callback_at"] = [problem]
    if outcome == Outcome.QUALIFIED and not comment.strip():
        errors["comment"] = [
            _("Write a note for the closer: what the buyer wants, what was agreed.")
        ]
    if outcome == Outcome.REFUSED:
        if reason not in MANAGER_LOST_REASONS:
            errors["reason"] = [_one_of(LostReason.choices, MANAGER_LOST_REASONS)]
        elif reason == LostReason.OTHER and not comment.strip():
            errors["comment"] = [_("Required when the reason is «other».")]
    return errors


def _callback_problem(callback_at: dt.datetime | None, *, now: dt.datetime) -> str:
    if callback_at is None:
        return _("Say when to call back.")
    if timezone.is_naive(callback_at):
        return _("Give the time with its time zone.")
    if callback_at <= now:
        return _("The callback time must be in the future.")
    if callback_at > now + CALLBACK_HORIZON:
        return _("At most 60 days ahead.")
    return ""


def clean_recording_url(value: str) -> str:
    """A call recording's address: empty, or an https URL of at most 1000 characters (400
    ``invalid_recording_url``: a page of quality assurance plays it, so no other scheme)."""
    value = (value or "").strip()
    if not value:
        return ""
    problem = ""
    if len(value) > RECORDING_URL_MAX:
        problem = _("At most %d characters.") % RECORDING_URL_MAX
    else:
        try:
            _HTTPS_URL(value)
        except ValidationError:
            problem = _("Give the recording's address starting with https://.")
    if problem:
        raise ApplicationError(
            _("Invalid call recording address."),
            code="invalid_recording_url",
            details={"recording_url": [problem]},
        )
    return value


def _check_handoff_allowed(manager: User) -> None:
    """A handoff to the closers exists in split mode only, and only a caller makes one."""
    if not team_is_split():
        raise ConflictError(
            _(
                "Handing over to a closer works only when the team is split into callers and "
                "closers."
            ),
            code="team_not_split",
        )
    if manager.role != Role.CALLER:
        raise ConflictError(
            _("Only a caller hands a qualified buyer over to the closers."),
            code="handoff_callers_only",
        )


def _after_qualified(item: QueueItem, *, manager: User, note: str, now: dt.datetime) -> list[str]:
    """The caller hands the warm buyer over: the item waits in the closers' pool from now
    (sales_queue.services.take), its deal stays open and goes to the closer who takes it."""
    item.state = State.QUEUED
    item.holder = None
    item.available_at = now
    item.warm = True
    record_event(item, QueueEvent.Kind.HANDED_OVER, manager=manager, actor=manager, note=note)
    return ["state", "holder", "available_at", "warm"]


def _check_channel_allowed(item: QueueItem, channel: str) -> None:
    if channel not in item.product.channels:
        labels = dict(Channel.choices)
        raise ApplicationError(
            _("The partner does not allow the channel «%(channel)s» for this product.")
            % {"channel": labels.get(channel, channel)},
            code="channel_not_allowed",
            details={
                "channel": [
                    _("Allowed: %s.")
                    % ", ".join(str(labels.get(c, c)) for c in item.product.channels)
                ]
            },
        )


def _check_channel_not_exhausted(item: QueueItem, channel: str) -> None:
    """After N unanswered touches in a row on one channel the next one must use another
    allowed channel, unless this one is the only one."""
    if exhausted_channel(item=item) != channel:
        return
    suggested = suggested_channel(item=item)
    if suggested is None:
        return
    labels = dict(Channel.choices)
    raise ConflictError(
        _(
            "Several unanswered attempts in a row on «%(channel)s»: "
            "use another channel, for example «%(suggested)s»."
        )
        % {
            "channel": labels.get(channel, channel),
            "suggested": labels.get(suggested, suggested),
        },
        code="switch_channel",
        details={"channel": channel, "suggested": suggested},
    )


def _every_channel_tried(item: QueueItem) -> bool:
    """Whether each channel the partner allows has had at least one touch on this item."""
    tried = set(item.touches.values_list("channel", flat=True).distinct())
    return set(item.product.channels) <= tried


def _after_no_answer(item: QueueItem, *, manager: User, now: dt.datetime) -> list[str]:
    """One more unanswered attempt: back to the queue after the retry delay, or closed as
    unreachable once the attempts run out and every allowed channel has been tried."""
    item.attempts += 1
    if item.attempts >= settings.SALES_MAX_ATTEMPTS and _every_channel_tried(item):
        _close(item, outcome=QueueItem.Outcome.LOST, reason=LostReason.UNREACHABLE, now=now)
        return ["attempts", *_CLOSED_FIELDS]
    item.state = State.QUEUED
    item.holder = None
    item.available_at = now + dt.timedelta(minutes=settings.SALES_RETRY_DELAY_MINUTES)
    record_event(item, QueueEvent.Kind.RETRY, manager=manager, actor=manager)
    return ["attempts", "state", "holder", "available_at"]


def _after_callback(item: QueueItem, *, manager: User, callback_at: dt.datetime) -> list[str]:
    """The item stays the manager's and comes back to them first at the next working time."""
    item.state = State.SCHEDULED
    item.available_at = next_working_time(callback_at)
    record_event(
        item,
        QueueEvent.Kind.CALLBACK,
        manager=manager,
        actor=manager,
        note=item.available_at.isoformat(),
    )
    return ["state", "available_at"]


_CLOSED_FIELDS = ["state", "outcome", "outcome_reason", "closed_at"]


@transaction.atomic
def queue_touch(
    *,
    manager: User,
    item_id: Any,
    channel: str,
    outcome: str,
    comment: str = "",
    callback_at: dt.datetime | None = None,
    reason: str = "",
    recording_url: str = "",
    now: dt.datetime | None = None,
) -> Touch:
    """Log a contact attempt on the item the manager holds and move the item accordingly:
    ``reached`` keeps it active, ``no_answer`` sends it back (or closes it as unreachable),
    ``callback`` schedules it, ``refused`` closes it as lost, ``qualified`` (a caller, team
    mode split, with a note in ``comment``) hands it over to the closers' pool.

    Refused: a channel the partner does not allow (400 ``channel_not_allowed``), and a
    channel with ``SALES_CHANNEL_SWITCH_AFTER`` unanswered touches in a row while another is
    allowed (409 ``switch_channel``, ``details`` = ``{"channel", "suggested"}``); a handoff
    outside split mode (409 ``team_not_split``) or by anyone but a caller (409
    ``handoff_callers_only``); a recording address that is not https (400
    ``invalid_recording_url``)."""
    require_seller(manager)
    now = now or timezone.now()
    if outcome == Outcome.QUALIFIED:
        _check_handoff_allowed(manager)
    errors = _touch_errors(
        channel=channel,
        outcome=outcome,
        comment=comment,
        callback_at=callback_at,
        reason=reason,
        now=now,
    )
    if errors:
        raise ApplicationError(_("Invalid touch."), code="validation_error", details=errors)
    recording_url = clean_recording_url(recording_url)

    item = held_item(manager, item_id)
    _check_channel_allowed(item, channel)
    _check_channel_not_exhausted(item, channel)
    deal = Deal.objects.filter(queue_item=item).first()
    touch = Touch.objects.create(
        item=item,
        deal=deal,
        manager=manager,
        channel=channel,
        outcome=outcome,
        comment=comment.strip(),
        callback_at=callback_at if outcome == Outcome.CALLBACK else None,
        reason=reason if outcome == Outcome.REFUSED else "",
        recording_url=recording_url,
        created_at=now,
    )
    # The first touch after each of this manager's takes of the item not touched yet.
    QueueEvent.objects.filter(
        item=item,
        kind=QueueEvent.Kind.TAKEN,
        manager=manager,
        first_touch_at__isnull=True,
        created_at__lte=now,
    ).update(first_touch_at=now)
    deal_touch_recorded(
        deal=deal,
        channel=channel,
        outcome=outcome,
        now=now,
        callback_at=touch.callback_at,
        actor=manager,
    )
    item.last_touch_at = now
    fields = ["last_touch_at", "updated_at"]
    if outcome == Outcome.NO_ANSWER:
        fields += _after_no_answer(item, manager=manager, now=now)
    elif outcome == Outcome.CALLBACK:
        assert callback_at is not None  # noqa: S101 - validated above
        fields += _after_callback(item, manager=manager, callback_at=callback_at)
    elif outcome == Outcome.REFUSED:
        _close(item, outcome=QueueItem.Outcome.LOST, reason=reason, now=now)
        fields += _CLOSED_FIELDS
    elif outcome == Outcome.QUALIFIED:
        fields += _after_qualified(item, manager=manager, note=touch.comment, now=now)
    item.save(update_fields=fields)
    if item.state == State.QUEUED:
        # Back in line: the end of its partner's line (sales_queue.fairness).
        QueueItem.objects.filter(pk=item.pk).update(**requeue_fields())
    return touch


def _close(item: QueueItem, *, outcome: str, reason: str, now: dt.datetime) -> None:
    """Mark ``item`` closed (caller saves) and close its deal."""
    manager = item.holder
    item.state = State.WITHDRAWN if outcome == QueueItem.Outcome.WITHDRAWN else State.DONE
    item.outcome = outcome
    item.outcome_reason = reason
    item.closed_at = now
    record_event(item, QueueEvent.Kind.CLOSED, manager=manager, note=f"{outcome}:{reason}")
    deals_close(
        queue_item_ids=[item.pk],
        status=Deal.Status.WON if outcome == QueueItem.Outcome.WON else Deal.Status.LOST,
        now=now,
        reason=reason,
        actor=manager,
    )


@transaction.atomic
def deal_touch_log(
    *,
    deal: Deal,
    actor: User,
    channel: str,
    outcome: str,
    comment: str = "",
    callback_at: dt.datetime | None = None,
    reason: str = "",
    recording_url: str = "",
    now: dt.datetime | None = None,
) -> Touch:
    """Log a contact with the buyer from the deal's page (or the deal API).

    Only the deal's responsible employee or the head may (anyone else: 404, as if the deal were
    not there); a won, lost or withdrawn deal takes no touches (409 ``deal_closed``).

    When the deal's queue item is active and held by ``actor``, this *is* a queue touch and goes
    through :func:`queue_touch` — attempts, the channel switch, callbacks and refusals as in the
    workspace. Otherwise (no item, a closed one, or one waiting in the queue) the touch belongs
    to the deal alone: ``reached``, ``no_answer`` or ``callback`` (a time in the next 60 days,
    which becomes the deal's next step); a refusal is not a touch there — a deal is lost by
    moving it to the lost stage with a reason (400)."""
    now = now or timezone.now()
    if getattr(actor, "role", None) != Role.HEAD and actor.pk != deal.responsible_id:
        raise NotFoundError(_("Deal not found."))
    # The item first, then the deal: the order in which a queue touch locks them.
    item = (
        QueueItem.objects.select_for_update(of=("self",)).filter(pk=deal.queue_item_id).first()
        if deal.queue_item_id
        else None
    )
    deal = Deal.objects.select_for_update(of=("self",)).get(pk=deal.pk)
    if deal.status != Deal.Status.OPEN:
        raise ConflictError(_("The deal is closed; it takes no more touches."), code="deal_closed")
    comment = comment or ""
    if item is not None and item.state == State.ACTIVE and item.holder_id == actor.pk:
        return queue_touch(
            manager=actor,
            item_id=item.pk,
            channel=channel,
            outcome=outcome,
            comment=comment,
            callback_at=callback_at,
            reason=reason,
            recording_url=recording_url,
            now=now,
        )

    if outcome == Outcome.REFUSED:
        errors = {
            "outcome": [
                _(
                    "A refusal is not logged as a touch here: move the deal to the lost stage "
                    "and give the reason."
                )
            ]
        }
    else:
        errors = _touch_errors(
            channel=channel,
            outcome=outcome,
            comment=comment,
            callback_at=callback_at,
            reason="",
            now=now,
            outcomes=DEAL_OUTCOMES,
        )
    if errors:
        raise ApplicationError(_("Invalid touch."), code="validation_error", details=errors)
    recording_url = clean_recording_url(recording_url)
    touch = Touch.objects.create(
        deal=deal,
        manager=actor,
        channel=channel,
        outcome=outcome,
        comment=comment.strip(),
        callback_at=callback_at if outcome == Outcome.CALLBACK else None,
        recording_url=recording_url,
        created_at=now,
    )
    deal_touch_recorded(
        deal=deal,
        channel=channel,
        outcome=outcome,
        now=now,
        callback_at=touch.callback_at,
        actor=actor,
    )
    return touch

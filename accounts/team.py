"""The sales department's team: its mode (single or split), the account managers' round robin
and the QA sample size — one row, :class:`accounts.models.TeamSettings`."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, TeamSettings, User
from salesdesk.errors import ApplicationError

Mode = TeamSettings.Mode
QA_SAMPLE_MAX = 50


def team_settings() -> TeamSettings:
    """The team's row, created with the defaults (single mode) the first time it is read; a
    concurrent first read is harmless (the second insert loses on the primary key)."""
    found = TeamSettings.objects.filter(pk=1).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return TeamSettings.objects.create(pk=1)
    except IntegrityError:
        return TeamSettings.objects.get(pk=1)


def team_mode() -> str:
    return team_settings().mode


def team_is_split() -> bool:
    return team_mode() == Mode.SPLIT


@transaction.atomic
def team_settings_update(
    *, actor: User, mode: str | None = None, qa_sample_size: int | None = None
) -> TeamSettings:
    """The head changes the team's mode or QA's daily sample. Unknown values are a 400
    (``invalid_team_mode``, ``invalid_qa_sample_size``) with the allowed ones in ``details``."""
    if mode is not None and mode not in Mode.values:
        raise ApplicationError(
            _("Unknown team mode."),
            code="invalid_team_mode",
            details={"mode": [_("One of: %s.") % ", ".join(Mode.values)]},
        )
    if qa_sample_size is not None and not 0 <= qa_sample_size <= QA_SAMPLE_MAX:
        raise ApplicationError(
            _("From 0 to %d touches per seller and day.") % QA_SAMPLE_MAX,
            code="invalid_qa_sample_size",
            details={"qa_sample_size": [_("From 0 to %d.") % QA_SAMPLE_MAX]},
        )
    settings_row = team_settings()
    changes: dict[str, object] = {"updated_at": timezone.now(), "updated_by": actor}
    if mode is not None:
        changes["mode"] = mode
    if qa_sample_size is not None:
        changes["qa_sample_size"] = qa_sample_size
    TeamSettings.objects.filter(pk=settings_row.pk).update(**changes)
    settings_row.refresh_from_db()
    return settings_row


def account_manager_next() -> User | None:
    """The next active account manager by round robin, or ``None`` when there is none. The turn
    is taken with one ``UPDATE … SET turn = turn + 1 RETURNING turn``: two wins at once wait for
    each other's row lock and never get the same turn."""
    managers = list(
        User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).order_by("date_joined", "id")
    )
    if not managers:
        return None
    team_settings()
    return managers[(_next_turn() - 1) % len(managers)]


def _next_turn() -> int:
    """Increment the round-robin counter and return its new value. The ``UPDATE``'s row lock
    is held to the end of the caller's transaction, so a concurrent caller waits and then
    reads the value after ours (on SQLite the single writer orders them)."""
    with transaction.atomic():
        TeamSettings.objects.filter(pk=1).update(account_manager_turn=F("account_manager_turn") + 1)
        return int(
            TeamSettings.objects.filter(pk=1).values_list("account_manager_turn", flat=True).get()
        )

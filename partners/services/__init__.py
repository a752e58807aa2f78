"""Writes for partners and products, one module per concern:

- :mod:`.partners` — partners: creation, onboarding, security blocks;
- :mod:`.products` — products and their sales-department settings;
- :mod:`.questionnaire` — answers, versions, submission;
- :mod:`.calls` — alignment-call slots and bookings;
- :mod:`.decisions` — the head's approve, refuse, block, unblock;
- :mod:`.signup` — self sign-up: partner, unconfirmed owner, confirmation email;
- :mod:`.team` — invitations to a partner's team (and, generically, to any role);
- :mod:`.status` — the row lock, allowed moves and audit row every status change goes through.

These change partners' own tables only. Blocking, unblocking and switching a product on or
off also change the queue: pages and the API call :mod:`sales_queue.services.supply`, which
calls these and then the queue.
"""

from partners.services.calls import (
    CALL_NOTES_MAX,
    SLOT_MAX_MINUTES,
    SLOT_MIN_MINUTES,
    call_book,
    call_cancel,
    call_mark_held,
    held_call_for,
    slot_cancel,
    slot_publish,
)
from partners.services.decisions import (
    DECIDABLE,
    product_approve,
    product_block,
    product_refuse,
    product_unblock,
)
from partners.services.partners import (
    partner_block,
    partner_create,
    partner_onboard,
    partner_unblock,
)
from partners.services.products import (
    product_create,
    product_update,
    sales_settings_update,
    validate_channels,
    validate_grace,
)
from partners.services.questionnaire import (
    ANSWER_MAX,
    questionnaire_missing,
    questionnaire_save,
    questionnaire_submit,
)
from partners.services.signup import (
    SignUp,
    email_confirmation_resend,
    email_confirmation_send,
    partner_sign_up,
)
from partners.services.team import invitation_send, partner_member_invite

__all__ = [
    "ANSWER_MAX",
    "CALL_NOTES_MAX",
    "DECIDABLE",
    "SLOT_MAX_MINUTES",
    "SLOT_MIN_MINUTES",
    "SignUp",
    "call_book",
    "call_cancel",
    "call_mark_held",
    "email_confirmation_resend",
    "email_confirmation_send",
    "held_call_for",
    "invitation_send",
    "partner_block",
    "partner_create",
    "partner_member_invite",
    "partner_onboard",
    "partner_sign_up",
    "partner_unblock",
    "product_approve",
    "product_block",
    "product_create",
    "product_refuse",
    "product_unblock",
    "product_update",
    "questionnaire_missing",
    "questionnaire_save",
    "questionnaire_submit",
    "sales_settings_update",
    "slot_cancel",
    "slot_publish",
    "validate_channels",
    "validate_grace",
]

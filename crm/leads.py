"""Writes for lead lists and leads (crm owns these tables).

A lead's way into the sales queue is the queue's use case
(:func:`sales_queue.services.leads.lead_submit`): it calls :func:`lead_create` here and puts
the new lead in line in the same transaction. The form endpoint, the leads API and the CSV
import all come through it, so a lead is checked the same way whichever side it came from.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    ALLOWED_ORIGINS_MAX,
    CONSENT_TEXT_MAX,
    LEAD_COMMENT_MAX,
    LEAD_LIST_NAME_MAX,
    UTM_KEYS,
    Lead,
    LeadList,
    new_form_token,
)
from crm.normalizers import ContactError, normalize_email, normalize_phone, normalize_telegram
from crm.services import contact_find_or_create
from partners.models import Partner, Product
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.inserts import insert_unless_conflict
from salesdesk.text import forbidden_characters

logger = logging.getLogger(__name__)

SOURCE_MAX = 100
EXTERNAL_ID_MAX = 200
NAME_MAX = 200
# A tracking value (utm_*, the referrer) is kept up to this many characters.
TRACKING_VALUE_MAX = 500


def _invalid(errors: Mapping[str, list[str]]) -> ApplicationError:
    return ApplicationError(_("Invalid input."), code="validation_error", details=dict(errors))


def _single_line(value: str, field: str, errors: dict[str, list[str]]) -> None:
    found = forbidden_characters(value)
    if found:
        errors.setdefault(field, []).append(
            _("Control and text-direction characters are not allowed (%(chars)s).")
            % {"chars": ", ".join(found)}
        )


# --- lead lists -----------------------------------------------------------------------------


def _origin_clean(raw: Any) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin``, lower-cased; a trailing
    slash is forgiven, a path is not."""
    if not isinstance(raw, str):
        raise ValueError
    value = raw.strip().rstrip("/").lower()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ValueError from None
    return f"{parts.scheme}://{parts.netloc}"


def _origins_clean(values: Any, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace(",", "\n").splitlines() if v.strip()]
    if not isinstance(values, list | tuple):
        errors["allowed_origins"] = [_("A list of site addresses.")]
        return []
    if len(values) > ALLOWED_ORIGINS_MAX:
        errors["allowed_origins"] = [_("At most %(count)s sites.") % {"count": ALLOWED_ORIGINS_MAX}]
        return []
    cleaned: list[str] = []
    for value in values:
        try:
            origin = _origin_clean(value)
        except ValueError:
            errors.setdefault("allowed_origins", []).append(
                _("«%(value)s» is not a site address such as https://school.example.")
                % {"value": str(value)[:100]}
            )
            continue
        if origin not in cleaned:
            cleaned.append(origin)
    return cleaned


def _url_clean(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return ""
    if not isinstance(value, str) or len(value) > 500:
        errors[field] = [_("A web address of at most 500 characters.")]
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except DjangoValidationError:
        errors[field] = [_("Enter a web address starting with https://.")]
        return ""
    return value


def _list_fields_clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in changes:
        name = str(changes["name"] or "").strip()
        if not name or len(name) > LEAD_LIST_NAME_MAX:
            errors["name"] = [_("From 1 to %(max)s characters.") % {"max": LEAD_LIST_NAME_MAX}]
        _single_line(name, "name", errors)
        cleaned["name"] = name
    if "allowed_origins" in changes:
        cleaned["allowed_origins"] = _origins_clean(changes["allowed_origins"], errors)
    if "thank_you_url" in changes:
        cleaned["thank_you_url"] = _url_clean(changes["thank_you_url"], "thank_you_url", errors)
    if "default_source" in changes:
        source = str(changes["default_source"] or "").strip()
        if len(source) > SOURCE_MAX:
            errors["default_source"] = [_("At most 100 characters.")]
        _single_line(source, "default_source", errors)
        cleaned["default_source"] = source
    if "consent_text" in changes:
        consent = str(changes["consent_text"] or "").strip()
        if len(consent) > CONSENT_TEXT_MAX:
            errors["consent_text"] = [_("At most %(max)s characters.") % {"max": CONSENT_TEXT_MAX}]
        cleaned["consent_text"] = consent
    if errors:
        raise _invalid(errors)
    return cleaned


def _name_taken() -> ApplicationError:
    return ApplicationError(
        _("Invalid input."),
        code="validation_error",
        details={"name": [_("You already have a lead list with this name.")]},
    )


def lead_list_create(
    *,
    partner: Partner,
    product: Product,
    name: str,
    allowed_origins: Iterable[str] = (),
    thank_you_url: str = "",
    default_source: str = "",
    consent_text: str = "",
) -> LeadList:
    """A new lead list of the partner's ``product`` with a fresh form token. Another
    partner's product is a 404; a name the partner already uses is a 400 on ``name``."""
    if product.partner_id != partner.pk:
        raise NotFoundError(_("Product not found."))
    fields = _list_fields_clean(
        {
            "name": name,
            "allowed_origins": list(allowed_origins),
            "thank_you_url": thank_you_url,
            "default_source": default_source,
            "consent_text": consent_text,
        }
    )
    try:
        with transaction.atomic():
            return LeadList.objects.create(partner=partner, product=product, **fields)
    except IntegrityError:
        if LeadList.objects.filter(partner=partner, name=fields["name"]).exists():
            raise _name_taken() from None
        raise


_EDITABLE = ("name", "allowed_origins", "thank_you_url", "default_source", "consent_text")


def lead_list_update(*, lead_list: LeadList, **changes: Any) -> LeadList:
    """Change any of the list's name, allowed sites, thank-you page, default ad channel and
    consent text (the product and the token stay)."""
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise _invalid({name: [_("This field cannot be changed.")] for name in unknown})
    fields = _list_fields_clean(changes)
    for name, value in fields.items():
        setattr(lead_list, name, value)
    try:
        with transaction.atomic():
            lead_list.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise _name_taken() from None
    return lead_list


def lead_list_rotate_token(*, lead_list: LeadList) -> LeadList:
    """A new form token: the old form address stops working at once (a 404), for a form
    copied somewhere it should not be."""
    lead_list.form_token = new_form_token()
    lead_list.save(update_fields=["form_token", "updated_at"])
    return lead_list


def lead_list_archive(*, lead_list: LeadList, archived: bool = True) -> LeadList:
    """Archive the list (it takes no more leads: its form answers 404, the API 409) or bring
    it back. Its leads and their deals stay."""
    lead_list.archived_at = timezone.now() if archived else None
    lead_list.save(update_fields=["archived_at", "updated_at"])
    return lead_list


# --- leads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadContact:
    """The buyer as a lead gives them, normalised (see :func:`lead_contact_clean`)."""

    name: str
    phone: str = ""
    email: str = ""
    telegram: str = ""
    whatsapp: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "telegram": self.telegram,
            "whatsapp": self.whatsapp,
        }


def lead_contact_clean(
    *,
    name: Any,
    phone: Any = "",
    email: Any = "",
    telegram: Any = "",
    whatsapp: Any = "",
    prefix: str = "",
) -> LeadContact:
    """Check and normalise a buyer's name and contacts: a name (1–200 characters, one line) and
    at least one way to reach them; the phone and WhatsApp in E.164, Telegram as ``@name`` or
    a phone, the email lower-cased. Errors name the fields (``prefix`` before each, e.g.
    ``customer.``) in one 400 ``validation_error``."""
    errors: dict[str, list[str]] = {}
    values = {"name": name, "phone": phone, "email": email, "telegram": telegram}
    values["whatsapp"] = whatsapp
    text: dict[str, str] = {}
    for field, value in values.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[prefix + field] = [_("Enter text.")]
            value = ""
        text[field] = value.strip()
    if not text["name"] or len(text["name"]) > NAME_MAX:
        errors.setdefault(prefix + "name", []).append(
            _("From 1 to %(max)s characters.") % {"max": NAME_MAX}
        )
    _single_line(text["name"], prefix + "name", errors)
    cleaned = {"name": text["name"], "phone": "", "email": "", "telegram": "", "whatsapp": ""}
    for field, normalize in (
        ("phone", normalize_phone),
        ("whatsapp", normalize_phone),
        ("telegram", normalize_telegram),
    ):
        if text[field]:
            try:
                cleaned[field] = normalize(text[field])
            except ContactError as exc:
                errors.setdefault(prefix + field, []).append(str(exc))
    if text["email"]:
        email = normalize_email(text["email"])
        try:
            if len(email) > 254:
                raise DjangoValidationError("too long")
            validate_email(email)
            cleaned["email"] = email
        except DjangoValidationError:
            errors.setdefault(prefix + "email", []).append(_("Enter a valid email address."))
    reachable = any(text[field] for field in ("phone", "email", "telegram", "whatsapp"))
    if not reachable:
        errors.setdefault(prefix + "phone", []).append(
            _("Give a phone, an email, Telegram or WhatsApp: the manager needs a way to reach you.")
        )
    if errors:
        raise _invalid(errors)
    return LeadContact(**cleaned)


def tracking_clean(values: Mapping[str, Any]) -> dict[str, str]:
    """The ``utm_*`` parameters and the referrer a form was posted with, each trimmed to
    ``TRACKING_VALUE_MAX`` characters; anything else is dropped."""
    kept: dict[str, str] = {}
    for key in (*UTM_KEYS, "referrer"):
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            clean = "".join(ch for ch in value.strip() if not forbidden_characters(ch))
            if clean:
                kept[key] = clean[:TRACKING_VALUE_MAX]
    return kept


def _source_clean(source: Any, lead_list: LeadList, tracking: Mapping[str, str]) -> str:
    """The lead's ad channel: what was sent, else the form's ``utm_source`` (with its medium
    and campaign), else the list's default."""
    if source is not None and not isinstance(source, str):
        raise _invalid({"source": [_("Enter text.")]})
    value = (source or "").strip()
    if not value and tracking.get("utm_source"):
        value = " / ".join(
            tracking[key]
            for key in ("utm_source", "utm_medium", "utm_campaign")
            if tracking.get(key)
        )[:SOURCE_MAX]
    if not value:
        value = lead_list.default_source
    errors: dict[str, list[str]] = {}
    if len(value) > SOURCE_MAX:
        errors["source"] = [_("At most 100 characters.")]
    _single_line(value, "source", errors)
    if errors:
        raise _invalid(errors)
    return value


@dataclass(frozen=True)
class LeadIntake:
    """A lead as recorded, and whether this call recorded it (``False``: a retry of a lead
    recorded before, the same body)."""

    lead: Lead
    created: bool


def _payload(
    lead_list: LeadList, contact: LeadContact, source: str, comment: str, cold: bool
) -> dict[str, Any]:
    return {
        "lead_list": str(lead_list.pk),
        "customer": contact.as_dict(),
        "source": source,
        "comment": comment,
        "cold": cold,
    }


def _same_or_conflict(existing: Lead, payload: dict[str, Any]) -> LeadIntake:
    stored = existing.intake_payload or {}
    differing = sorted(
        [
            f"customer.{k}"
            for k in payload["customer"]
            if stored.get("customer", {}).get(k) != payload["customer"][k]
        ]
        + [k for k in payload if k != "customer" and stored.get(k) != payload[k]]
    )
    if differing:
        raise ConflictError(
            _("A lead with this external id already exists with other data."),
            code="lead_conflict",
            details={"lead": str(existing.pk), "fields": differing},
        )
    return LeadIntake(lead=existing, created=False)


class _Retry(Exception):
    """The external id is taken: undo what this intake wrote (its contact) and compare."""


def lead_create(
    *,
    lead_list: LeadList,
    contact: LeadContact,
    origin: str,
    comment: Any = "",
    source: Any = "",
    tracking: Mapping[str, str] | None = None,
    external_id: Any = "",
    cold: bool = False,
    consent_text: str = "",
    consent_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> LeadIntake:
    """Record a lead of ``lead_list`` and find or create its contact; or recognise a retry.

    ``contact`` comes checked from :func:`lead_contact_clean`. The same ``external_id`` with
    the same body returns the lead recorded before; with another body it is a 409
    ``lead_conflict`` naming the differing fields (as orders do). An archived list is a 409
    ``lead_list_archived``. Call inside the caller's transaction (the queue's
    :func:`~sales_queue.services.leads.lead_submit`).
    """
    if lead_list.is_archived:
        raise ConflictError(
            _("This lead list is archived and takes no more leads."),
            code="lead_list_archived",
        )
    if origin not in Lead.Origin.values:
        raise ValueError(f"unknown lead origin {origin!r}")
    errors: dict[str, list[str]] = {}
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = [_("Enter text.")]
        comment = ""
    comment = (comment or "").strip()
    if len(comment) > LEAD_COMMENT_MAX:
        errors["comment"] = [_("At most %(max)s characters.") % {"max": LEAD_COMMENT_MAX}]
    if external_id is not None and not isinstance(external_id, str):
        errors["external_id"] = [_("Enter text.")]
        external_id = ""
    external_id = (external_id or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX:
        errors["external_id"] = [_("From 1 to 200 characters.")]
    _single_line(external_id, "external_id", errors)
    if errors:
        raise _invalid(errors)
    tracking = dict(tracking or {})
    source = _source_clean(source, lead_list, tracking)
    now = now or timezone.now()
    payload = _payload(lead_list, contact, source, comment, cold) if external_id else {}
    lead = Lead(
        partner_id=lead_list.partner_id,
        lead_list=lead_list,
        product_id=lead_list.product_id,
        origin=origin,
        cold=cold,
        external_id=external_id,
        comment=comment,
        source=source,
        tracking=tracking,
        consent_text=consent_text,
        consent_at=consent_at,
        intake_payload=payload,
        created_at=now,
        **contact.as_dict(),
    )
    try:
        with transaction.atomic():
            found = contact_find_or_create(
                partner=lead_list.partner,
                name=contact.name,
                phone=contact.phone,
                email=contact.email,
                telegram=contact.telegram,
                whatsapp=contact.whatsapp,
            )
            lead.contact = found
            if external_id:
                # The lead's one unique rule besides its key is (partner, external id), a
                # partial one: no conflict target, which would have to repeat its condition.
                if insert_unless_conflict(lead) is None:
                    raise _Retry
            else:
                lead.save(force_insert=True)
    except _Retry:
        existing = Lead.objects.filter(
            partner_id=lead_list.partner_id, external_id=external_id
        ).first()
        if existing is None:  # the winner was rolled back after all
            raise ConflictError(
                _("The lead changed meanwhile; try again."), code="lead_changed"
            ) from None
        return _same_or_conflict(existing, payload)
    lead._state.adding = False
    logger.info("lead %s received (list=%s origin=%s)", lead.pk, lead_list.pk, origin)
    return LeadIntake(lead=lead, created=True)

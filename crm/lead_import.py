"""CSV import of a cold list into a lead list: reading the file, the column mapping and the
check of one row. The import's run — each row a lead through the queue's
:func:`~sales_queue.services.leads.lead_submit` — is the queue's use case
(:mod:`sales_queue.services.lead_import`); everything here is crm's own.

A file is read as UTF-8 (with or without a byte-order mark) or, failing that, as cp1251 (what
a Russian Excel saves as "CSV"); its delimiter (``;``, ``,`` or a tab) is sniffed. The first
row is the header; empty rows are skipped. Rows are numbered as a spreadsheet shows them: the
header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.leads import LeadContact, lead_contact_clean
from crm.models import LEAD_COMMENT_MAX, LeadImport, LeadList
from salesdesk.errors import ApplicationError, ConflictError
from salesdesk.text import forbidden_characters

# The fields a column may give, in the mapping page's order.
FIELDS: dict[str, Any] = {
    "name": gettext_lazy("Full name"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "telegram": gettext_lazy("Telegram"),
    "whatsapp": gettext_lazy("WhatsApp"),
    "comment": gettext_lazy("Comment"),
    "source": gettext_lazy("Ad channel"),
}
CONTACT_FIELDS = ("phone", "email", "telegram", "whatsapp")
SOURCE_MAX = 100
# What a header says, lower-cased, without spaces and punctuation → the field it gives.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("имя", "фио", "name", "fullname", "клиент", "имяфамилия", "фамилияимя"),
    "phone": ("телефон", "тел", "phone", "мобильный", "номертелефона"),
    "email": ("email", "e-mail", "почта", "электроннаяпочта", "mail", "емейл", "имейл"),
    "telegram": ("telegram", "телеграм", "телеграмм", "tg"),
    "whatsapp": ("whatsapp", "ватсап", "вотсап", "wa"),
    "comment": ("комментарий", "comment", "примечание", "заметка", "note", "notes"),
    "source": ("источник", "source", "канал", "рекламныйканал", "utmsource"),
}
_NOT_A_LETTER = re.compile(r"[\s_.:()\-]+")
# Rows shown on the mapping page, and rows checked in its preview.
SAMPLE_ROWS = 5
PREVIEW_ROWS = 20
# A file with more columns is not a list of buyers (and would make a page of selects).
COLUMNS_MAX = 100
# The report keeps what a row said up to this many characters.
VALUES_MAX = 500


def _refused(message: str) -> ApplicationError:
    return ApplicationError(message, code="validation_error", details={"file": [message]})


def size_label(size: int) -> str:
    """``5 MB`` or ``512 KB`` (a size limit, for a person)."""
    if size >= 1024 * 1024:
        return _("%(n)s MB") % {"n": f"{size / 1024 / 1024:.3g}"}
    return _("%(n)s KB") % {"n": f"{size / 1024:.3g}"}


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: ``utf-8-sig`` (a byte-order mark), ``utf-8`` or
    ``cp1251``; anything else is refused."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise _refused(
            _("The file's encoding is not recognised: save it as CSV in UTF-8 or Windows-1251.")
        ) from None


def sniff_delimiter(text: str) -> str:
    """``;``, ``,`` or a tab: what the first lines are split by."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text.strip() else ""
        counts = {d: first.count(d) for d in (";", ",", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def records(text: str, delimiter: str) -> Iterator[list[str]]:
    """Every record of the file, cells stripped (the header first)."""
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [cell.strip() for cell in record]


def data_rows(lead_import: LeadImport) -> Iterator[tuple[int, list[str]]]:
    """The file's non-empty data rows with their numbers (the header is row 1)."""
    text = bytes(lead_import.data).decode(lead_import.encoding)  # utf-8-sig drops the mark
    for number, record in enumerate(records(text, lead_import.delimiter), start=1):
        if number == 1 or not any(record):
            continue
        yield number, record


def _word(header: str) -> str:
    return _NOT_A_LETTER.sub("", header.strip().lower()).replace("ё", "е")


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Which column gives which field, from the header's words (``Имя``, ``ФИО``,
    ``Телефон``, ``E-mail``, ``Почта``…); the first column of a field wins."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        word = _word(header)
        if not word:
            continue
        for name, words in _HEADER_WORDS.items():
            if name in mapping:
                continue
            normalized = tuple(_word(w) for w in words)
            # «Телефон», «Телефон клиента», «Контактный телефон»; short words only whole.
            if word in normalized or any(len(w) >= 5 and w in word for w in normalized):
                mapping[name] = index
                break
    return mapping


@dataclass(frozen=True)
class RowCheck:
    """One row read through the mapping: the lead it gives, or why it is refused."""

    contact: LeadContact | None
    comment: str = ""
    source: str = ""
    reason: str = ""
    values: str = ""

    @property
    def ok(self) -> bool:
        return self.contact is not None

    def identity(self) -> list[tuple[str, str]]:
        """How a later row of the file is recognised as the same buyer: the phone and the
        email (what contacts are matched by), else Telegram and WhatsApp."""
        if self.contact is None:
            return []
        keys = [(f, getattr(self.contact, f)) for f in ("phone", "email")]
        keys = [k for k in keys if k[1]]
        if not keys:
            keys = [(f, getattr(self.contact, f)) for f in ("telegram", "whatsapp")]
            keys = [k for k in keys if k[1]]
        return keys


def _cell(cells: list[str], mapping: Mapping[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def row_check(cells: list[str], mapping: Mapping[str, int]) -> RowCheck:
    """Check one row as :func:`crm.leads.lead_contact_clean` checks any lead, and say what is
    wrong in words for the partner (in the active language)."""
    given = {name: _cell(cells, mapping, name) for name in FIELDS}
    values = "; ".join(given[n] for n in ("name", *CONTACT_FIELDS) if given[n])[:VALUES_MAX]
    reasons: list[str] = []
    reachable = any(given[f] for f in CONTACT_FIELDS)
    if not reachable:
        reasons.append(_("No phone, email, Telegram or WhatsApp."))
    contact = None
    try:
        contact = lead_contact_clean(**{n: given[n] for n in ("name", *CONTACT_FIELDS)})
    except ApplicationError as exc:
        for name, messages in exc.details.items():
            if name == "name" and not given["name"]:
                reasons.insert(0, _("No name."))
            elif name == "phone" and not reachable:
                continue
            else:
                reasons.append(
                    _("%(field)s «%(value)s»: %(error)s")
                    % {
                        "field": FIELDS[name],
                        "value": given[name][:60],
                        "error": " ".join(str(m) for m in messages),
                    }
                )
    comment, source = given["comment"], given["source"]
    if len(comment) > LEAD_COMMENT_MAX:
        reasons.append(
            _("Comment: at most %(max)s characters.") % {"max": LEAD_COMMENT_MAX},
        )
    if len(source) > SOURCE_MAX or forbidden_characters(source):
        reasons.append(_("Ad channel: one line of at most 100 characters."))
    if reasons:
        return RowCheck(contact=None, reason=" ".join(reasons), values=values)
    return RowCheck(contact=contact, comment=comment, source=source, values=values)


@dataclass
class SeenBuyers:
    """The buyers of the file's earlier accepted rows: a row repeating one is a duplicate."""

    keys: set[tuple[str, str]] = field(default_factory=set)

    def repeats(self, check: RowCheck) -> bool:
        return any(key in self.keys for key in check.identity())

    def add(self, check: RowCheck) -> None:
        self.keys.update(check.identity())


# --- writes ---------------------------------------------------------------------------------


def _archived() -> ConflictError:
    return ConflictError(
        _("This lead list is archived and takes no more leads: bring it back to import."),
        code="lead_list_archived",
    )


def lead_import_create(
    *, lead_list: LeadList, created_by: Any, file_name: str, data: bytes
) -> LeadImport:
    """Take an uploaded file: refuse it if the list is archived, the file is larger than
    ``LEAD_IMPORT_MAX_BYTES``, not text, without data rows or with more than
    ``LEAD_IMPORT_MAX_ROWS``; guess the mapping from its header."""
    if lead_list.is_archived:
        raise _archived()
    limit = settings.LEAD_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _refused(
            _("The file is too large: at most %(size)s. Split it into several files.")
            % {"size": size_label(limit)}
        )
    text, encoding = decode(data)
    if "\x00" in text:
        raise _refused(_("This is not a CSV file: save the table as CSV and upload that."))
    delimiter = sniff_delimiter(text)
    headers: list[str] = []
    total = 0
    try:
        for number, record in enumerate(records(text, delimiter), start=1):
            if number == 1:
                headers = record
            elif any(record):
                total += 1
    except csv.Error:
        raise _refused(_("The file could not be read as CSV: check its quotes.")) from None
    if total == 0:
        raise _refused(_("The file has no rows under its header."))
    if len(headers) > COLUMNS_MAX:
        raise _refused(
            _("The file has %(count)s columns: at most %(max)s.")
            % {"count": len(headers), "max": COLUMNS_MAX}
        )
    if total > settings.LEAD_IMPORT_MAX_ROWS:
        raise _refused(
            _("The file has %(count)s rows: at most %(max)s at once. Split it into several files.")
            % {"count": total, "max": settings.LEAD_IMPORT_MAX_ROWS}
        )
    return LeadImport.objects.create(
        partner_id=lead_list.partner_id,
        lead_list=lead_list,
        created_by=created_by,
        file_name=file_name[:255],
        data=data,
        encoding=encoding,
        delimiter=delimiter,
        headers=headers,
        mapping=guess_mapping(headers),
        total_rows=total,
    )


def lead_import_map(*, lead_import: LeadImport, mapping: Mapping[str, Any]) -> LeadImport:
    """Choose the columns (field → column index, ``None`` or absent: not imported). The name
    and at least one contact are needed; a column gives one field. Only before the import
    starts."""
    if lead_import.status not in (LeadImport.Status.UPLOADED, LeadImport.Status.MAPPED):
        raise ConflictError(_("This import has already started."), code="lead_import_started")
    cleaned: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    width = len(lead_import.headers)
    for name, index in mapping.items():
        if name not in FIELDS:
            errors[name] = [_("Unknown field.")]
            continue
        if index is None or index == "":
            continue
        try:
            column = int(index)
        except (TypeError, ValueError):
            errors[name] = [_("Choose a column of the file.")]
            continue
        if not 0 <= column < max(width, 1):
            errors[name] = [_("Choose a column of the file.")]
            continue
        cleaned[name] = column
    if "name" not in cleaned:
        errors.setdefault("name", []).append(_("Choose the column with the buyer's name."))
    if not any(f in cleaned for f in CONTACT_FIELDS):
        errors.setdefault("phone", []).append(
            _("Choose at least one column with a phone, email, Telegram or WhatsApp.")
        )
    columns = list(cleaned.values())
    if len(columns) != len(set(columns)):
        errors.setdefault("mapping", []).append(_("One column can give only one field."))
    if errors:
        raise ApplicationError(_("Invalid input."), code="validation_error", details=errors)
    with transaction.atomic():
        updated = LeadImport.objects.filter(
            pk=lead_import.pk,
            status__in=[LeadImport.Status.UPLOADED, LeadImport.Status.MAPPED],
        ).update(mapping=cleaned, status=LeadImport.Status.MAPPED)
        if not updated:
            raise ConflictError(_("This import has already started."), code="lead_import_started")
    lead_import.mapping = cleaned
    lead_import.status = LeadImport.Status.MAPPED
    return lead_import


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[str]
    status: str  # "ok", "duplicate" or "rejected"
    reason: str = ""

    @property
    def text(self) -> str:
        """The row's non-empty cells, for a person to recognise it."""
        return "; ".join(cell for cell in self.cells if cell)


def lead_import_sample(lead_import: LeadImport, limit: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first data rows as they are, for the mapping page."""
    rows: list[list[str]] = []
    for _number, cells in data_rows(lead_import):
        rows.append(cells)
        if len(rows) >= limit:
            break
    return rows


def lead_import_preview(lead_import: LeadImport, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows checked through the chosen mapping: which would be refused and why
    (contacts already known are found only by the import itself)."""
    seen = SeenBuyers()
    preview: list[PreviewRow] = []
    for number, cells in data_rows(lead_import):
        check = row_check(cells, lead_import.mapping)
        if not check.ok:
            preview.append(PreviewRow(number, cells, "rejected", check.reason))
        elif seen.repeats(check):
            preview.append(
                PreviewRow(number, cells, "duplicate", _("Repeats an earlier row of the file."))
            )
        else:
            seen.add(check)
            preview.append(PreviewRow(number, cells, "ok"))
        if len(preview) >= limit:
            break
    return preview

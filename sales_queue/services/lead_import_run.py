"""The run of a CSV import (:mod:`crm.lead_import`): each row becomes a cold lead as
:func:`~sales_queue.services.leads.lead_submit` makes one — :func:`crm.leads.lead_create` finds
or creates its contact (merging into a known buyer) and recognises a repeat by its external id
— and the batch's new leads enter the queue together, in file order
(:func:`~sales_queue.services.leads.leads_enqueue`: the same item, key and event as
``lead_submit`` gives each, in four statements a batch instead of eight a row).

Rows go in order, in batches; a batch is one transaction that also advances the import's
``processed_rows`` and its counts, under a lock on the import's row. So two workers never do a
batch twice (the second waits, then sees the progress moved), and a worker that dies loses at
most its open batch, which the next run does again. Each lead also carries a deterministic
``external_id`` (``import:<import id>:<row>``): were a batch's leads ever recorded twice, the
lead's own idempotency would recognise the repeat.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.lead_import import SeenBuyers, data_rows, row_check
from crm.leads import lead_create
from crm.models import Lead, LeadImport, LeadImportRow, LeadList
from sales_queue.services.leads import leads_enqueue
from salesdesk.errors import ApplicationError


class _ListArchived(Exception):
    """The list was archived during the import: the batch is undone and the import fails."""


def import_external_id(import_id: Any, row_number: int) -> str:
    return f"import:{import_id}:{row_number}"


def _reason(exc: ApplicationError) -> str:
    parts = [" ".join(str(m) for m in messages) for messages in exc.details.values()]
    return " ".join(parts) or exc.message


def _batch(
    lead_import: LeadImport,
    lead_list: LeadList,
    rows: list[tuple[int, list[str]]],
    seen: SeenBuyers,
) -> tuple[Counter[str], list[LeadImportRow]]:
    counts: Counter[str] = Counter()
    report: list[LeadImportRow] = []
    new_leads: list[Lead] = []

    def note(number: int, status: str, reason: str, values: str) -> None:
        counts[status] += 1
        report.append(
            LeadImportRow(
                lead_import=lead_import,
                row_number=number,
                status=status,
                reason=reason[:500],
                values=values,
            )
        )

    for number, cells in rows:
        check = row_check(cells, lead_import.mapping)
        if check.contact is None:
            note(number, LeadImportRow.Status.REJECTED, check.reason, check.values)
            continue
        if seen.repeats(check):
            note(
                number,
                LeadImportRow.Status.DUPLICATE,
                _("Repeats an earlier row of the file."),
                check.values,
            )
            continue
        row_started = timezone.now()
        try:
            intake = lead_create(
                lead_list=lead_list,
                contact=check.contact,
                origin=Lead.Origin.IMPORT,
                comment=check.comment,
                source=check.source,
                external_id=import_external_id(lead_import.pk, number),
                cold=True,
                now=row_started,
            )
        except ApplicationError as exc:
            if exc.code == "lead_list_archived":
                raise _ListArchived from None
            note(number, LeadImportRow.Status.REJECTED, _reason(exc), check.values)
            continue
        seen.add(check)
        if intake.created:
            new_leads.append(intake.lead)
        contact = intake.lead.contact
        # The contact existed before this row: the lead was merged into a known buyer.
        if contact is not None and contact.created_at < row_started:
            note(
                number,
                LeadImportRow.Status.MERGED,
                _("The buyer is already among your contacts."),
                check.values,
            )
        else:
            counts["created"] += 1
    leads_enqueue(leads=new_leads)
    return counts, report


def lead_import_run(
    *,
    import_id: uuid.UUID,
    batch_size: int | None = None,
    budget_seconds: float | None = None,
) -> bool:
    """Import the rows not done yet; ``True`` when rows remain because this run's time
    (``LEAD_IMPORT_TASK_SECONDS``) is over — the caller hands them to the next run. An import
    that is not running is left alone (``False``)."""
    batch_size = batch_size or settings.LEAD_IMPORT_BATCH_SIZE
    budget = settings.LEAD_IMPORT_TASK_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    lead_import = LeadImport.objects.filter(pk=import_id).first()
    if lead_import is None or lead_import.status != LeadImport.Status.RUNNING:
        return False
    rows = list(data_rows(lead_import))
    seen = SeenBuyers()
    known = 0  # rows whose buyers ``seen`` holds
    # Reasons are stored as the partner reads them: in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            try:
                with transaction.atomic():
                    locked = (
                        LeadImport.objects.select_for_update()
                        .defer("data")  # read once above, not at every batch
                        .filter(pk=import_id)
                        .first()
                    )
                    if locked is None or locked.status != LeadImport.Status.RUNNING:
                        return False
                    start = locked.processed_rows
                    if start < known:  # never: progress only moves forward
                        seen, known = SeenBuyers(), 0
                    # Rows done by an earlier run (or another worker): their buyers only.
                    for _number, cells in rows[known:start]:
                        check = row_check(cells, locked.mapping)
                        if check.ok and not seen.repeats(check):
                            seen.add(check)
                    known = start
                    lead_list = LeadList.objects.select_related("partner").get(
                        pk=locked.lead_list_id
                    )
                    batch = rows[start : start + batch_size]
                    counts, report = _batch(locked, lead_list, batch, seen)
                    LeadImportRow.objects.bulk_create(report, ignore_conflicts=True)
                    now = timezone.now()
                    end = start + len(batch)
                    locked.processed_rows = end
                    locked.created_count += counts["created"]
                    locked.merged_count += counts[LeadImportRow.Status.MERGED]
                    locked.duplicate_count += counts[LeadImportRow.Status.DUPLICATE]
                    locked.rejected_count += counts[LeadImportRow.Status.REJECTED]
                    locked.progress_at = now
                    finished = end >= len(rows)
                    if finished:
                        locked.status = LeadImport.Status.DONE
                        locked.finished_at = now
                    locked.save(
                        update_fields=[
                            "processed_rows",
                            "created_count",
                            "merged_count",
                            "duplicate_count",
                            "rejected_count",
                            "progress_at",
                            "status",
                            "finished_at",
                        ]
                    )
                    known = end
            except _ListArchived:
                LeadImport.objects.filter(pk=import_id, status=LeadImport.Status.RUNNING).update(
                    status=LeadImport.Status.FAILED,
                    finished_at=timezone.now(),
                    error=_(
                        "The lead list was archived during the import; the rest of the file "
                        "was not imported."
                    ),
                )
                return False
            if finished:
                return False
            if time.monotonic() > deadline:
                return True

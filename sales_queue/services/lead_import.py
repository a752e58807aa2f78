"""Starting a CSV import of leads, and resuming one whose worker died (the run itself:
:mod:`sales_queue.services.lead_import_run`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import LeadImport
from sales_queue.tasks import lead_import_enqueue
from salesdesk.errors import ConflictError


def lead_import_start(*, lead_import: LeadImport, now: dt.datetime | None = None) -> LeadImport:
    """«Import»: the mapped import starts running and a worker takes it once this commits.
    An archived list refuses (409 ``lead_list_archived``); a second start is a 409."""
    now = now or timezone.now()
    if lead_import.lead_list.is_archived:
        raise ConflictError(
            _("This lead list is archived and takes no more leads: bring it back to import."),
            code="lead_list_archived",
        )
    with transaction.atomic():
        updated = LeadImport.objects.filter(
            pk=lead_import.pk, status=LeadImport.Status.MAPPED
        ).update(status=LeadImport.Status.RUNNING, started_at=now, progress_at=now)
        if not updated:
            raise ConflictError(_("This import has already started."), code="lead_import_started")
        transaction.on_commit(lambda: lead_import_enqueue(lead_import.pk))
    lead_import.refresh_from_db()
    return lead_import


def lead_import_resume(*, lead_import: LeadImport, now: dt.datetime | None = None) -> LeadImport:
    """«Continue» a running import whose progress has not moved for
    ``LEAD_IMPORT_STALL_MINUTES`` (its worker died, or the broker lost the task): a new run
    goes on from the last committed batch. One that is moving is a 409 ``lead_import_moving``."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = LeadImport.objects.filter(
            pk=lead_import.pk,
            status=LeadImport.Status.RUNNING,
            progress_at__lt=now - lead_import.stall_after(),
        ).update(progress_at=now)
        if not updated:
            raise ConflictError(
                _("The import is going on; wait a little."), code="lead_import_moving"
            )
        transaction.on_commit(lambda: lead_import_enqueue(lead_import.pk))
    lead_import.refresh_from_db()
    return lead_import

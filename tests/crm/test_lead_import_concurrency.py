"""Two workers on one import at the same moment (a redelivered task beside the first, or
«Continue» pressed while the old worker woke up): each batch is done once, the counts add up
and no lead is recorded twice. Real threads against PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from crm.lead_import import lead_import_create, lead_import_map
from crm.models import Lead, LeadImport, LeadImportRow
from sales_queue.models import QueueItem
from sales_queue.services.lead_import_run import lead_import_run
from tests.concurrency import run_concurrently
from tests.crm.lead_factories import lead_list

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 4


def test_workers_racing_on_one_import_do_each_batch_once(settings: Any) -> None:
    # given 300 rows (every 10th without a contact), in batches of 20, running
    settings.LEAD_IMPORT_BATCH_SIZE = 20
    lines = ["Имя;Телефон"]
    for i in range(300):
        lines.append(f"Покупатель {i};" + ("" if i % 10 == 9 else f"+7 900 {i:07d}"))
    of = lead_list()
    lead_import = lead_import_create(
        lead_list=of, created_by=None, file_name="a.csv", data="\n".join(lines).encode()
    )
    lead_import_map(lead_import=lead_import, mapping={"name": 0, "phone": 1})
    LeadImport.objects.filter(pk=lead_import.pk).update(status="running")

    # when several workers run it at once
    results = run_concurrently(
        *[lambda: lead_import_run(import_id=lead_import.pk) for _ in range(WORKERS)]
    )

    # then
    assert results == [False] * WORKERS
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.processed_rows) == ("done", 300)
    assert (lead_import.created_count, lead_import.rejected_count) == (270, 30)
    assert (lead_import.merged_count, lead_import.duplicate_count) == (0, 0)
    assert Lead.objects.filter(lead_list=of).count() == 270
    assert QueueItem.objects.filter(lead__lead_list=of).count() == 270
    assert LeadImportRow.objects.filter(lead_import=lead_import).count() == 30

"""The CSV import of leads (upload → the run through ``lead_submit``) against raw SQL inserting
the same rows.

Runs on PostgreSQL only, in a scratch database. The file has ``--rows`` rows: 1 in 50 a bad
phone, 1 in 40 repeating the row before, 1 in 20 a buyer the partner already has. The service
imports it as the cabinet does (parse, map, run in batches, every lead through
``lead_submit``: its contact found or created, the lead recorded, its queue item with its fair
key and event). The baseline gets the rows already cleaned and deduplicated and writes the same
contacts, leads, queue items and events for a second partner in four set-based statements — the
floor no per-row path can reach. Counts of both are checked against what the file was built to
hold.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "leads-import", help="CSV import of leads vs raw SQL inserting the same rows"
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file (10000)")
    parser.add_argument("--batch-size", type=int, default=None, help="the import's batch size")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.rows < 1:
        print("--rows must be positive.", file=sys.stderr)
        return 2
    return run_in_scratch_database(
        args, name="leads-import", bench=lambda args, _config: _bench(args)
    )


def _phone(i: int) -> str:
    return f"+7900{i:07d}"


def _file(rows: int) -> tuple[str, dict[str, int], list[tuple[int, str, str]], list[str]]:
    """The CSV, the counts it was built to give, the rows a lead comes from (number, name,
    E.164 phone) and the phones of buyers the partner has before the import."""
    lines = ["ФИО;Телефон;Комментарий"]
    expected = {"created": 0, "merged": 0, "duplicates": 0, "rejected": 0}
    accepted: list[tuple[int, str, str]] = []
    known: list[str] = []
    for i in range(rows):
        number = i + 2
        if i % 50 == 49:
            lines.append(f"Покупатель {i};12-34;неверный телефон")
            expected["rejected"] += 1
        elif i % 40 == 39 and (i - 1) % 50 != 49:
            lines.append(f"Повтор {i};8 900 {i - 1:07d};")
            expected["duplicates"] += 1
        else:
            lines.append(f"Покупатель {i};8 900 {i:07d};из выставки")
            accepted.append((number, f"Покупатель {i}", _phone(i)))
            if i % 20 == 7:
                known.append(_phone(i))
                expected["merged"] += 1
            else:
                expected["created"] += 1
    return "\n".join(lines) + "\n", expected, accepted, known


def _bench(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from crm.lead_import import lead_import_create, lead_import_map
    from crm.leads import lead_list_create
    from crm.models import Contact, Lead, LeadImport
    from partners.models import Partner, Product, SalesStatus
    from sales_queue.fairness import partner_next_key
    from sales_queue.models import QueueItem
    from sales_queue.services.lead_import_run import lead_import_run

    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)
    logging.getLogger("crm").setLevel(logging.WARNING)
    logging.getLogger("sales_queue").setLevel(logging.WARNING)
    text, expected, accepted, known = _file(args.rows)

    def world(name: str) -> tuple[Partner, Any]:
        partner = Partner.objects.create(name=name)
        product = Product.objects.create(
            partner=partner,
            name="Курс",
            price=1000,
            sales_enabled=True,
            sales_status=SalesStatus.APPROVED,
        )
        Contact.objects.bulk_create(
            Contact(partner=partner, name="Известный", phone=phone) for phone in known
        )
        return partner, lead_list_create(partner=partner, product=product, name="Холодная база")

    partner, lead_list = world("Bench school")
    raw_partner, raw_list = world("Bench school (raw)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # the service: upload (read, sniff, count), map, run to the end
    batch_size = args.batch_size or settings.LEAD_IMPORT_BATCH_SIZE
    started = time.perf_counter()
    lead_import = lead_import_create(
        lead_list=lead_list, created_by=None, file_name="bench.csv", data=text.encode("cp1251")
    )
    lead_import_map(lead_import=lead_import, mapping=lead_import.mapping)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=LeadImport.Status.RUNNING, started_at=timezone.now(), progress_at=timezone.now()
    )
    uploaded = time.perf_counter() - started
    while lead_import_run(
        import_id=lead_import.pk, batch_size=batch_size, budget_seconds=3600
    ):  # pragma: no cover - one run does it all with this budget
        pass
    service = time.perf_counter() - started
    lead_import.refresh_from_db()
    got = {
        "created": lead_import.created_count,
        "merged": lead_import.merged_count,
        "duplicates": lead_import.duplicate_count,
        "rejected": lead_import.rejected_count,
    }
    if lead_import.status != LeadImport.Status.DONE or got != expected:
        print(f"MISMATCH: the import says {got} ({lead_import.status}), the file holds {expected}")
        return 1
    leads = Lead.objects.filter(lead_list=lead_list).count()
    items = QueueItem.objects.filter(lead__lead_list=lead_list).count()
    if leads != len(accepted) or items != len(accepted):
        print(f"MISMATCH: {leads} leads and {items} queue items for {len(accepted)} rows")
        return 1

    # the baseline: the same rows, cleaned, in four statements
    numbers = [n for n, _name, _phone in accepted]
    names = [name for _n, name, _phone in accepted]
    phones = [phone for _n, _name, phone in accepted]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        params = {
            "partner": raw_partner.pk,
            "list": raw_list.pk,
            "product": raw_list.product_id,
            "numbers": numbers,
            "names": names,
            "phones": phones,
            "prefix": "raw:",
        }
        cursor.execute(
            """
            INSERT INTO crm_contact (id, partner_id, name, phone, email, telegram, whatsapp,
                                     created_at, updated_at)
            SELECT gen_random_uuid(), %(partner)s, r.name, r.phone, '', '', '', now(), now()
              FROM unnest(%(names)s::text[], %(phones)s::text[]) AS r(name, phone)
            ON CONFLICT DO NOTHING
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO crm_lead (id, partner_id, lead_list_id, product_id, contact_id, origin,
                                  cold, external_id, name, phone, email, telegram, whatsapp,
                                  comment, source, tracking, consent_text, intake_payload,
                                  created_at)
            SELECT gen_random_uuid(), %(partner)s, %(list)s, %(product)s, c.id, 'import', true,
                   %(prefix)s || r.n, r.name, r.phone, '', '', '', 'из выставки', '', '{}',
                   '', '{}', now()
              FROM unnest(%(numbers)s::int[], %(names)s::text[], %(phones)s::text[])
                   AS r(n, name, phone)
              JOIN crm_contact c ON c.partner_id = %(partner)s AND c.phone = r.phone
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO queue_queueitem (id, source, partner_id, product_id, lead_id, state,
                                         entered_at, available_at, attempts, outcome,
                                         outcome_reason, updated_at, workable, fair_key)
            SELECT gen_random_uuid(), 'lead', l.partner_id, l.product_id, l.id, 'queued',
                   now(), now(), 0, '', '', now(), true,
                   row_number() OVER (ORDER BY l.created_at, l.id)
              FROM crm_lead l WHERE l.lead_list_id = %(list)s
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO queue_queueevent (item_id, kind, note, created_at)
            SELECT i.id, 'entered', '', now()
              FROM queue_queueitem i JOIN crm_lead l ON l.id = i.lead_id
             WHERE l.lead_list_id = %(list)s
            """,
            params,
        )
    raw = time.perf_counter() - started
    raw_items = QueueItem.objects.filter(lead__lead_list=raw_list).count()
    if raw_items != len(accepted):
        print(f"MISMATCH: the raw SQL queued {raw_items} leads, the service {len(accepted)}")
        return 1

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The statements the import runs, as it runs them: a known buyer's lookup (the merge) and
    # the partner's next fair key (once a batch).
    contact_plan = Contact.objects.filter(partner=partner, phone=phones[-1]).explain()
    key_plan = (
        Partner.objects.filter(pk=partner.pk)
        .annotate(key=partner_next_key(partner.pk))
        .values_list("key", flat=True)
        .explain()
    )

    rows = args.rows
    print()
    print(
        f"rows: {rows}  created {got['created']}  merged {got['merged']}  duplicates"
        f" {got['duplicates']}  rejected {got['rejected']}  batch size {batch_size}"
    )
    print(f"upload (read, sniff, count), map : {uploaded:8.3f} s")
    print(f"import, whole file (service)     : {service:8.3f} s   {rows / service:10,.0f} rows/s")
    print(f"raw SQL, cleaned rows (4 stmts)  : {raw:8.3f} s   {rows / raw:10,.0f} rows/s")
    print(f"ratio service / raw              : {service / raw:8.2f}")
    print()
    print("EXPLAIN of a contact's lookup by phone (the merge):")
    print(contact_plan)
    print()
    print("EXPLAIN of a lead's fair key (the partner's last queued key):")
    print(key_plan)
    print(
        json.dumps(
            {
                "rows": rows,
                **got,
                "batch_size": batch_size,
                "service_seconds": round(service, 4),
                "raw_seconds": round(raw, 4),
                "service_rows_per_second": round(rows / service, 1),
                "raw_rows_per_second": round(rows / raw, 1),
                "ratio": round(service / raw, 3),
            }
        )
    )
    return 0
